"""Reading leads as the leads API shows them: one lead with its ledger, or a page of a stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadwire.app.ports import Clock, LeadStore
from leadwire.domain.errors import LeadNotFound, MalformedPayload
from leadwire.domain.models import Lead, Stage, is_lead_id, lead_id_for
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import as_of


def existing_lead(store: LeadStore, lead_id: str) -> Lead:
    """The stored lead, or LeadNotFound (also for an id that is not one of ours)."""
    lead = store.load(lead_id) if is_lead_id(lead_id) else None
    if lead is None:
        raise LeadNotFound("no such lead")
    return lead


def lead_view(lead: Lead) -> dict[str, Any]:
    """A lead as the API shows it (camelCase, score split, BANT, urgency, transitions)."""
    return lead.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class LeadQueries:
    store: LeadStore
    rules: ScoringRules
    clock: Clock

    def get(self, lead_id: str) -> dict[str, Any]:
        lead = existing_lead(self.store, lead_id)
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
