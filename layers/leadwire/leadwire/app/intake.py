"""A webhook, from raw request to a durably scored event: verify, parse, score, write.

Order matters: nothing is parsed before the signature is checked on the raw bytes (or, for a
browser form, before its defences let it in), and the answer is given only after the ledger
entry and the lead are written together.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from leadwire.app.form_guard import FormGuard
from leadwire.app.locking import Change, update_lead
from leadwire.app.ports import Clock, LeadStore, SigningSecrets, utc_now
from leadwire.app.routing import routed
from leadwire.domain.errors import (
    DuplicateEvent,
    PayloadTooLarge,
    RedirectNotAllowed,
    SignatureInvalid,
    StorageUnavailable,
)
from leadwire.domain.models import (
    Channel,
    Lead,
    LeadEvent,
    Outcome,
    Transition,
    identity_email,
    lead_id_for,
)
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import absorb, score
from leadwire.providers import WebhookRequest, provider_for
from leadwire.providers.phones import with_e164_phone
from leadwire.providers.request import Batch
from leadwire.providers.snippet import read_beacon


@dataclass(frozen=True)
class IntakeLimits:
    """The webhook's limits (from the template's environment, through the wiring)."""

    max_body_bytes: int = 65_536
    # Behaviour arrives batched (SendGrid posts up to thousands of events at once); Lambda's
    # synchronous payload limit is 6 MB.
    max_batch_body_bytes: int = 5_242_880
    # A batch's people are written side by side (each person's events in order): a 1,000-event
    # batch must finish well inside API Gateway's 29 s.
    batch_workers: int = 8
    # A snippet beacon is a page view or one tracked event: a few hundred bytes.
    max_beacon_body_bytes: int = 8_192
    redirect_origins: tuple[str, ...] = ()
    write_attempts: int = 10
    # Anonymous visitor ids folded into one person at most: a shared kiosk or an office PC
    # that several people fill the form on must not merge a whole company's browsing.
    max_visitor_ids: int = 5
    # Where a phone number without a +country code is read (None: it is dropped).
    phone_region: str | None = None


@dataclass(frozen=True)
class BatchCounts:
    """What became of each event of a batch: written, already written, not scored, skipped."""

    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    status: Literal["accepted", "duplicate", "ignored"]
    event_id: str | None
    lead_id: str | None = None
    redirect: str | None = None
    transitions: list[Transition] = field(default_factory=list)
    reason: str | None = None
    batch: BatchCounts | None = None


class NotAKnownLead(Exception):
    """The event counts only for a lead we already have, and there is none: nothing written."""


@dataclass
class _Written:
    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    failed: int = 0
    transitions: list[Transition] = field(default_factory=list)


def people_in(events: list[LeadEvent]) -> list[list[LeadEvent]]:
    """The events grouped by person, oldest first: events that share an email or a visitor
    id (an identify links both) are one group, written in order; groups are independent."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def keys(event: LeadEvent) -> list[str]:
        found = [f"email:{identity_email(event.email)}"] if event.email else []
        return found + ([f"visitor:{event.visitor_id}"] if event.visitor_id else [])

    for event in events:
        first, *others = keys(event)
        for other in others:
            parent[root(other)] = root(first)
    groups: dict[str, list[LeadEvent]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.occurred_at):
        groups[root(keys(event)[0])].append(event)
    return list(groups.values())


@dataclass(frozen=True)
class Intake:
    """What receiving a webhook needs, passed in so tests can hand it fakes."""

    store: LeadStore
    secrets: SigningSecrets
    rules: ScoringRules
    limits: IntakeLimits = IntakeLimits()
    clock: Clock = utc_now
    sleep: Callable[[float], None] = time.sleep
    guard: FormGuard | None = None  # the browser form's defences

    def receive(self, channel: Channel, slug: str, request: WebhookRequest) -> Receipt:
        provider = provider_for(slug, channel)
        limit = (
            self.limits.max_batch_body_bytes
            if channel is Channel.EVENT
            else self.limits.max_body_bytes
        )
        if len(request.body) > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes")
        now = self.clock()
        delivery_id = None
        if provider.signed:
            secrets = self.secrets.for_provider(slug)
            if not secrets:
                raise SignatureInvalid(f"no signing secret is configured for {slug}")
            delivery_id = provider.verify(request, secrets, now)
        guard = self.guard if provider.browser_form else None
        screened = guard.screen(request, now) if guard else None
        parsed = provider.parse(request, channel, delivery_id, now)
        if parsed.batch is not None:
            trusted = [
                with_e164_phone(e, self.limits.phone_region).model_copy(
                    update={"trust": provider.trust}
                )
                for e in parsed.batch.events
            ]
            return self._record_batch(replace(parsed.batch, events=trusted))
        if parsed.event is None:
            return Receipt(status="ignored", event_id=None, reason=parsed.ignored)
        redirect = self._allowed_redirect(parsed.redirect)
        event = with_e164_phone(parsed.event, self.limits.phone_region)
        event = event.model_copy(update={"trust": provider.trust})
        if guard and screened:
            guard.admit(screened, request, event.event_id, now)
        try:
            outcome = self._record(event)
        except DuplicateEvent:
            lead_id = lead_id_for(event.email, event.visitor_id)
            return Receipt("duplicate", event.event_id, lead_id, redirect)
        lead = outcome.lead
        return Receipt("accepted", event.event_id, lead.lead_id, redirect, outcome.transitions)

    def receive_beacon(self, request: WebhookRequest) -> Receipt:
        """A first-party snippet's beacon (POST /t): bounded, from an allowed origin, read
        (anonymous and unverified: it fills no profile field), counted against its client's
        per-minute limit and written like any event, its id the dedupe key. Each refusal
        comes before anything is written."""
        limit = self.limits.max_beacon_body_bytes
        if len(request.body) > limit:
            raise PayloadTooLarge(f"the beacon is over {limit} bytes")
        now = self.clock()
        if self.guard:
            self.guard.check_origin(request.headers)
        event = read_beacon(request, now)
        if self.guard:
            self.guard.count_beacon(request.source_ip, now)
        lead_id = lead_id_for(None, event.visitor_id)
        try:
            outcome = self._record(event)
        except DuplicateEvent:
            return Receipt("duplicate", event.event_id, lead_id)
        return Receipt("accepted", event.event_id, outcome.lead.lead_id, None, outcome.transitions)

    def _record_batch(self, batch: Batch) -> Receipt:
        """Each event written on its own (its id is its dedupe key), each person's oldest
        first; any that could not be written make the answer a 503, and the sender's retry
        of the batch counts the written ones as duplicates."""
        groups = people_in(batch.events)
        workers = max(1, min(self.limits.batch_workers, len(groups)))
        if workers == 1:
            results = [self._record_group(g) for g in groups]
        else:
            from concurrent.futures import ThreadPoolExecutor  # only a batch needs threads

            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(self._record_group, groups))
        accepted = sum(r.accepted for r in results)
        duplicates = sum(r.duplicates for r in results)
        failed = sum(r.failed for r in results)
        ignored = batch.ignored + sum(r.ignored for r in results)
        if failed:
            raise StorageUnavailable(
                f"{failed} of {len(batch.events)} events could not be written; retry the"
                " delivery (the written ones count once)"
            )
        transitions = [t for r in results for t in r.transitions]
        counts = BatchCounts(accepted, duplicates, ignored, batch.skipped)
        status: Literal["accepted", "duplicate", "ignored"] = (
            "accepted" if accepted else "duplicate" if duplicates else "ignored"
        )
        return Receipt(status, None, transitions=transitions, batch=counts)

    def _record_group(self, events: list[LeadEvent]) -> _Written:
        written = _Written()
        for event in events:
            try:
                written.transitions += self._record(event).transitions
                written.accepted += 1
            except DuplicateEvent:
                written.duplicates += 1
            except NotAKnownLead:
                written.ignored += 1
            except StorageUnavailable:
                written.failed += 1
        return written

    def _record(self, event: LeadEvent) -> Outcome:
        """Score and write under the lead's version; an anonymous visitor's lead that this
        event identifies is folded in, or a visitor id not seen before linked to it for later
        (either in the same transaction)."""
        lead_id = lead_id_for(event.email, event.visitor_id)
        visitor_key = (
            lead_id_for(None, event.visitor_id) if event.email and event.visitor_id else None
        )

        def change(lead: Lead | None) -> Change:
            if lead is None and event.known_lead_only:
                raise NotAKnownLead(lead_id)
            absorbed = link = None
            scored = event
            if visitor_key is not None and self._visitor_ids_full(lead, event):
                note = f"visitor_id: not linked, the lead has {self.limits.max_visitor_ids} already"
                scored = event.model_copy(
                    update={"visitor_id": None, "normalized": [*event.normalized, note]}
                )
            elif visitor_key is not None:
                other = self.store.load(visitor_key)
                if other is None:
                    link = visitor_key  # not seen before: link it to this lead (first wins)
                elif other.lead_id == visitor_key:
                    absorbed = other  # still anonymous: merge it now
            now = self.clock()
            base = absorb(lead, absorbed, lead_id, self.rules, now) if absorbed else lead
            changed = Change(score(base, scored, self.rules, now), absorbed, link)
            if self.rules.routing is None:
                return changed
            return routed(self.store, changed, self.rules.routing, now)

        outcome = update_lead(self.store, lead_id, change, self.limits.write_attempts, self.sleep)
        assert outcome is not None  # every change writes
        return outcome

    def _visitor_ids_full(self, lead: Lead | None, event: LeadEvent) -> bool:
        """Whether this event's visitor id would be one more than a person may have."""
        known = lead.visitor_ids if lead else []
        return event.visitor_id not in known and len(known) >= self.limits.max_visitor_ids

    def _allowed_redirect(self, wanted: str | None) -> str | None:
        if not wanted:
            return None
        parts = urlsplit(wanted)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if parts.scheme not in ("http", "https") or origin not in {
            o.lower() for o in self.limits.redirect_origins
        }:
            raise RedirectNotAllowed("the redirect is not on an allowed origin")
        return wanted
