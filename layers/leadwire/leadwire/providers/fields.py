"""Field mapping every provider shares: our field names, cleaning, labels, ids and times."""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from leadwire.domain.errors import MalformedPayload, MissingIdentity
from leadwire.domain.models import ZERO_WIDTH, Channel, LeadEvent, Profile, identity_email
from leadwire.providers.request import Parsed

# What a field may hold: printable text; newlines and tabs only in free text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\r\n]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# Bidi overrides and isolates: they make text display in another order than it is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_MAX_FIELD = 500
_MAX_FREE_TEXT = 5000
_MAX_ATTRIBUTES = 50
_MAX_ATTRIBUTE_NAME = 60
# Provider times outside this window are not believed: the receive time is used instead.
EARLIEST_TIME = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(minutes=5)

PROFILE_FIELDS = tuple(Profile.model_fields)
FREE_TEXT_FIELDS = frozenset({"message"})
EVENT_FIELDS = frozenset({"budget", "timeline", "message", "visitor_id"})
IDENTITY_FIELDS = frozenset({"email", "visitor_id"})


def clean_text(name: str, value: object) -> str | None:
    """A value that must be right or the delivery is refused (a visitor id, a redirect):
    bounded, printable text."""
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


def clean_field(name: str, value: object, notes: list[str]) -> str | None:
    """A field that is not an identity, as bounded, printable text: bidi and control
    characters removed, line breaks in a one-line field made spaces, a value that cannot be
    text or is too long dropped. Each change is told in `notes`, without the value."""
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        value = str(value)
    if not isinstance(value, str):
        notes.append(f"{name}: dropped, not text")
        return None
    text = value
    if found := len(_BIDI.findall(text)):
        text = _BIDI.sub("", text)
        notes.append(f"{name}: removed {_count(found, 'bidi control character')}")
    if name not in FREE_TEXT_FIELDS and _LINE_BREAK.search(text.strip()):
        text = _LINE_BREAKS.sub(" ", text.strip())
        notes.append(f"{name}: line breaks replaced by spaces")
    if found := len(_CONTROL.findall(text)):
        text = _CONTROL.sub("", text)
        notes.append(f"{name}: removed {_count(found, 'control character')}")
    text = text.strip()
    limit = _MAX_FREE_TEXT if name in FREE_TEXT_FIELDS else _MAX_FIELD
    if len(text) > limit:
        notes.append(f"{name}: dropped, longer than {limit} characters")
        return None
    return text or None


def clean_email(value: object, notes: list[str] | None = None) -> str | None:
    """The address as the lead's identity: NFKC, zero-width characters removed, lower-case,
    then validated. A value that is not an address is refused, never dropped."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedPayload("field 'email' must be text")
    text = value.strip()
    if _CONTROL.search(text) or _LINE_BREAK.search(text):
        raise MalformedPayload("field 'email' contains control characters")
    if _BIDI.search(text):
        raise MalformedPayload("field 'email' contains bidi control characters")
    said = notes if notes is not None else []
    compatible = unicodedata.normalize("NFKC", text)
    if compatible != text:
        said.append("email: compatibility characters replaced by their plain form (NFKC)")
    if found := len(ZERO_WIDTH.findall(compatible)):
        said.append(f"email: removed {_count(found, 'zero-width character')}")
    email = identity_email(compatible)
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise MalformedPayload("field 'email' is not an email address")
    return email


def trusted_time(occurred_at: datetime, received_at: datetime, notes: list[str]) -> datetime:
    """The provider's time, unless it is more than 5 minutes ahead of the receive time or
    before 2000 (a clock or a sender that is wrong): then the receive time, and a note."""
    shown = occurred_at.isoformat().replace("+00:00", "Z")
    if occurred_at > received_at + FUTURE_SLACK:
        notes.append(f"time {shown} is in the future: receive time used")
        return received_at
    if occurred_at < EARLIEST_TIME:
        notes.append(f"time {shown} is before 2000: receive time used")
        return received_at
    return occurred_at


def web_domain(value: object) -> str | None:
    """The host of a company's website ("https://www.northwind.example/about" ->
    "northwind.example"), lowercased; None when it is not a web address."""
    text = text_of(value)
    if not text:
        return None
    text = text.strip()
    try:
        host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    except ValueError:  # e.g. an unclosed "[" (an IPv6 literal)
        return None
    host = host.removeprefix("www.")
    return host if "." in host and len(host) <= 253 else None


def event_from_fields(
    *,
    provider: str,
    channel: Channel,
    fields: Mapping[str, object],
    event_id: str,
    occurred_at: datetime,
    received_at: datetime,
    form: str | None = None,
    visitor_id: str | None = None,
    message: object = None,
) -> LeadEvent:
    """Our field names (PRODUCT.md) to a LeadEvent; unknown fields are kept as attributes.

    Only the identity (email, visitor id) can fail the delivery; any other field that is
    malformed is cleaned or dropped, and `normalized` says so.
    """
    notes: list[str] = []
    email = clean_email(fields.get("email"), notes)
    visitor = clean_text("visitor_id", visitor_id) or clean_text(
        "visitor_id", fields.get("visitor_id")
    )
    values: dict[str, str | None] = {}
    extra = 0
    for name, value in fields.items():
        if name in IDENTITY_FIELDS:
            continue
        known = name in PROFILE_FIELDS or name in EVENT_FIELDS
        if not known and not _usable_name(name):
            notes.append("dropped a field whose name is not a field name")
            continue
        if not known and value not in (None, ""):
            extra += 1
            if extra > _MAX_ATTRIBUTES:
                continue
        values[name] = clean_field(name, value, notes)
    if values.get("company_domain"):  # a website as any source writes it -> its domain
        values["company_domain"] = web_domain(values["company_domain"])
    if extra > _MAX_ATTRIBUTES:
        dropped = _count(extra - _MAX_ATTRIBUTES, "extra field")
        notes.append(f"dropped {dropped} beyond {_MAX_ATTRIBUTES}")
    values["email"] = email
    attributes = {
        k: v for k, v in values.items() if v and k not in PROFILE_FIELDS and k not in EVENT_FIELDS
    }
    if not email and not visitor:
        raise MissingIdentity("an email or a visitor id is required")
    said = clean_field("message", message, notes) if message is not None else None
    try:
        return LeadEvent(
            event_id=event_id,
            provider=provider,
            channel=channel,
            form=clean_field("form", form, notes),
            occurred_at=trusted_time(occurred_at, received_at, notes),
            visitor_id=visitor,
            profile=Profile(**{k: values.get(k) for k in PROFILE_FIELDS}),
            budget=values.get("budget"),
            timeline=values.get("timeline"),
            message=said or values.get("message"),
            attributes=attributes,
            normalized=notes,
        )
    except ValueError as e:  # a record's own check (leadwire.domain.records)
        raise MalformedPayload(f"the event is not valid: {e}") from e


def _usable_name(name: str) -> bool:
    return (
        0 < len(name.strip()) <= _MAX_ATTRIBUTE_NAME
        and not _CONTROL.search(name)
        and not _LINE_BREAK.search(name)
        and not _BIDI.search(name)
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def form_submission(
    *,
    provider: str,
    channel: Channel,
    fields: Mapping[str, object],
    form_name: object,
    event_id: str,
    occurred_at: datetime,
    received_at: datetime,
) -> Parsed:
    """A form provider's submission: a field named `form` (e.g. hidden) names the form, else
    the provider's own form title or id does, as a slug."""
    answers = dict(fields)
    form = form_slug(answers.pop("form", None)) or form_slug(form_name)
    event = event_from_fields(
        provider=provider,
        channel=channel,
        fields=answers,
        form=form,
        event_id=event_id,
        occurred_at=occurred_at,
        received_at=received_at,
    )
    return Parsed(event=event)


def content_id(provider: str, *parts: object) -> str:
    """A dedupe id from the content itself, for providers that give no delivery id."""
    canonical = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return f"{provider}:sha256:{hashlib.sha256(canonical.encode()).hexdigest()[:40]}"


def event_id_for(provider: str, provider_id: object, *content: object) -> str:
    """The ledger key: the provider's own id when it gives one, else the content's hash."""
    given = text_of(provider_id)
    return delivery_event_id(provider, given) if given else content_id(provider, *content)


def delivery_event_id(provider: str, delivery_id: str) -> str:
    """The ledger key for a provider's own delivery id (hashed when it is unreasonably long)."""
    if len(delivery_id) > 200 or _CONTROL.search(delivery_id):
        return content_id(provider, delivery_id)
    return f"{provider}:{delivery_id}"


def object_at(value: object, *path: str | int) -> dict[str, Any]:
    """The JSON object at `path`, refusing a payload where it is missing or not an object."""
    found = dig(value, *path)
    if not isinstance(found, dict):
        where = ".".join(str(p) for p in path) or "body"
        raise MalformedPayload(f"{where} must be an object")
    return found


def objects_at(value: object, *path: str | int) -> list[dict[str, Any]]:
    """The JSON objects in the list at `path`; nothing when it is missing or not a list (a
    sender's odd shape is a lead we cannot read, not a crash)."""
    found = dig(value, *path)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def plain_text(markup: object) -> str | None:
    """Chat message HTML (Intercom, Drift) as plain text."""
    text = text_of(markup)
    if text is None:
        return None
    text = re.sub(r"<br\s*/?>|</p>", "\n", text, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]*>", "", text)).strip() or None


def dig(value: object, *path: str | int) -> Any:
    """`value[path[0]][path[1]]...`, or None as soon as a step is missing or of another type."""
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value


def text_of(value: object) -> str | None:
    """A scalar as text (ids are often numbers), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) else None


def form_slug(name: object) -> str | None:
    """A provider's form title or id as a rules key: "Demo request" -> "demo-request"."""
    text = text_of(name)
    if not text:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100] or None


def moment(value: object, now: datetime) -> datetime:
    """A provider's time (ISO 8601, or unix seconds / milliseconds) in UTC; `now` if absent
    or unreadable. Whether it is believable is `trusted_time`'s call (it can say why)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return now
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, OverflowError):  # "0001-01-01T00:00:00+01:00" is before year 1
            return now
    return now


# A form's own label (normalized: lower-case words joined by "_") -> our field name. Exact
# matches first; then the phrases below, longest first, found anywhere in the label.
_LABELS = {
    "email": "email",
    "e_mail": "email",
    "email_address": "email",
    "work_email": "email",
    "business_email": "email",
    "first_name": "first_name",
    "firstname": "first_name",
    "given_name": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "name": "name",
    "full_name": "name",
    "your_name": "name",
    "company": "company",
    "company_name": "company",
    "organization": "company",
    "organisation": "company",
    "job_title": "job_title",
    "jobtitle": "job_title",
    "title": "job_title",
    "role": "job_title",
    "position": "job_title",
    "company_size": "company_size",
    "employees": "company_size",
    "number_of_employees": "company_size",
    "numemployees": "company_size",
    "team_size": "company_size",
    "industry": "industry",
    "country": "country",
    "phone": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "mobilephone": "phone",
    "budget": "budget",
    "timeline": "timeline",
    "timeframe": "timeline",
    "message": "message",
    "comments": "message",
    "how_can_we_help": "message",
    "visitor_id": "visitor_id",
    "form": "form",
}
_PHRASES = sorted(
    [
        ("company_size", "company_size"),
        ("number_of_employees", "company_size"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("job_title", "job_title"),
        ("email", "email"),
        ("phone", "phone"),
        ("company", "company"),
        ("budget", "budget"),
        ("timeline", "timeline"),
        ("message", "message"),
        ("name", "name"),
    ],
    key=lambda p: -len(p[0]),
)


def label_key(label: object) -> str:
    """A label as a key: Phone Number, phoneNumber, phone-number -> phone_number."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(label))
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")


def field_for_label(label: object) -> str | None:
    """Which of our fields a provider's field label or key means, if any."""
    key = label_key(label)
    if key in _LABELS:
        return _LABELS[key]
    padded = f"_{key}_"
    for phrase, name in _PHRASES:
        if f"_{phrase}_" in padded:
            return name
    return None


def lead_fields(
    pairs: Iterable[tuple[object, object]],
    field_for: Callable[[object], str | None] = field_for_label,
) -> dict[str, object]:
    """A form's (label, value) pairs as our fields; other short answers kept as attributes.

    The first answer for a field wins. Answers no form of ours would hold (long text under an
    unknown label, nested values) are left out rather than refusing the whole submission.
    """
    fields: dict[str, object] = {}
    for label, raw in pairs:
        value = _answer_text(raw)
        if value is None:
            continue
        name = field_for(label)
        if name is None:
            name = label_key(label)[:60]
            if not name or name in fields or len(fields) >= _MAX_ATTRIBUTES:
                continue
            if len(value) > _MAX_FIELD or _LINE_BREAK.search(value) or _CONTROL.search(value):
                continue
        fields.setdefault(name, value)
    return fields


def _answer_text(raw: object) -> str | None:
    if isinstance(raw, list):
        parts = [text_of(v) for v in raw]
        joined = ", ".join(p for p in parts if p)
        return joined or None
    text = text_of(raw)
    return text.strip() or None if text is not None else None
