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
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# The envelope and the identity are checked here; any other value is left to
# event_from_fields, which cleans or drops it (a bad field never fails a delivery).
class FormSubmission(_Payload):
    form: str = Field(min_length=1, max_length=100)
    submitted_at: Any = None
    fields: dict[str, Any]


class ChatVisitor(_Payload):
    id: str | None = Field(default=None, max_length=200)
    email: Any = None
    name: Any = None


class ChatMessage(_Payload):
    id: str = Field(min_length=1, max_length=200)
    text: Any = None
    sent_at: Any = None


class ChatMessageEvent(_Payload):
    conversation_id: str = Field(min_length=1, max_length=200)
    visitor: ChatVisitor
    message: ChatMessage


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
        model = FormSubmission if channel is Channel.FORM else ChatMessageEvent
        try:
            payload = model.model_validate(json_body(request))
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise MalformedPayload(f"{where}: {first['msg']}") from e
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
