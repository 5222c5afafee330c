"""The scheduled decay: engagement fades; MQLs that fell a margin below the threshold return
to lead. Other leads fade lazily (`as_of`, when read) and need no write."""

from __future__ import annotations

from datetime import datetime

from leadwire.app.locking import update_lead
from leadwire.app.ports import LeadStore
from leadwire.domain.errors import DuplicateEvent
from leadwire.domain.models import Lead, Outcome, Stage
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import decay


def fade_mqls(
    store: LeadStore, rules: ScoringRules, now: datetime, attempts: int = 10
) -> dict[str, int]:
    """Demote every MQL whose faded score fell below the margin; how many were checked and
    demoted."""
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
