"""`intercom`: Intercom webhook notifications, signed with HMAC-SHA1 (`X-Hub-Signature`).

Follows https://developers.intercom.com/docs/webhooks (setting up, notifications, topics:
https://developers.intercom.com/docs/references/2.5/webhooks/webhook-models) and Intercom's own
example verifier: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body>`, keyed by the app's
client secret; no timestamp is signed, so the notification `id` (`notif_...`) is the dedupe key.

Used topics: `conversation.user.created` (the visitor's first message: `item.source`),
`conversation.user.replied` (the newest part in `item.conversation_parts`), and
`contact.lead.created` / `contact.user.created` / `contact.lead.signed_up` (who the visitor is).
The visitor id is Intercom's contact id. Everything else (`ping`, admin replies, notes, ratings,
tags, deletions) is ignored. API 1.x items (`item.user`, `item.conversation_message`) are read too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.models import Channel
from leadwire.providers.fields import (
    dig,
    event_from_fields,
    event_id_for,
    lead_fields,
    moment,
    object_at,
    plain_text,
    text_of,
)
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_object,
)
from leadwire.providers.signatures import sign_hmac, verify_hmac

CONVERSATION_TOPICS = frozenset({"conversation.user.created", "conversation.user.replied"})
CONTACT_TOPICS = frozenset(
    {"contact.lead.created", "contact.user.created", "contact.lead.signed_up"}
)
# Authors that are the visitor, not the team (admins, bots, operators).
VISITOR_AUTHORS = frozenset({"user", "lead", "contact"})


class IntercomProvider(ProviderBase):
    slug = "intercom"
    channels = frozenset({Channel.CHAT})
    signed = True
    dev_secret = "leadwire-dev-intercom-client-secret"

    def sign(self, d: Delivery) -> Signed:
        signature = sign_hmac(d.secret, d.body, algorithm="sha1", encoding="hex", prefix="sha1=")
        return Signed({"x-hub-signature": signature}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_hmac(
            request.headers.get("x-hub-signature"),
            request.body,
            secrets,
            algorithm="sha1",
            encoding="hex",
            prefix="sha1=",
        )

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        topic = text_of(body.get("topic"))  # a list or object here would be unhashable
        if topic not in CONVERSATION_TOPICS and topic not in CONTACT_TOPICS:
            return Parsed(None, ignored=f"intercom topic {topic!r} is not about a lead")
        item = object_at(body, "data", "item")
        author: dict[str, Any] | None = item
        text = None
        if topic in CONVERSATION_TOPICS:
            author, text = _visitor_message(item, topic)
        if author is None:
            return Parsed(None, ignored="the newest conversation part is not the visitor's")
        custom = author.get("custom_attributes")
        fields = lead_fields(
            [
                ("email", author.get("email")),
                ("name", author.get("name")),
                ("phone", author.get("phone")),
                ("country", dig(author, "location", "country")),
                *(custom.items() if isinstance(custom, dict) else []),
            ]
        )
        event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            visitor_id=author.get("id") or author.get("user_id"),
            message=text,
            event_id=event_id_for(self.slug, body.get("id"), body),
            occurred_at=moment(item.get("updated_at") or item.get("created_at"), now),
            received_at=now,
        )
        return Parsed(event=event)


def _visitor_message(item: dict[str, Any], topic: str) -> tuple[dict[str, Any] | None, str | None]:
    """The visitor who wrote and what they wrote, or (None, None) when the team wrote it."""
    if topic == "conversation.user.replied":
        parts = dig(item, "conversation_parts", "conversation_parts") or []
        part = (
            parts[-1] if isinstance(parts, list) and parts and isinstance(parts[-1], dict) else {}
        )
    else:
        part = item.get("source") or item.get("conversation_message") or {}
    author = part.get("author") if isinstance(part, dict) else None
    if not isinstance(author, dict) or text_of(author.get("type")) not in VISITOR_AUTHORS:
        return None, None
    user = item.get("user")  # API 1.x puts the visitor's details beside the message
    if isinstance(user, dict) and not author.get("email"):
        author = {**author, **user}
    return author, plain_text(part.get("body"))


provider = IntercomProvider()
