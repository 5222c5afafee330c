"""`mailgun`: Mailgun's webhooks and its inbound routes, both at `/webhooks/events/mailgun`.

Follows Mailgun's "Securing Webhooks" documentation: an event webhook's JSON body is
`{"signature": {"timestamp", "token", "signature"}, "event-data": {...}}`, where `signature`
is the hex HMAC-SHA256 of `timestamp` + `token` keyed by the account's HTTP webhook signing key
(the secret stored here). The signature does not cover the event data, so, as Mailgun advises,
a timestamp more than 5 minutes off is refused (409); a replayed event is a duplicate anyway.

Scored: `clicked`, `opened`, `unsubscribed`, `complained` (a spam report), keyed by the event
data's `id`, for its `recipient`, at its `timestamp`. Every other event (`accepted`,
`delivered`, `failed`, ...) is acknowledged.

An inbound route's `forward("https://.../webhooks/events/mailgun")` posts the parsed message
as a form (urlencoded, or multipart with attachments) with the same `timestamp`, `token` and
`signature` fields: a reply from a lead we already have is `email_reply`, its text (Mailgun's
`stripped-text`, the reply without the quoted mail) kept as their message. Mail from anyone
else, and automatic replies (RFC 3834 `Auto-Submitted`, `X-Autoreply`, bulk `Precedence`),
are acknowledged and not scored. Keyed by the message's `Message-Id`.
"""

from __future__ import annotations

import hashlib
import json
import secrets as random_tokens
from collections.abc import Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any
from urllib.parse import parse_qsl, urlencode

from leadwire.domain.errors import MalformedPayload, SignatureInvalid
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import email_event, read_batch
from leadwire.providers.fields import event_id_for, text_of
from leadwire.providers.html_form import form_fields
from leadwire.providers.request import (
    Batch,
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import check_timestamp, sign_hmac, verify_hmac

TOLERANCE_SECONDS = 300
ACTIVITIES = {
    "clicked": "email_click",
    "opened": "email_open",
    "unsubscribed": "email_unsubscribe",
    "complained": "email_spam_report",
}
REPLY = "email_reply"
# A parsed message posts each MIME header as a field besides Mailgun's own.
_MAX_INBOUND_FIELDS = 1000
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def mailgun_event(slug: str, data: dict[str, Any], now: datetime) -> LeadEvent | None:
    activity = ACTIVITIES.get(text_of(data.get("event")) or "")
    if activity is None:
        return None
    event_id = text_of(data.get("id"))
    if not event_id:
        raise MalformedPayload("no event id")
    return email_event(
        slug,
        data.get("recipient"),
        activity,
        event_id_for(slug, event_id),
        data.get("timestamp"),
        now,
    )


def headers_of(fields: dict[str, str]) -> dict[str, str]:
    """The message's MIME headers, lower-case names: Mailgun's `message-headers` (a JSON list
    of [name, value] pairs), else the headers it also posts as fields of their own."""
    try:
        pairs = json.loads(fields.get("message-headers") or "[]")
    except ValueError:
        pairs = []
    found = {k.lower(): v for k, v in fields.items()}
    if isinstance(pairs, list):
        for pair in pairs:
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair):
                found[pair[0].lower()] = pair[1]
    return found


def is_automatic(headers: dict[str, str]) -> bool:
    """An out-of-office or other machine reply, as RFC 3834 and common mailers mark one."""
    submitted = headers.get("auto-submitted", "no").strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    return (
        submitted != "no"
        or precedence in _AUTOMATIC_PRECEDENCE
        or "x-autoreply" in headers
        or "x-autorespond" in headers
    )


def inbound_reply(slug: str, fields: dict[str, str], now: datetime) -> LeadEvent | None:
    """A reply a route forwarded, as `email_reply` for its sender; None for an automatic one."""
    headers = headers_of(fields)
    if is_automatic(headers):
        return None
    sender = parseaddr(fields.get("from") or headers.get("from") or "")[1] or fields.get("sender")
    if not sender:
        raise MalformedPayload("the message has no sender")
    text = fields.get("stripped-text") or fields.get("body-plain") or ""
    message_id = (
        headers.get("message-id")
        or hashlib.sha256(
            "\n".join(
                (sender, fields.get("subject", ""), fields.get("timestamp", ""), text)
            ).encode()
        ).hexdigest()
    )
    event = email_event(
        slug,
        sender,
        REPLY,
        event_id_for(slug, message_id.strip("<> ")),
        fields.get("timestamp"),
        now,
    )
    return event.model_copy(update={"message": text.strip() or None, "known_lead_only": True})


def _is_form(request: WebhookRequest) -> bool:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media in ("application/x-www-form-urlencoded", "multipart/form-data")


class MailgunProvider(ProviderBase):
    slug = "mailgun"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = "leadwire-dev-mailgun-signing-key"

    def sign(self, d: Delivery) -> Signed:
        stamp = str(int(d.now.timestamp()))
        token = random_tokens.token_hex(25)
        signature = sign_hmac(d.secret, (stamp + token).encode(), encoding="hex")
        proof = {"timestamp": stamp, "token": token, "signature": signature}
        if not d.body.lstrip().startswith(b"{"):  # an inbound route's form post
            fields = dict(parse_qsl(d.body.decode(), keep_blank_values=True)) | proof
            return Signed({}, urlencode(fields).encode())
        body = json.loads(d.body)
        body["signature"] = proof
        return Signed({}, json.dumps(body).encode())

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        if _is_form(request):
            signed: object = form_fields(request, _MAX_INBOUND_FIELDS)
        else:
            signed = json_object(request).get("signature")
        if not isinstance(signed, dict):
            raise SignatureInvalid("the body has no signature object")
        stamp, token = text_of(signed.get("timestamp")) or "", text_of(signed.get("token")) or ""
        verify_hmac(
            text_of(signed.get("signature")), (stamp + token).encode(), secrets, encoding="hex"
        )
        check_timestamp(stamp, now, TOLERANCE_SECONDS)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        if _is_form(request):
            reply = inbound_reply(self.slug, form_fields(request, _MAX_INBOUND_FIELDS), now)
            return Parsed(None, batch=Batch([reply] if reply else [], 0 if reply else 1, []))
        data = json_object(request).get("event-data")
        batch = read_batch([data], lambda item: mailgun_event(self.slug, item, now), self.slug)
        return Parsed(None, batch=batch)


provider = MailgunProvider()
