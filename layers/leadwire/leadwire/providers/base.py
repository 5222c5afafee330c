"""What every provider module shares: the raw request, the Provider protocol, field parsing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from leadwire.errors import MalformedPayload, MissingIdentity, UnsupportedContentType
from leadwire.models import Channel, LeadEvent, Profile

# What a field may hold: printable text; newlines and tabs only in free text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n]")
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_MAX_FIELD = 500
_MAX_FREE_TEXT = 5000
_MAX_ATTRIBUTES = 50

PROFILE_FIELDS = tuple(Profile.model_fields)
FREE_TEXT_FIELDS = frozenset({"message"})
EVENT_FIELDS = frozenset({"budget", "timeline", "message", "visitor_id"})


@dataclass(frozen=True)
class WebhookRequest:
    """The request as the sender made it: header names lower-case, the body as raw bytes."""

    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Parsed:
    """A provider's reading of a request: an event, or why it is not about a lead."""

    event: LeadEvent | None
    redirect: str | None = None
    ignored: str | None = None


class Provider(Protocol):
    slug: str
    channels: frozenset[Channel]
    signed: bool

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> str | None:
        """Check the request is from the provider; return its delivery id if it names one."""
        ...

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed: ...


def require_media_type(request: WebhookRequest, *accepted: str) -> str:
    media = request.media_type
    if media not in accepted and not (
        "application/json" in accepted
        and media.startswith("application/")
        and media.endswith("+json")
    ):
        shown = media or "none"
        raise UnsupportedContentType(
            f"content type {shown} is not accepted; send {', '.join(accepted)}"
        )
    return media


def json_body(request: WebhookRequest) -> Any:
    try:
        return json.loads(request.body.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise MalformedPayload("the body is not valid UTF-8") from e
    except RecursionError as e:
        raise MalformedPayload("the JSON body is nested too deeply") from e
    except ValueError as e:
        raise MalformedPayload(f"the body is not valid JSON: {e}") from e


def clean_text(name: str, value: object) -> str | None:
    """A field value as bounded, printable text; refuses what no real form sends."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        value = str(value)
    if not isinstance(value, str):
        raise MalformedPayload(f"field {name!r} must be text")
    text = value.strip()
    limit = _MAX_FREE_TEXT if name in FREE_TEXT_FIELDS else _MAX_FIELD
    if len(text) > limit:
        raise MalformedPayload(f"field {name!r} is longer than {limit} characters")
    if _CONTROL.search(text) or (name not in FREE_TEXT_FIELDS and _LINE_BREAK.search(text)):
        raise MalformedPayload(f"field {name!r} contains control characters")
    return text or None


def clean_email(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        raise MalformedPayload("field 'email' is not an email address")
    return value.lower()


def event_from_fields(
    *,
    provider: str,
    channel: Channel,
    fields: Mapping[str, object],
    event_id: str,
    occurred_at: datetime,
    form: str | None = None,
    visitor_id: str | None = None,
    message: str | None = None,
) -> LeadEvent:
    """Our field names (PRODUCT.md) to a LeadEvent; unknown fields are kept as attributes."""
    values = {name: clean_text(name, value) for name, value in fields.items()}
    values["email"] = clean_email(values.get("email"))
    attributes = {
        k: v for k, v in values.items() if v and k not in PROFILE_FIELDS and k not in EVENT_FIELDS
    }
    if len(attributes) > _MAX_ATTRIBUTES:
        raise MalformedPayload(f"more than {_MAX_ATTRIBUTES} extra fields")
    visitor = clean_text("visitor_id", visitor_id) or values.get("visitor_id")
    if not values.get("email") and not visitor:
        raise MissingIdentity("an email or a visitor id is required")
    try:
        return LeadEvent(
            event_id=event_id,
            provider=provider,
            channel=channel,
            form=clean_text("form", form),
            occurred_at=occurred_at,
            visitor_id=visitor,
            profile=Profile(**{k: values.get(k) for k in PROFILE_FIELDS}),
            budget=values.get("budget"),
            timeline=values.get("timeline"),
            message=clean_text("message", message) or values.get("message"),
            attributes=attributes,
        )
    except ValidationError as e:
        raise MalformedPayload(f"the event is not valid: {e.errors()[0]['msg']}") from e


def content_id(provider: str, *parts: object) -> str:
    """A dedupe id from the content itself, for providers that give no delivery id."""
    canonical = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return f"{provider}:sha256:{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def delivery_event_id(provider: str, delivery_id: str) -> str:
    """The ledger key for a provider's own delivery id (hashed when it is unreasonably long)."""
    if len(delivery_id) > 200 or _CONTROL.search(delivery_id):
        return content_id(provider, delivery_id)
    return f"{provider}:{delivery_id}"
