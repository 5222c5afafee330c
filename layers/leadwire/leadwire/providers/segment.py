"""`segment`: Segment's Webhooks (Actions) destination, posting spec events to
`/webhooks/events/segment`.

Confirmed from Segment's documentation (twilio.com/docs/segment/connections/destinations/
catalog/actions-webhook): the destination accepts Page, Track, Identify, Group and Alias
calls; with a shared secret set it signs each request in `X-Signature`, a hex-encoded HMAC-SHA1
of the request body keyed by the secret; batching sends up to 1,000 events (4,000 at most) at
once. The spec fields read here (`type`, `messageId`, `timestamp`, `anonymousId`, `userId`,
`traits`, `context.traits`, `properties.path`/`url`, `context.page`, `event`) are Segment's
common and per-call fields. Assumed: a batch arrives as a JSON array, or as `{"batch": [...]}`
as Segment's HTTP tracking API batches; a single call as one object; all three are read.

`page` (and `screen`) is a page view of `properties.path` (else the URL's path); `track` is
the event by its name (the video spec's `Video Playback Completed` is one); `identify` tells
who the anonymous id is (an email in `traits` folds the visitor's history into the person's
lead); `group` tells which company they belong to (its traits `name`, `industry`,
`employees` and `website` fill the company fields, and the website's domain is their account
when their own address is personal or unknown). `alias` is acknowledged and not scored.
Each event is keyed by its `messageId`; one without is skipped and named in the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadwire.domain.errors import MalformedPayload
from leadwire.domain.models import Channel, LeadEvent
from leadwire.providers.activity import identity, page_path, read_batch
from leadwire.providers.fields import (
    dig,
    event_from_fields,
    event_id_for,
    moment,
    text_of,
    web_domain,
)
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_body,
    require_media_type,
)
from leadwire.providers.signatures import sign_hmac, verify_hmac

SCORED = frozenset({"page", "screen", "track", "identify", "group"})
ACKNOWLEDGED = frozenset({"alias"})
# Segment's trait names -> ours (the spec's reserved traits).
TRAITS = {
    "email": "email",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
    "name": "name",
    "title": "job_title",
    "phone": "phone",
    "industry": "industry",
    "employees": "company_size",
}


def spec_events(body: object) -> list[Any]:
    """The calls a delivery carries: a JSON array, `{"batch": [...]}`, or one call."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        batch = body.get("batch")
        return batch if isinstance(batch, list) else [body]
    raise MalformedPayload("the JSON body must be an object or an array of events")


def spec_event(slug: str, item: dict[str, Any], now: datetime) -> LeadEvent | None:
    """One spec call as an event (the Segment spec, which RudderStack follows too); None
    for a call we do not score."""
    kind = text_of(item.get("type"))
    if kind in ACKNOWLEDGED:
        return None
    if kind not in SCORED:
        return None  # an unknown type: acknowledged, so the sender does not retry it
    message_id = text_of(item.get("messageId"))
    if not message_id:
        raise MalformedPayload("no messageId")
    if kind == "group":
        fields = _group_fields(item)
    else:
        traits = {**_object(dig(item, "context", "traits")), **_object(item.get("traits"))}
        fields = {ours: traits.get(theirs) for theirs, ours in TRAITS.items()}
        company = traits.get("company")
        fields["company"] = dig(company, "name") if isinstance(company, dict) else company
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    page = None
    activity: str | None
    if kind in ("page", "screen"):
        properties = _object(item.get("properties"))
        context_page = _object(dig(item, "context", "page"))
        page = page_path(
            properties.get("url") or context_page.get("url"),
            properties.get("path") or context_page.get("path"),
        ) or ("/" if kind == "page" else None)
        activity = "page"
    elif kind == "track":
        activity = text_of(item.get("event"))
        if not activity:
            raise MalformedPayload("a track call without an event name")
    else:
        activity = kind  # identify or group: who they are, not what they did
    visitor = identity(item.get("anonymousId"))
    if not visitor and not fields.get("email"):
        raise MalformedPayload("neither an email nor a usable anonymousId")
    event = event_from_fields(
        provider=slug,
        channel=Channel.EVENT,
        fields=fields,
        visitor_id=visitor,
        event_id=event_id_for(slug, message_id),
        occurred_at=moment(item.get("timestamp") or item.get("sentAt"), now),
        received_at=now,
    )
    return event.model_copy(update={"activity": (activity or "")[:100], "page": page})


def _group_fields(item: dict[str, Any]) -> dict[str, object]:
    """A group call's traits are the company's (its `email` is the company's, not the
    person's): name, industry, employees and website become the person's company fields;
    the person is the call's anonymousId or the e-mail in `context.traits`."""
    traits = _object(item.get("traits"))
    return {
        "email": _object(dig(item, "context", "traits")).get("email"),
        "company": traits.get("name"),
        "industry": traits.get("industry"),
        "company_size": traits.get("employees"),
        "company_domain": web_domain(traits.get("website") or traits.get("domain")),
    }


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class SegmentProvider(ProviderBase):
    slug = "segment"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = "leadwire-dev-segment-secret"

    def sign(self, d: Delivery) -> Signed:
        signature = sign_hmac(d.secret, d.body, algorithm="sha1", encoding="hex")
        return Signed({"x-signature": signature}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_hmac(
            request.headers.get("x-signature"),
            request.body,
            secrets,
            algorithm="sha1",
            encoding="hex",
        )

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        require_media_type(request, "application/json")
        items = spec_events(json_body(request))
        return Parsed(
            None, batch=read_batch(items, lambda i: spec_event(self.slug, i, now), self.slug)
        )


provider = SegmentProvider()
