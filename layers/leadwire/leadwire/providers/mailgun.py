"""`mailgun`: Mailgun's webhooks, one e-mail event per POST at `/webhooks/events/mailgun`.

Follows Mailgun's "Securing Webhooks" documentation: the JSON body is `{"signature":
{"timestamp", "token", "signature"}, "event-data": {...}}`, where `signature` is the hex
HMAC-SHA256 of `timestamp` + `token` keyed by the account's HTTP webhook signing key (the
secret stored here). The signature does not cover the event data, so, as Mailgun advises, a
timestamp more than 5 minutes off is refused (409); a replayed event is a duplicate anyway.

Scored: `clicked`, `opened`, `unsubscribed`, `complained` (a spam report), keyed by the event
data's `id`, for its `recipient`, at its `timestamp`. Every other event (`accepted`,
`delivered`, `failed`, ...) is acknowledged.
"""

from __future__ import annotations

import json
import secrets as random_tokens
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.errors import MalformedPayload, SignatureInvalid
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import email_event, read_batch
from leadwire.providers.fields import event_id_for, text_of
from leadwire.providers.request import (
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


class MailgunProvider(ProviderBase):
    slug = "mailgun"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = "leadwire-dev-mailgun-signing-key"

    def sign(self, d: Delivery) -> Signed:
        body = json.loads(d.body)
        stamp = str(int(d.now.timestamp()))
        token = random_tokens.token_hex(25)
        signature = sign_hmac(d.secret, (stamp + token).encode(), encoding="hex")
        body["signature"] = {"timestamp": stamp, "token": token, "signature": signature}
        return Signed({}, json.dumps(body).encode())

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
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
        data = json_object(request).get("event-data")
        batch = read_batch([data], lambda item: mailgun_event(self.slug, item, now), self.slug)
        return Parsed(None, batch=batch)


provider = MailgunProvider()
