"""Sales has seen a lead (opened the alert's link): record it, which stops its response clock."""

from __future__ import annotations

import uuid
from datetime import datetime

from leadwire.app.leads import existing_lead
from leadwire.app.locking import update_lead
from leadwire.app.ports import LeadStore
from leadwire.domain.errors import LeadNotFound
from leadwire.domain.models import Lead, Outcome
from leadwire.domain.sla import acknowledge as acknowledged


def acknowledge(
    store: LeadStore, lead_id: str, by: str, now: datetime, rules_version: str, attempts: int = 10
) -> Lead:
    """The lead after recording that sales saw it (unchanged when already acknowledged)."""
    lead = existing_lead(store, lead_id)
    event_id = f"ack:{uuid.uuid4().hex}"

    def change(current: Lead | None) -> Outcome | None:
        if current is None:
            raise LeadNotFound("no such lead")
        return acknowledged(current, now, by, event_id, rules_version)

    outcome = update_lead(store, lead.lead_id, change, attempts)
    return outcome.lead if outcome is not None else (store.load(lead.lead_id) or lead)
