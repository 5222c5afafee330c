"""`json`: leadwire's own JSON payloads for forms and chat, signed the Standard Webhooks way.

Follows https://www.standardwebhooks.com (spec: github.com/standard-webhooks/standard-webhooks):
headers webhook-id / webhook-timestamp / webhook-signature, HMAC-SHA256 over
`{id}.{timestamp}.{body}`, `whsec_` base64 secrets, ±300 s. The webhook-id is the delivery id.

Form: {"form": "demo-request", "submitted_at": "<ISO 8601>", "fields": {<PRODUCT.md names>}}
Chat: {"conversation_id": "...", "visitor": {"id", "email", "name"},
       "message": {"id", "text", "sent_at"}}
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from leadwire.errors import MalformedPayload
from leadwire.models import Channel
from leadwire.providers.base import (
    Parsed,
    WebhookRequest,
    delivery_event_id,
    event_from_fields,
    json_body,
    require_media_type,
)
from leadwire.signatures import verify_standard_webhook

Scalar = str | int | float | bool | None


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FormSubmission(_Payload):
    form: str = Field(min_length=1, max_length=100)
    submitted_at: AwareDatetime | None = None
    fields: dict[str, Scalar]


class ChatVisitor(_Payload):
    id: str | None = Field(default=None, max_length=200)
    email: str | None = None
    name: str | None = None


class ChatMessage(_Payload):
    id: str = Field(min_length=1, max_length=200)
    text: str = ""
    sent_at: AwareDatetime | None = None


class ChatMessageEvent(_Payload):
    conversation_id: str = Field(min_length=1, max_length=200)
    visitor: ChatVisitor
    message: ChatMessage


class JsonProvider:
    slug = "json"
    channels = frozenset({Channel.FORM, Channel.CHAT})
    signed = True

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
                occurred_at=_utc(payload.submitted_at, now),
            )
        else:
            event = event_from_fields(
                provider=self.slug,
                channel=channel,
                fields={"email": payload.visitor.email, "name": payload.visitor.name},
                visitor_id=payload.visitor.id,
                message=payload.message.text,
                event_id=event_id,
                occurred_at=_utc(payload.message.sent_at, now),
            )
        return Parsed(event=event)


def _utc(moment: datetime | None, now: datetime) -> datetime:
    return moment.astimezone(UTC) if moment else now


provider = JsonProvider()
