"""Small hand-written fakes of the ports, for behaviour tests without moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from leadwire.app.ports import (
    AlertOutbox,
    AlertPublisher,
    FormGuardStore,
    LeadStore,
    SlackPoster,
    SmsBudget,
)
from leadwire.domain.alert_text import Alert
from leadwire.domain.errors import (
    AlertInFlight,
    DuplicateEvent,
    MalformedPayload,
    SlackUnavailable,
    VersionConflict,
)
from leadwire.domain.models import Lead, LedgerEntry, Outcome, Stage, Turn
from leadwire.domain.outbox import LEASE_SECONDS, Addressee, OwedAlert, PendingAlert, addressee_for


class InMemoryLeadStore:
    def __init__(self) -> None:
        self.leads: dict[str, Lead] = {}
        self.entries: dict[tuple[str, str], LedgerEntry] = {}
        self.outbox: dict[tuple[str, int], PendingAlert] = {}
        self.claimed_until: dict[tuple[str, int], datetime] = {}
        self.done: dict[tuple[str, int], str] = {}  # sent / skipped: reason
        self.aliases: dict[str, str] = {}
        self.engaged: dict[str, dict[str, datetime]] = {}  # account -> lead id -> when
        self.conflicts_to_raise = 0
        self.queue_turns: dict[str, int] = {}  # routing queue -> SQLs given out

    def load(self, lead_id: str) -> Lead | None:
        return self.leads.get(self.aliases.get(lead_id, lead_id))

    def record(
        self,
        outcome: Outcome,
        expected_version: int,
        absorbed: Lead | None = None,
        link: str | None = None,
        alert: OwedAlert | None = None,
        turn: Turn | None = None,
    ) -> Lead:
        lead = outcome.lead
        if link is not None and (link in self.aliases or link in self.leads):
            raise VersionConflict(lead.lead_id)
        if turn is not None and self.queue_turns.get(turn.queue, 0) != turn.seen:
            raise VersionConflict(lead.lead_id)  # another SQL took this turn
        if absorbed is not None:
            self.leads.pop(absorbed.lead_id)
            self.aliases[absorbed.lead_id] = lead.lead_id
            for owner, event_id in list(self.entries):
                if owner == absorbed.lead_id:
                    self.entries[(lead.lead_id, event_id)] = self.entries.pop((owner, event_id))
        repeats = outcome.entry.event.repeats_of if outcome.entry.event else []
        for event_id in [outcome.entry.event_id, *repeats]:
            if (lead.lead_id, event_id) in self.entries:
                raise DuplicateEvent(outcome.entry.event_id)
        stored = self.leads.get(lead.lead_id)
        if self.conflicts_to_raise or (stored.version if stored else 0) != expected_version:
            self.conflicts_to_raise = max(0, self.conflicts_to_raise - 1)
            raise VersionConflict(lead.lead_id)
        saved = lead.model_copy(update={"version": expected_version + 1})
        self.leads[lead.lead_id] = saved
        self.entries[(lead.lead_id, outcome.entry.event_id)] = outcome.entry
        if link is not None:
            self.aliases[link] = lead.lead_id
        if outcome.engaged_account is not None:
            self.engaged.setdefault(outcome.engaged_account, {})[lead.lead_id] = lead.updated_at
        if turn is not None:
            self.queue_turns[turn.queue] = turn.seen + 1
        if alert is not None:
            key = (lead.lead_id, saved.version)
            self.outbox[key] = PendingAlert(
                lead_id=lead.lead_id,
                version=saved.version,
                alert=alert,
                created_at=outcome.entry.at,
                to=addressee_for(outcome),
            )
        return saved

    def turns(self, queue: str) -> int:
        return self.queue_turns.get(queue, 0)

    def clocks_due(self, now: datetime, limit: int) -> list[str]:
        due = [
            lead
            for lead in self.leads.values()
            if lead.sla is not None
            and lead.stage is Stage.SQL
            and lead.sla.acknowledged_at is None
            and lead.sla.next
            and lead.sla.due <= now
        ]
        due.sort(key=lambda lead: lead.sla.due if lead.sla else now)
        return [lead.lead_id for lead in due[:limit]]

    def ledger(self, lead_id: str) -> list[LedgerEntry]:
        entries = [e for (lid, _), e in self.entries.items() if lid == lead_id]
        return sorted(entries, key=lambda e: (e.at, e.event_id))

    def list_leads(
        self, stage: Stage | None = None, limit: int = 25, cursor: str | None = None
    ) -> tuple[list[Lead], str | None]:
        """Newest first by when each lead entered its stage; the cursor is an offset."""
        if cursor is not None and not cursor.isdigit():
            raise MalformedPayload("the cursor is not one this API gave out")
        start = int(cursor or 0)
        wanted = [x for x in self.leads.values() if stage is None or x.stage is stage]
        wanted.sort(key=lambda x: (x.stage_at or x.created_at, x.lead_id), reverse=True)
        page = wanted[start : start + limit]
        more = start + limit < len(wanted)
        return page, str(start + limit) if more else None

    def engaged_for(self, domain: str, since: datetime) -> list[tuple[Lead, datetime]]:
        return [
            (self.leads[lead_id], at)
            for lead_id, at in self.engaged.get(domain, {}).items()
            if at >= since and lead_id in self.leads
        ]

    def engaged_people(self, domain: str, since: datetime) -> dict[str, datetime]:
        return {lid: at for lid, at in self.engaged.get(domain, {}).items() if at >= since}

    def erase(self, lead_id: str) -> int:
        for people in self.engaged.values():
            people.pop(lead_id, None)
        lead = self.leads.pop(lead_id, None)
        removed = int(lead is not None)
        for key in [k for k in self.entries if k[0] == lead_id]:
            del self.entries[key]
            removed += 1
        for alert in [k for k in [*self.outbox, *self.done] if k[0] == lead_id]:
            self.outbox.pop(alert, None)
            self.done.pop(alert, None)
            removed += 1
        for visitor in [v for v, owner in self.aliases.items() if owner == lead_id]:
            del self.aliases[visitor]
            removed += 1
        return removed

    def all_ledger_entries(self) -> Iterator[tuple[str, LedgerEntry]]:
        yield from ((lead_id, entry) for (lead_id, _), entry in self.entries.items())

    def claim(self, lead_id: str, version: int, now: datetime) -> PendingAlert | None:
        key = (lead_id, version)
        if key not in self.outbox:
            return None
        held = self.claimed_until.get(key)
        if held is not None and held > now:
            raise AlertInFlight(f"{lead_id}/{version}")
        self.claimed_until[key] = now + timedelta(seconds=LEASE_SECONDS)
        return self.outbox[key]

    def record_sms(self, lead_id: str, version: int, sms: bool) -> None:
        key = (lead_id, version)
        if key in self.outbox:
            self.outbox[key] = self.outbox[key].model_copy(update={"sms": sms})

    def record_published(self, lead_id: str, version: int, message_id: str) -> None:
        key = (lead_id, version)
        if key in self.outbox:
            self.outbox[key] = self.outbox[key].model_copy(update={"published": message_id})

    def record_slack_failure(self, lead_id: str, version: int, tries: int) -> None:
        key = (lead_id, version)
        if key in self.outbox:
            self.outbox[key] = self.outbox[key].model_copy(update={"slack_tries": tries})
        self.claimed_until.pop(key, None)

    def mark_sent(
        self, lead_id: str, version: int, message_id: str, now: datetime, slack: str = "off"
    ) -> None:
        self._done(lead_id, version, f"sent (slack {slack})")

    def mark_skipped(self, lead_id: str, version: int, reason: str, now: datetime) -> None:
        self._done(lead_id, version, f"skipped: {reason}")

    def _done(self, lead_id: str, version: int, how: str) -> None:
        if self.outbox.pop((lead_id, version), None) is not None:
            self.done[(lead_id, version)] = how
        self.claimed_until.pop((lead_id, version), None)

    def release(self, lead_id: str, version: int) -> None:
        self.claimed_until.pop((lead_id, version), None)

    def overdue(self, created_before: datetime, limit: int) -> list[tuple[str, int]]:
        waiting = sorted(self.outbox.values(), key=lambda p: p.created_at)
        return [(p.lead_id, p.version) for p in waiting if p.created_at < created_before][:limit]


class CountingSmsBudget:
    def __init__(self, per_hour: int = 1_000) -> None:
        self.per_hour = per_hour
        self.taken: dict[str, int] = {}

    def take(self, now: datetime) -> bool:
        hour = f"{now:%Y-%m-%dT%H}"
        if self.taken.get(hour, 0) >= self.per_hour:
            return False
        self.taken[hour] = self.taken.get(hour, 0) + 1
        return True


class RecordingPublisher:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[Alert] = []
        self.by_sms: list[bool] = []
        self.to: list[Addressee] = []
        self.failures = failures

    def publish(self, alert: Alert, sms: bool = True, to: Addressee | None = None) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SNS is down")
        self.sent.append(alert)
        self.by_sms.append(sms)
        self.to.append(to or Addressee())
        return f"msg-{len(self.sent)}"


class RecordingSlack:
    """A Slack webhook that fails its first `failures` posts (retryable unless told)."""

    def __init__(self, failures: int = 0, retryable: bool = True, url: str | None = "x") -> None:
        self.posted: list[dict[str, Any]] = []
        self.failures = failures
        self.retryable = retryable
        self.url = url

    def configured(self) -> bool:
        return self.url is not None

    def post(self, message: dict[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise SlackUnavailable("Slack answered 500", retryable=self.retryable)
        self.posted.append(message)


class InMemoryFormGuardStore:
    """Post counters per (client, window) and spent tokens, as the table keeps them."""

    def __init__(self) -> None:
        self.posts: dict[tuple[str, datetime], int] = {}
        self.spent: dict[str, str] = {}

    def count_post(
        self, client: str, window_start: datetime, expires_at: datetime, limit: int
    ) -> bool:
        key = (client, window_start)
        if self.posts.get(key, 0) >= limit:
            return False
        self.posts[key] = self.posts.get(key, 0) + 1
        return True

    def token_spent_on(self, nonce: str) -> str | None:
        return self.spent.get(nonce)

    def spend_token(self, nonce: str, event_id: str, expires_at: datetime) -> str | None:
        if nonce in self.spent:
            return self.spent[nonce]
        self.spent[nonce] = event_id
        return None


def _implements_the_ports() -> tuple[
    LeadStore, AlertOutbox, AlertPublisher, SmsBudget, FormGuardStore, SlackPoster
]:
    """mypy checks here that the fakes stay whole implementations of the ports."""
    store = InMemoryLeadStore()
    return (
        store,
        store,
        RecordingPublisher(),
        CountingSmsBudget(),
        InMemoryFormGuardStore(),
        RecordingSlack(),
    )
