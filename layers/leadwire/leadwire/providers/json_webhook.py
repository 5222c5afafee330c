"""`json`: leadwire's own JSON payloads for forms and chat, signed the Standard Webhooks way.

Follows https://www.standardwebhooks.com (spec: github.com/standard-webhooks/standard-webhooks):
headers webhook-id / webhook-timestamp / webhook-signature, HMAC-SHA256 over
`{id}.{timestamp}.{body}`, `whsec_` base64 secrets, ±300 s. The webhook-id is the delivery id.

Form: {"form": "demo-request", "submitted_at": "<ISO 8601>", "fields": {<PRODUCT.md names>}}
Chat: {"conversation_id": "...", "visitor": {"id", "email", "name"},
       "message": {"id", "text", "sent_at"}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Channel
from leadwire.providers.fields import delivery_event_id, event_from_fields, moment
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_body,
    require_media_type,
)
from leadwire.providers.signatures import sign_standard_webhook, verify_standard_webhook


# The envelope and the identity are checked here; any other value is left to
# event_from_fields, which cleans or drops it (a bad field never fails a delivery). Checked by
# hand, in pydantic's words: four fields do not earn a cold start pydantic's import.
@dataclass(frozen=True)
class FormSubmission:
    form: str
    submitted_at: Any
    fields: dict[str, Any]

    @classmethod
    def read(cls, body: object) -> FormSubmission:
        data = _object(body, "body")
        return cls(
            form=_text(data, "form", "form", 1, 100),
            submitted_at=data.get("submitted_at"),
            fields=_object(_required(data, "fields", "fields"), "fields"),
        )


@dataclass(frozen=True)
class ChatVisitor:
    id: str | None
    email: Any
    name: Any


@dataclass(frozen=True)
class ChatMessage:
    id: str
    text: Any
    sent_at: Any


@dataclass(frozen=True)
class ChatMessageEvent:
    conversation_id: str
    visitor: ChatVisitor
    message: ChatMessage

    @classmethod
    def read(cls, body: object) -> ChatMessageEvent:
        data = _object(body, "body")
        visitor = _object(_required(data, "visitor", "visitor"), "visitor")
        message = _object(_required(data, "message", "message"), "message")
        visitor_id = visitor.get("id")
        return cls(
            conversation_id=_text(data, "conversation_id", "conversation_id", 1, 200),
            visitor=ChatVisitor(
                id=None if visitor_id is None else _text(visitor, "id", "visitor.id", 0, 200),
                email=visitor.get("email"),
                name=visitor.get("name"),
            ),
            message=ChatMessage(
                id=_text(message, "id", "message.id", 1, 200),
                text=message.get("text"),
                sent_at=message.get("sent_at"),
            ),
        )


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where}: Input should be a valid dictionary")
    return value


def _required(data: dict[str, Any], key: str, where: str) -> object:
    if key not in data:
        raise MalformedPayload(f"{where}: Field required")
    return data[key]


def _text(data: dict[str, Any], key: str, where: str, shortest: int, longest: int) -> str:
    value = _required(data, key, where)
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}: Input should be a valid string")
    if len(value) < shortest:
        plural = "s" if shortest != 1 else ""
        raise MalformedPayload(f"{where}: String should have at least {shortest} character{plural}")
    if len(value) > longest:
        raise MalformedPayload(f"{where}: String should have at most {longest} characters")
    return value


class JsonProvider(ProviderBase):
    slug = "json"
    channels = frozenset({Channel.FORM, Channel.CHAT})
    signed = True
    # Standard Webhooks format: whsec_ + base64("leadwire-dev-signing-key-json-01").
    dev_secret = "whsec_bGVhZHdpcmUtZGV2LXNpZ25pbmcta2V5LWpzb24tMDE="

    def sign(self, d: Delivery) -> Signed:
        stamp = int(d.now.timestamp())
        signature = sign_standard_webhook(d.secret, d.delivery_id, stamp, d.body)
        headers = {"webhook-id": d.delivery_id, "webhook-timestamp": str(stamp)}
        return Signed({**headers, "webhook-signature": signature}, d.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes:
        payload = json.loads(body)
        if "conversation_id" not in payload:
            merged = {**(payload.get("fields") or {}), **fields}
            return json.dumps(
                {**payload, "form": form or payload.get("form"), "fields": merged}
            ).encode()
        if form:  # a chat message: who, and what they said
            raise ValueError("--form: a json chat message has no form")
        visitor = dict(payload.get("visitor") or {})
        message = dict(payload.get("message") or {})
        for name, value in fields.items():
            if name in ("email", "name"):
                visitor[name] = value
            elif name == "visitor_id":
                visitor["id"] = value
            elif name == "message":
                message["text"] = value
            else:
                raise ValueError(
                    f"--field {name}: a json chat message has email, name, visitor_id and message"
                )
        return json.dumps({**payload, "visitor": visitor, "message": message}).encode()

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> str:
        return verify_standard_webhook(request.headers, request.body, secrets, now)

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        require_media_type(request, "application/json")
        body = json_body(request)
        payload: FormSubmission | ChatMessageEvent = (
            FormSubmission.read(body) if channel is Channel.FORM else ChatMessageEvent.read(body)
        )
        event_id = delivery_event_id(self.slug, delivery_id or "")
        if isinstance(payload, FormSubmission):
            event = event_from_fields(
                provider=self.slug,
                channel=channel,
                fields=payload.fields,
                form=payload.form,
                event_id=event_id,
                occurred_at=moment(payload.submitted_at, now),
                received_at=now,
            )
        else:
            event = event_from_fields(
                provider=self.slug,
                channel=channel,
                fields={"email": payload.visitor.email, "name": payload.visitor.name},
                visitor_id=payload.visitor.id,
                message=payload.message.text,
                event_id=event_id,
                occurred_at=moment(payload.message.sent_at, now),
                received_at=now,
            )
        return Parsed(event=event)


provider = JsonProvider()
