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
)
from leadwire.leads import update_lead
from leadwire.models import Channel, Transition, lead_id_for
from leadwire.providers import WebhookRequest, provider_for
from leadwire.rules import ScoringRules
from leadwire.scoring import score
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
        lead_id = lead_id_for(event.email, event.visitor_id)
        try:
            outcome = update_lead(
                self.store,
                lead_id,
                lambda lead: score(lead, event, self.rules, self.clock()),
                self.settings.write_attempts,
                self.sleep,
            )
        except DuplicateEvent:
            return Receipt("duplicate", event.event_id, lead_id, redirect)
        transitions = outcome.transitions if outcome else []
        return Receipt("accepted", event.event_id, lead_id, redirect, transitions)

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
