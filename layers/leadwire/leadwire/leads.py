"""The leads API's use cases: read a lead with its ledger, list, sales feedback, erasure.

Also the one optimistic-locking loop every change to a lead goes through (webhooks,
dispositions, decay): read, compute the new state purely, write under a version condition.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadwire.errors import (
    DuplicateEvent,
    LeadNotFound,
    MalformedPayload,
    StorageUnavailable,
    VersionConflict,
)
from leadwire.models import DispositionOutcome, Lead, Outcome, Stage, lead_id_for
from leadwire.rules import ScoringRules
from leadwire.scoring import as_of, decay, dispose
from leadwire.store import LeadStore

_LEAD_ID = re.compile(r"^ld_[0-9a-f]{24}$")


def retry_pause(attempt: int) -> float:
    """Full jitter, growing from 5 ms to at most 200 ms: racing writers spread out."""
    return random.uniform(0, min(0.2, 0.005 * 2**attempt))


def update_lead(
    store: LeadStore,
    lead_id: str,
    change: Callable[[Lead | None], Outcome | None],
    attempts: int,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome | None:
    """Apply `change` to the stored lead; on a concurrent update, re-read and re-apply.

    `change` returning None means there is nothing to write (and nothing is written).
    DuplicateEvent passes through (the caller decides what a redelivery answers); past
    `attempts` conflicts the answer is StorageUnavailable, a 503 the sender retries.
    """
    for attempt in range(attempts):
        lead = store.load(lead_id)
        outcome = change(lead)
        if outcome is None:
            return None
        try:
            stored = store.record(outcome, expected_version=lead.version if lead else 0)
        except VersionConflict:
            sleep(retry_pause(attempt))
            continue
        return outcome.model_copy(update={"lead": stored})
    raise StorageUnavailable("the lead is too busy right now; retry")


class DispositionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: DispositionOutcome
    reason: str | None = Field(default=None, max_length=500)


@dataclass(frozen=True)
class LeadsApi:
    store: LeadStore
    rules: ScoringRules
    clock: Callable[[], datetime]
    attempts: int = 10

    def get(self, lead_id: str) -> dict[str, Any]:
        lead = self._existing(lead_id)
        ledger = self.store.ledger(lead.lead_id)
        return {
            **lead_view(as_of(lead, self.rules, self.clock())),
            "ledger": [e.model_dump(mode="json", by_alias=True, exclude={"event"}) for e in ledger],
        }

    def list(
        self, stage: str | None, email: str | None, limit: str | None, cursor: str | None
    ) -> dict[str, Any]:
        now = self.clock()
        if email:
            lead = self.store.load(lead_id_for(email))
            found = [lead] if lead and (not stage or lead.stage.value == stage.lower()) else []
            return {"items": [lead_view(as_of(x, self.rules, now)) for x in found], "next": None}
        try:
            wanted = Stage(stage.lower()) if stage else None
            size = int(limit) if limit else 25
        except ValueError as e:
            raise MalformedPayload("stage must be lead, mql or sql; limit a number") from e
        leads, cursor_out = self.store.list_leads(wanted, size, cursor)
        return {"items": [lead_view(as_of(x, self.rules, now)) for x in leads], "next": cursor_out}

    def dispose(self, lead_id: str, body: Any) -> dict[str, Any]:
        try:
            request = DispositionRequest.model_validate(body)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise MalformedPayload(f"{where}: {first['msg']}") from e
        lead = self._existing(lead_id)
        event_id = f"disposition:{uuid.uuid4().hex}"

        def change(current: Lead | None) -> Outcome:
            if current is None:
                raise LeadNotFound(f"no lead {lead.lead_id}")
            return dispose(
                current, request.outcome, request.reason, self.rules, self.clock(), event_id
            )

        outcome = update_lead(self.store, lead.lead_id, change, self.attempts)
        assert outcome is not None  # dispose always changes the lead
        return lead_view(outcome.lead)

    def erase(self, lead_id: str) -> dict[str, Any]:
        lead = self._existing(lead_id)
        removed = self.store.erase(lead.lead_id)
        return {"status": "erased", "leadId": lead.lead_id, "items": removed}

    def _existing(self, lead_id: str) -> Lead:
        lead = self.store.load(lead_id) if _LEAD_ID.match(lead_id) else None
        if lead is None:
            raise LeadNotFound("no such lead")
        return lead


def fade_mqls(
    store: LeadStore, rules: ScoringRules, now: datetime, attempts: int = 10
) -> dict[str, int]:
    """The scheduled decay: every MQL whose faded score fell a margin below the threshold goes
    back to lead. Other leads fade lazily (as_of) and need no write."""
    checked = demoted = 0
    cursor: str | None = None
    while True:
        leads, cursor = store.list_leads(Stage.MQL, 100, cursor)
        for lead in leads:
            checked += 1
            if decay(lead, rules, now) is None:
                continue

            def change(current: Lead | None) -> Outcome | None:
                return decay(current, rules, now) if current else None

            try:
                demoted += update_lead(store, lead.lead_id, change, attempts) is not None
            except DuplicateEvent:
                continue  # this version was already faded by an earlier run
        if cursor is None:
            return {"checked": checked, "demoted": demoted}


def lead_view(lead: Lead) -> dict[str, Any]:
    """A lead as the API shows it (camelCase, score split, BANT, urgency, transitions)."""
    return lead.model_dump(mode="json", by_alias=True)
