"""The first-party snippet: `GET /t.js` (the script, `snippet.js` beside this module) and the
beacons it sends to `POST /t`.

A beacon comes from a visitor's browser, so nothing in it is verified (Trust.UNVERIFIED) and it
identifies no one: it carries the snippet's anonymous id and what was viewed or done, never a
profile field (an `email` or `traits` in the body are ignored), so it can neither overwrite a
profile nor fold a visitor into a person. The form the visitor later submits, with the
`visitor_id` the snippet put in it, does that (the merge anonymous visitors already use).

`navigator.sendBeacon` posts a string as `text/plain;charset=UTF-8` (a CORS "simple"
request: no preflight), so that is accepted beside `application/json`. The body:
`{"id", "visitorId", "type": "page" | "track", "url", "title", "referrer", "utm": {...},
"event", "properties"}`. `id` (a random id per beacon) is the dedupe key, hashed with the
visitor's id (ledger keys and logs never show that id). The time is when the beacon
arrives (a browser's clock is not believed).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import identity, page_path
from leadwire.providers.fields import content_id, event_from_fields, text_of
from leadwire.providers.request import WebhookRequest, json_body, require_media_type

SLUG = "snippet"
MEDIA_TYPES = ("text/plain", "application/json")
CONSENT_DEFAULTS = ("denied", "granted")
# The ids the snippet makes (a UUID, or 32 hex digits): nothing else is stored as an id.
_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_UTM = ("source", "medium", "campaign", "term", "content")
_MAX_URL = 500
_MAX_TEXT = 200
_MAX_UTM = 100
_MAX_PROPERTIES = 10
_CONSENT_PLACEHOLDER = "__LEADWIRE_CONSENT_DEFAULT__"


def read_beacon(request: WebhookRequest, now: datetime) -> LeadEvent:
    """One beacon as an event about its anonymous visitor; a 4xx error when it is not one."""
    require_media_type(request, *MEDIA_TYPES)
    body = json_body(request)
    if not isinstance(body, dict):
        raise MalformedPayload("the beacon must be a JSON object")
    client_id = _id(body.get("id"), "id")
    visitor = _id(body.get("visitorId"), "visitorId")
    kind = text_of(body.get("type"))
    fields: dict[str, object]
    if kind == "page":
        url = text_of(body.get("url"))
        page = page_path(url) if url else None
        if url is None or page is None or urlsplit(url).scheme not in ("http", "https"):
            raise MalformedPayload("a page view needs the page's http(s) url")
        fields = {
            "url": _without_query(url),
            "title": _short(body.get("title"), _MAX_TEXT),
            "referrer": _without_query(text_of(body.get("referrer"))),
            **_utm(body.get("utm"), url),
        }
        activity = "page"
    elif kind == "track":
        name = text_of(body.get("event"))
        if not name or not name.strip() or len(name) > 100:
            raise MalformedPayload("a tracked event needs its name (up to 100 characters)")
        fields, activity, page = _properties(body.get("properties")), name.strip(), None
    else:
        raise MalformedPayload("type must be 'page' or 'track'")
    event = event_from_fields(
        provider=SLUG,
        channel=Channel.EVENT,
        fields={k: v for k, v in fields.items() if v not in (None, "")},
        visitor_id=visitor,
        event_id=content_id(SLUG, visitor, client_id),
        occurred_at=now,
        received_at=now,
    )
    return event.model_copy(update={"activity": activity, "page": page})


def _id(value: object, name: str) -> str:
    text = identity(value)
    if text is None or not _ID.fullmatch(text):
        raise MalformedPayload(f"{name} must be 8 to 64 letters, digits or dashes")
    return text


def _short(value: object, limit: int) -> str | None:
    text = text_of(value)
    return text.strip()[:limit] if text else None


def _without_query(url: str | None) -> str | None:
    """Scheme, host and path only: a query string or fragment can carry an address or a
    token (`?email=...`), so it is never stored."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:_MAX_URL]


def _utm(given: object, url: str) -> dict[str, object]:
    """The campaign: the snippet's `utm` object, else the page URL's utm_* parameters."""
    values = given if isinstance(given, dict) else {}
    if not values:
        query = dict(parse_qsl(urlsplit(url).query))
        values = {k: query.get(f"utm_{k}") for k in _UTM}
    return {f"utm_{k}": _short(values.get(k), _MAX_UTM) for k in _UTM}


def _properties(given: object) -> dict[str, object]:
    """A tracked event's first few scalar properties, as text; none that looks like an
    address (the snippet is anonymous: who they are comes from a form)."""
    kept: dict[str, object] = {}
    for key, value in (given if isinstance(given, dict) else {}).items():
        if len(kept) >= _MAX_PROPERTIES:
            break
        text = _short(value, _MAX_TEXT) if isinstance(value, str | int | float) else None
        if text and "@" not in text and re.fullmatch(r"[A-Za-z0-9_]{1,40}", str(key)):
            kept[f"property_{key}"] = text
    return kept


def script(consent_default: str) -> str:
    """The snippet as served: its source without comment lines or indentation (what
    `GET /t.js` sends, measured in the README), with the deployment's consent default."""
    if consent_default not in CONSENT_DEFAULTS:
        raise ValueError(f"the snippet's consent default must be one of {CONSENT_DEFAULTS}")
    return _compact().replace(_CONSENT_PLACEHOLDER, consent_default)


@lru_cache(maxsize=1)
def _compact() -> str:
    from importlib import resources  # here: only the script's route reads it

    source = (
        resources.files("leadwire.providers").joinpath("snippet.js").read_text(encoding="utf-8")
    )
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"
