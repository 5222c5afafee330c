"""The request a provider reads and what it makes of it: the raw request, the Provider
protocol every provider module implements, and reading its body."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from leadwire.domain.errors import MalformedPayload, UnsupportedContentType
from leadwire.domain.models import Channel, LeadEvent, Trust


@dataclass(frozen=True)
class WebhookRequest:
    """The request as the sender made it: header names lower-case, the body as raw bytes."""

    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)
    # The URL and method the sender called, for providers that sign them (HubSpot v3).
    method: str = "POST"
    url: str = ""
    # The client's address as API Gateway saw it (the html form's per-client rate limit).
    source_ip: str = ""

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Batch:
    """Many events in one delivery (a CDP's or an e-mail tool's batch): those to record, how
    many were of kinds we do not score, and why each malformed one was skipped."""

    events: list[LeadEvent]
    ignored: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    """A provider's reading of a request: an event, or why it is not about a lead; or, for
    a provider that batches, a Batch (then `event` is None)."""

    event: LeadEvent | None
    redirect: str | None = None
    ignored: str | None = None
    batch: Batch | None = None


@dataclass(frozen=True)
class Delivery:
    """One delivery as a sender signs it: the body, the secret, the time, where it goes."""

    body: bytes
    secret: str
    now: datetime
    url: str
    delivery_id: str


@dataclass(frozen=True)
class Signed:
    """What a provider adds to a delivery to authenticate it: headers, query, maybe the body."""

    headers: dict[str, str]
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


class Provider(Protocol):
    slug: str
    channels: frozenset[Channel]
    signed: bool
    # Posted by visitors' browsers, not by a service: the form defences apply.
    browser_form: bool

    @property
    def trust(self) -> Trust:
        """Verified when the provider signs its deliveries: what its events may overwrite."""
        ...

    @property
    def dev_secret(self) -> str | None:
        """The local stack's and tests' default secret; never used when deployed."""
        ...

    def sign(self, delivery: Delivery) -> Signed:
        """Authenticate a delivery the way the provider does (for tests and `leadwire send`)."""
        ...

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes | None:
        """The body with a form name and our fields put where the provider's format carries
        them (ValueError when it has no room for one); None when the format has none at all."""
        ...

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> str | None:
        """Check the request is from the provider; return its delivery id if it names one."""
        ...

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed: ...


class ProviderBase:
    """What a provider class has unless it says otherwise: unsigned, no room to fill."""

    dev_secret: str | None = None
    signed: bool
    browser_form: bool = False

    @property
    def trust(self) -> Trust:
        return Trust.VERIFIED if self.signed else Trust.UNVERIFIED

    def sign(self, delivery: Delivery) -> Signed:
        return Signed({}, delivery.body)

    def fill(self, body: bytes, form: str | None, fields: Mapping[str, str]) -> bytes | None:
        return None


def overrides_first(overrides: Mapping[str, Any], existing: Mapping[str, Any]) -> dict[str, Any]:
    """Given values ahead of the sample's (the first answer for a field wins when parsing)."""
    return {**overrides, **{k: v for k, v in existing.items() if k not in overrides}}


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


def json_object(request: WebhookRequest) -> dict[str, Any]:
    """A JSON body that must be an object, sent as application/json (every provider envelope
    here is one)."""
    require_media_type(request, "application/json")
    body = json_body(request)
    if not isinstance(body, dict):
        raise MalformedPayload("the JSON body must be an object")
    return body
