"""A webhook, from raw request to a durably scored event: verify, parse, score, write.

Order matters: nothing is parsed before the signature is checked on the raw bytes, and
the answer is given only after the ledger entry and the lead are written together.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from leadwire.errors import (
    DuplicateEvent,
    PayloadTooLarge,
    RedirectNotAllowed,
    SignatureInvalid,
    StorageUnavailable,
    VersionConflict,
)
from leadwire.leads import retry_pause
from leadwire.models import Channel, LeadEvent, Outcome, Transition, lead_id_for
from leadwire.providers import WebhookRequest, provider_for
from leadwire.rules import ScoringRules
from leadwire.scoring import absorb, score
from leadwire.settings import Settings
from leadwire.signing_secrets import SigningSecrets
from leadwire.store import LeadStore

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Receipt:
    status: Literal["accepted", "duplicate", "ignored"]
    event_id: str | None
    lead_id: str | None = None
    redirect: str | None = None
    transitions: list[Transition] = field(default_factory=list)
    reason: str | None = None


@dataclass(frozen=True)
class Intake:
    """What receiving a webhook needs, passed in so tests can hand it fakes."""

    store: LeadStore
    secrets: SigningSecrets
    rules: ScoringRules
    settings: Settings
    clock: Clock = utc_now
    sleep: Callable[[float], None] = time.sleep

    def receive(self, channel: Channel, slug: str, request: WebhookRequest) -> Receipt:
        provider = provider_for(slug, channel)
        if len(request.body) > self.settings.max_body_bytes:
            raise PayloadTooLarge(f"the body is over {self.settings.max_body_bytes} bytes")
        now = self.clock()
        delivery_id = None
        if provider.signed:
            secrets = self.secrets.for_provider(slug)
            if not secrets:
                raise SignatureInvalid(f"no signing secret is configured for {slug}")
            delivery_id = provider.verify(request, secrets, now)
        parsed = provider.parse(request, channel, delivery_id, now)
        if parsed.event is None:
            return Receipt(status="ignored", event_id=None, reason=parsed.ignored)
        redirect = self._allowed_redirect(parsed.redirect)
        event = parsed.event
        try:
            outcome = self._record(event)
        except DuplicateEvent:
            lead_id = lead_id_for(event.email, event.visitor_id)
            return Receipt("duplicate", event.event_id, lead_id, redirect)
        lead = outcome.lead
        return Receipt("accepted", event.event_id, lead.lead_id, redirect, outcome.transitions)

    def _record(self, event: LeadEvent) -> Outcome:
        """Score and write under the lead's version; an anonymous visitor's lead that this
        event identifies is folded in, or a visitor id not seen before linked to it for later
        (either in the same transaction)."""
        lead_id = lead_id_for(event.email, event.visitor_id)
        visitor_key = (
            lead_id_for(None, event.visitor_id) if event.email and event.visitor_id else None
        )
        for attempt in range(self.settings.write_attempts):
            lead = self.store.load(lead_id)
            absorbed = link = None
            if visitor_key is not None:
                other = self.store.load(visitor_key)
                if other is None:
                    link = visitor_key  # not seen before: link it to this lead (first wins)
                elif other.lead_id == visitor_key:
                    absorbed = other  # still anonymous: merge it now
            now = self.clock()
            base = absorb(lead, absorbed, lead_id, self.rules, now) if absorbed else lead
            outcome = score(base, event, self.rules, now)
            try:
                stored = self.store.record(outcome, lead.version if lead else 0, absorbed, link)
            except VersionConflict:
                self.sleep(retry_pause(attempt))
                continue
            return outcome.model_copy(update={"lead": stored})
        raise StorageUnavailable("the lead is too busy right now; retry the delivery")

    def _allowed_redirect(self, wanted: str | None) -> str | None:
        if not wanted:
            return None
        parts = urlsplit(wanted)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.scheme not in ("http", "https") or origin not in {
            o.lower() for o in self.settings.redirect_origins
        }:
            raise RedirectNotAllowed("the redirect is not on an allowed origin")
        return wanted
