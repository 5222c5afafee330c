"""What the behaviour providers (CDPs, e-mail tools) share: reading a batch one event at a
time (a malformed one is skipped and named, the rest are kept), identity values that never
identify anyone, and a page's path."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from leadwire.domain.errors import LeadwireError, MalformedPayload
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.fields import event_from_fields, moment, text_of
from leadwire.providers.request import Batch

# Placeholders that SDKs and broken integrations send as an id: linking on one would merge
# every visitor who sent it (identity resolvers block the same values).
BLOCKED_IDENTITIES = frozenset(
    {"", "null", "none", "undefined", "anonymous", "unknown", "0", "-1", "nan", "[object object]"}
)
_MAX_ID = 200


def identity(value: object) -> str | None:
    """An anonymous or user id as given, or None when it is a placeholder or not an id."""
    text = text_of(value)
    if text is None:
        return None
    text = text.strip()
    if text.lower() in BLOCKED_IDENTITIES or len(text) > _MAX_ID or not text.isprintable():
        return None
    return text


def page_path(url: object, path: object = None) -> str | None:
    """The path of a page view: the given path, else the URL's; always starting with /."""
    given = text_of(path)
    if not given and (address := text_of(url)):
        given = urlsplit(address).path
    if not given:
        return None
    given = given.split("?", 1)[0].split("#", 1)[0].strip()
    return ("/" + given.lstrip("/")).lower()[:_MAX_ID] or "/"


def read_batch(
    items: Iterable[Any], read: Callable[[dict[str, Any]], LeadEvent | None], provider: str
) -> Batch:
    """Each item read on its own: an event to record, None for a kind we do not score
    (acknowledged), or a malformed one skipped with its position and why."""
    events: list[LeadEvent] = []
    skipped: list[str] = []
    ignored = 0
    for position, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise MalformedPayload("not an object")
            event = read(item)
        except (LeadwireError, ValueError) as e:
            reason = e.message if isinstance(e, LeadwireError) else "not a valid event"
            skipped.append(f"{provider} event {position}: {reason}")
            continue
        if event is None:
            ignored += 1
        else:
            events.append(event)
    return Batch(events, ignored, skipped)


def email_event(
    slug: str, email: object, activity: str, event_id: str, at: object, now: datetime
) -> LeadEvent:
    """An e-mail tool's event about a recipient (their address is who it is about)."""
    event = event_from_fields(
        provider=slug,
        channel=Channel.EVENT,
        fields={"email": email},
        event_id=event_id,
        occurred_at=moment(at, now),
        received_at=now,
    )
    return event.model_copy(update={"activity": activity})
