"""The response clock: an SQL alert starts it, sales acknowledging the lead stops it.

Pure: when a clock is due and what acknowledging does to a lead. Routing (who is alerted,
who is next on escalation) and the sweeper that escalates live around it.
"""

from __future__ import annotations

from datetime import datetime

from leadwire.domain.models import Lead, LedgerEntry, Outcome

ACKNOWLEDGED = "acknowledged"


def acknowledge(
    lead: Lead, now: datetime, by: str, event_id: str, rules_version: str
) -> Outcome | None:
    """Sales has seen the lead (`by`: how, e.g. "link" or "disposition"): its response clock
    stops, once. None when there is nothing to record (no clock, or already acknowledged)."""
    sla = lead.sla
    if sla is None or sla.acknowledged_at is not None:
        return None
    stopped = sla.model_copy(update={"acknowledged_at": now})
    entry = LedgerEntry(
        event_id=event_id,
        provider="sales",
        action=f"{ACKNOWLEDGED}.{by}",
        points=0,
        rules={},
        rules_version=rules_version,
        at=now,
    )
    changed = lead.model_copy(update={"sla": stopped, "updated_at": now})
    return Outcome(lead=changed, entry=entry)
