"""`drift`: Drift app events; Drift signs nothing and sends a static verification token.

Follows https://devdocs.drift.com/docs/webhook-events-1 ("Under App Credentials ... Verification
Token ... a header called X-Verification-Token"; envelope `{type, token, orgId, data}`),
https://devdocs.drift.com/docs/message-model and https://devdocs.drift.com/docs/contact-model.
The `X-Verification-Token` header is compared in constant time with the secret (the app's
Verification Token); there is no timestamp and no delivery id, so a message dedupes on its own
`data.id`.

Used events: `new_message` written by the visitor (`author.type == "contact"`, not a bot, not a
private note), with the contact id as the visitor id; `contact_identified` ("a contact added
their email in chat": `data.attributes` email, name, company, title, phone; its shape is an
assumption from Drift's contact model). Everything else (agent messages, status changes,
commands, button clicks) is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from leadwire.domain.models import Channel
from leadwire.providers.fields import (
    event_from_fields,
    event_id_for,
    lead_fields,
    moment,
    object_at,
    plain_text,
)
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import verify_token


class DriftProvider(ProviderBase):
    slug = "drift"
    channels = frozenset({Channel.CHAT})
    signed = True
    dev_secret = "leadwire-dev-drift-verification-token"

    def sign(self, d: Delivery) -> Signed:
        return Signed({"x-verification-token": d.secret}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_token(request.headers.get("x-verification-token"), secrets)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        kind = body.get("type")
        data = object_at(body, "data")
        if kind == "new_message":
            author = data.get("author")
            if (
                not isinstance(author, dict)
                or author.get("type") != "contact"
                or author.get("bot")
                or data.get("type") == "private_note"
            ):
                return Parsed(None, ignored="the message is not the visitor's")
            fields: dict[str, object] = {}
            visitor_id, text = author.get("id"), plain_text(data.get("body"))
            provider_id = data.get("id")
        elif kind == "contact_identified":
            attributes = data.get("attributes")
            fields = lead_fields(attributes.items() if isinstance(attributes, dict) else [])
            visitor_id, text, provider_id = data.get("id"), None, None
        else:
            return Parsed(None, ignored=f"drift event {kind!r} is not about a lead")
        event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            visitor_id=visitor_id,
            message=text,
            event_id=event_id_for(self.slug, provider_id, body),
            occurred_at=moment(data.get("createdAt"), now),
            received_at=now,
        )
        return Parsed(event=event)


provider = DriftProvider()
