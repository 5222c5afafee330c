"""`postmark`: Postmark's webhooks, one e-mail event per POST at `/webhooks/events/postmark`.

Postmark signs nothing; its documentation ("Webhooks overview", securing webhooks) has you put
HTTP basic auth credentials in the webhook URL (`https://user:password@<api>/webhooks/events/
postmark`), which it sends as `Authorization: Basic ...`. The secret stored here is
`user:password`, compared in constant time.

Scored, by `RecordType`: `Click`, `Open`, `SubscriptionChange` that suppresses sending (an
unsubscribe), `SpamComplaint`; `Delivery`, `Bounce` and the rest are acknowledged. Postmark's
click and open payloads carry no event id: the key is the content (message id, record type,
time, link), so a redelivery of the same event is a duplicate.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import email_event, read_batch
from leadwire.providers.fields import content_id, text_of
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import verify_token


def postmark_event(slug: str, item: dict[str, Any], now: datetime) -> LeadEvent | None:
    kind = text_of(item.get("RecordType"))
    if kind == "Click":
        activity = "email_click"
    elif kind == "Open":
        activity = "email_open"
    elif kind == "SpamComplaint":
        activity = "email_spam_report"
    elif kind == "SubscriptionChange" and item.get("SuppressSending") is True:
        activity = "email_unsubscribe"
    else:
        return None
    at = item.get("ReceivedAt") or item.get("ChangedAt") or item.get("BouncedAt")
    key = content_id(
        slug, kind, item.get("MessageID"), item.get("ID"), at, item.get("OriginalLink")
    )
    email = item.get("Recipient") or item.get("Email")
    return email_event(slug, email, activity, key, at, now)


class PostmarkProvider(ProviderBase):
    slug = "postmark"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = "leadwire:leadwire-dev-postmark-password"

    def sign(self, d: Delivery) -> Signed:
        credentials = base64.b64encode(d.secret.encode()).decode()
        return Signed({"authorization": f"Basic {credentials}"}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        given = None
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                given = None
        verify_token(given, secrets, "basic auth credentials")

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        batch = read_batch([body], lambda item: postmark_event(self.slug, item, now), self.slug)
        return Parsed(None, batch=batch)


provider = PostmarkProvider()
