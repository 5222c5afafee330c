"""`livechat`: LiveChat (text.com) webhooks; LiveChat signs nothing and echoes the
`secret_key` given at registration in every body.

Follows https://platform.text.com/docs/management/webhooks (envelope `{webhook_id, secret_key,
action, organization_id, payload, additional_data}`, `incoming_chat`, `incoming_event`) and
https://platform.text.com/docs/guides/livechat-apps/webhook-apps. The body's `secret_key` is
compared in constant time with the secret before anything else is read; there is no timestamp
and no delivery id, so a message dedupes on `payload.event.id` (a new chat on chat + thread id).

Used actions: `incoming_chat` (the customer from `chat.users[]` with `type == "customer"`, their
pre-chat form answers and first message from `chat.thread.events`) and `incoming_event` of type
`message` or `filled_form` written by a customer. The customer is the user the payload's users
list (`chat.users[]` or `users[]`, each `{id, type: "customer" | "agent", email, name}`) types
`customer`; an event by anyone else (an agent, a bot, someone not listed) is ignored. An
`incoming_event` that carries no users list is read only when its author id has the UUID shape
LiveChat gives customers (agents' ids are their login emails, bots' are bare hex ids: an
assumption from LiveChat's samples). Every other action (deactivation, tags, transfers, system
messages) is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
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
    objects_at,
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
from leadwire.providers.signatures import verify_token

VISITOR_EVENTS = frozenset({"message", "filled_form"})
# LiveChat's customer ids are UUIDs; agents are emails, bots 32 hex digits.
_CUSTOMER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class LivechatProvider(ProviderBase):
    slug = "livechat"
    channels = frozenset({Channel.CHAT})
    signed = True
    dev_secret = "leadwire-dev-livechat-secret-key"

    def sign(self, d: Delivery) -> Signed:
        payload = json.loads(d.body)
        return Signed({}, json.dumps({**payload, "secret_key": d.secret}).encode())

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        key = json_object(request).get("secret_key")  # the only place LiveChat puts it
        verify_token(key if isinstance(key, str) else None, secrets, "secret_key")

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        body = json_object(request)
        action = body.get("action")
        payload = object_at(body, "payload")
        if action == "incoming_chat":
            chat = object_at(payload, "chat")
            customer = _customer(objects_at(chat, "users"))
            if customer is None:
                return Parsed(None, ignored="the chat's users list names no customer")
            visitor_id = text_of(customer.get("id"))
            events = [
                e for e in objects_at(chat, "thread", "events") if _by_customer(e, visitor_id)
            ]
            pairs = [("email", customer.get("email")), ("name", customer.get("name"))]
            provider_id = f"{chat.get('id')}:{dig(chat, 'thread', 'id')}"
        elif action == "incoming_event":
            event = object_at(payload, "event")
            author = text_of(event.get("author_id"))
            users = objects_at(payload, "chat", "users") or objects_at(payload, "users")
            customer = _customer(users)
            known = text_of(customer.get("id")) if customer else None
            if users and (author is None or author != known):
                return Parsed(None, ignored="the event's author is not the chat's customer")
            if not users and not _CUSTOMER_ID.match(author or ""):
                return Parsed(None, ignored="the event's author is an agent or a bot")
            if not _by_customer(event, author):
                return Parsed(None, ignored="the event is not a customer's message or form")
            events, visitor_id = [event], author
            pairs = [("email", customer.get("email"))] if customer else []
            provider_id = f"{payload.get('chat_id')}:{event.get('id')}"
        else:
            return Parsed(None, ignored=f"livechat action {action!r} is not about a lead")
        messages = [e.get("text") for e in events if e.get("type") == "message"]
        fields = lead_fields([*pairs, *(p for e in events for p in _form_answers(e))])
        lead_event = event_from_fields(
            provider=self.slug,
            channel=channel,
            fields=fields,
            visitor_id=visitor_id,
            message="\n".join(m for m in messages if isinstance(m, str)) or None,
            event_id=event_id_for(self.slug, provider_id, body),
            occurred_at=moment(events[0].get("created_at") if events else None, now),
            received_at=now,
        )
        return Parsed(event=lead_event)


def _customer(users: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The user LiveChat types `customer` (a chat has one), if the list names one."""
    return next((u for u in users if u.get("type") == "customer" and text_of(u.get("id"))), None)


def _by_customer(event: object, customer_id: str | None) -> bool:
    """A message or form the customer wrote (never an agent's or a bot's)."""
    if not isinstance(event, dict) or text_of(event.get("type")) not in VISITOR_EVENTS:
        return False
    return customer_id is not None and text_of(event.get("author_id")) == customer_id


def _form_answers(event: dict[str, Any]) -> Iterator[tuple[object, object]]:
    """A pre-chat form: fields typed `name` / `email`, the rest by their label."""
    if event.get("type") != "filled_form":
        return
    for answer in objects_at(event, "fields"):
        kind = answer.get("type")
        label = kind if kind in ("name", "email") else answer.get("label")
        yield label, answer.get("answer")


provider = LivechatProvider()
