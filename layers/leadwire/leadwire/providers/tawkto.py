"""`tawkto`: tawk.to webhooks, signed with HMAC-SHA1 (`X-Tawk-Signature`).

Follows https://developer.tawk.to/webhooks/: `X-Tawk-Signature` = hex HMAC-SHA1 of the raw
body, keyed by the webhook's secret key (no timestamp signed); `X-Hook-Event-Id` names the
event and stays the same across retries (up to 12 hours), so it is the dedupe key.

Used events: `chat:start` (the first message; only when the visitor sent it) and
`ticket:create` (an offline form / email ticket: `requester` + subject and message). Ignored:
`chat:start` begun by an agent, `chat:end` and `chat:transcript_created` (the chat was scored
when it started; a transcript carries no new action). A chat without the visitor's email is
scored under the chat id, since tawk.to sends no visitor id.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from leadwire.domain.models import Channel
from leadwire.providers.fields import dig, event_from_fields, event_id_for, lead_fields, moment
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import sign_hmac, verify_hmac


class TawktoProvider(ProviderBase):
    slug = "tawkto"
    channels = frozenset({Channel.CHAT})
    signed = True
    dev_secret = "leadwire-dev-tawkto-secret"

    def sign(self, d: Delivery) -> Signed:
        signature = sign_hmac(d.secret, d.body, algorithm="sha1", encoding="hex")
        return Signed({"x-tawk-signature": signature, "x-hook-event-id": d.delivery_id}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> str | None:
        verify_hmac(
            request.headers.get("x-tawk-signature"),
            request.body,
            secrets,
            algorithm="sha1",
            encoding="hex",
        )
        return request.headers.get("x-hook-event-id") or None

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        kind = body.get("event")
        if kind == "chat:start":
            if dig(body, "message", "sender", "type") != "visitor":
                return Parsed(None, ignored="the chat was started by an agent")
            person, text = body.get("visitor"), dig(body, "message", "text")
            visitor_id = body.get("chatId")
        elif kind == "ticket:create":
            person, visitor_id = body.get("requester"), None
            text = "\n".join(
                t for t in (dig(body, "ticket", "subject"), dig(body, "ticket", "message")) if t
            )
        else:
            return Parsed(None, ignored=f"tawk.to event {kind!r} carries no new lead action")
        person = person if isinstance(person, dict) else {}
        fields = lead_fields(person.items())
        event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            visitor_id=None if fields.get("email") else visitor_id,
            message=text,
            event_id=event_id_for(self.slug, delivery_id, body),
            occurred_at=moment(body.get("time"), now),
            received_at=now,
        )
        return Parsed(event=event)


provider = TawktoProvider()
