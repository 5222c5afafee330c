"""The response clock: an SQL alert starts it, sales acknowledging the lead stops it, and when
it runs out first the lead escalates to the next person in line.

Pure: when a clock is due (inside business hours), what acknowledging and escalating do to a
lead. Routing (who is alerted first) and the sweeper that escalates live around it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadwire.domain.models import (
    BusinessHours,
    Escalation,
    Lead,
    LedgerEntry,
    Outcome,
    Stage,
)

ACKNOWLEDGED = "acknowledged"
ESCALATED = "escalated"
_MAX_DAYS = 3660  # a due date is found within ten years of business days, or the rules are odd


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


def due_after(start: datetime, minutes: float, hours: BusinessHours | None = None) -> datetime:
    """`minutes` of the clock from `start`; with business hours, only the minutes inside them
    count (a Friday-evening SQL with a 60-minute SLA is due Monday 10:00)."""
    left = timedelta(minutes=minutes)
    if hours is None:
        return start + left
    from zoneinfo import ZoneInfo  # here: only a queue with business hours needs it (and sysconfig)

    zone = ZoneInfo(hours.timezone)
    at = start.astimezone(UTC)
    day = at.astimezone(zone).date()
    for _ in range(_MAX_DAYS):
        if day.weekday() in hours.days:
            opens = datetime.combine(day, hours.start, zone).astimezone(UTC)
            closes = datetime.combine(day, hours.end, zone).astimezone(UTC)
            begin = max(at, opens)
            if begin < closes:
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
        day += timedelta(days=1)
    raise ValueError("no business hours within ten years")


def escalation_id(lead: Lead) -> str:
    """The same for every sweep that sees this expiry: the ledger's dedupe key makes a second,
    concurrent escalation of it a duplicate."""
    done = len(lead.sla.escalations) if lead.sla else 0
    return f"escalation:{lead.lead_id}:{done + 1}"


def escalate(lead: Lead, now: datetime) -> Outcome | None:
    """The lead after its clock ran out unanswered: the next person in line owns it, is alerted,
    and has a clock of their own. None when it is not due, answered, no longer an SQL, or there
    is nobody left to escalate to (the clock then only measures)."""
    sla = lead.sla
    if (
        sla is None
        or sla.acknowledged_at is not None
        or lead.stage is not Stage.SQL
        or not sla.next
        or now < sla.due
    ):
        return None
    to, *rest = sla.next
    minutes = (
        sla.minutes if sla.minutes is not None else (sla.due - sla.started_at).total_seconds() / 60
    )
    was = f" by {sla.names.get(lead.owner, lead.owner)}" if lead.owner else ""
    reason = f"not acknowledged within {minutes:g} min{was}"
    escalated = sla.model_copy(
        update={
            "due": due_after(now, minutes, sla.hours),
            "next": rest,
            "escalations": [*sla.escalations, Escalation(at=now, to=to, reason=reason)],
        }
    )
    entry = LedgerEntry(
        event_id=escalation_id(lead),
        provider="leadwire",
        action=f"{ESCALATED}.{to}",
        points=0,
        rules={},
        rules_version=sla.rules_version,
        at=now,
    )
    changed = lead.model_copy(update={"owner": to, "sla": escalated, "updated_at": now})
    return Outcome(lead=changed, entry=entry)


def is_escalation(outcome: Outcome) -> bool:
    """Whether this change is an escalation (its alert goes to the new owner)."""
    return outcome.entry.action.startswith(f"{ESCALATED}.")
