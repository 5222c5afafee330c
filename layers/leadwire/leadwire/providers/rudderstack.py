"""`rudderstack`: RudderStack's Webhook destination, posting spec events (RudderStack follows
the Segment spec) to `/webhooks/events/rudderstack`.

RudderStack's webhook destination signs nothing; it sends the headers you configure on the
destination (Connection settings → Headers). leadwire's check: add the header
`X-Leadwire-Secret` with the secret stored here; it is compared in constant time. The body is
read as Segment's is (`page`, `screen`, `track`, `identify`, `group`; `alias` acknowledged;
one call, a JSON array or `{"batch": [...]}`; dedupe on `messageId`). Assumed from RudderStack's
event spec and webhook destination documentation, not from a captured delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from leadwire.domain.models import Channel
from leadwire.providers.activity import read_batch
from leadwire.providers.request import (
    Delivery,
    Parsed,
    ProviderBase,
    Signed,
    WebhookRequest,
    json_body,
    require_media_type,
)
from leadwire.providers.segment import spec_event, spec_events
from leadwire.providers.signatures import verify_token

SECRET_HEADER = "x-leadwire-secret"


class RudderStackProvider(ProviderBase):
    slug = "rudderstack"
    channels = frozenset({Channel.EVENT})
    signed = True
    dev_secret = "leadwire-dev-rudderstack-secret"

    def sign(self, d: Delivery) -> Signed:
        return Signed({SECRET_HEADER: d.secret}, d.body)

    def verify(self, request: WebhookRequest, secrets: Sequence[str], now: datetime) -> None:
        verify_token(request.headers.get(SECRET_HEADER), secrets, f"{SECRET_HEADER} header")

    def parse(
        self, request: WebhookRequest, channel: Channel, delivery_id: str | None, now: datetime
    ) -> Parsed:
        require_media_type(request, "application/json")
        items = spec_events(json_body(request))
        batch = read_batch(items, lambda item: spec_event(self.slug, item, now), self.slug)
        return Parsed(None, batch=batch)


provider = RudderStackProvider()
