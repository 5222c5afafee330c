"""How sales looks at leads: who to call first, and which leads a search means."""

from __future__ import annotations

from leadwire.domain.models import Lead, Stage, Urgency

_STAGE_RANK = {Stage.SQL: 0, Stage.MQL: 1, Stage.LEAD: 2}


def priority(lead: Lead) -> tuple[int, int, float, float, float, str]:
    """Sort key, smallest first: SQLs before MQLs before leads; within a stage high urgency
    first, then the response clock that runs out soonest (leads without one after), then the
    higher score, then the newest in its stage."""
    due = lead.sla.due.timestamp() if lead.sla and lead.sla.acknowledged_at is None else None
    entered = lead.stage_at or lead.created_at
    return (
        _STAGE_RANK[lead.stage],
        0 if lead.urgency is Urgency.HIGH else 1,
        due if due is not None else float("inf"),
        -lead.score,
        -entered.timestamp(),
        lead.lead_id,
    )


def matches(lead: Lead, search: str) -> bool:
    """Whether every word of the search is in the lead's name, e-mail or company (any case)."""
    profile = lead.profile
    haystack = " ".join(
        value
        for value in (
            profile.name,
            profile.first_name,
            profile.last_name,
            profile.email,
            profile.company,
        )
        if value
    ).casefold()
    return all(word in haystack for word in search.casefold().split())
