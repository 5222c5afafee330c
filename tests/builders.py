"""The people and events several test modules build the same way."""

from __future__ import annotations

from datetime import datetime

from leadwire.domain.models import Channel, Lead, LeadEvent, Profile
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import score

# A good-fit buyer: a CEO of an 800-person company, with a phone for the SMS.
CLEO = Profile(
    email="cleo@bigco.example",
    first_name="Cleo",
    last_name="Martin",
    job_title="CEO",
    company="BigCo",
    company_size="800",
    phone="+1 555 010 4242",
)


def sql_event(
    now: datetime, n: int = 1, profile: Profile = CLEO, message: str | None = None
) -> LeadEvent:
    """A demo request with budget and a two-week timeline: an SQL on its first touch. The n-th
    person (n > 1) is another Cleo at the same company."""
    if n > 1:
        profile = profile.model_copy(update={"email": f"cleo{n}@bigco.example"})
    return LeadEvent(
        event_id=f"json:{n}",
        provider="json",
        channel=Channel.FORM,
        form="demo-request",
        occurred_at=now,
        profile=profile,
        budget="$200k",
        timeline="2 weeks",
        message=message,
    )


def sql_lead(rules: ScoringRules, now: datetime, n: int = 1, **event: object) -> Lead:
    """The lead that event scores into, as stored once (version 1)."""
    scored = score(None, sql_event(now, n, **event), rules, now)  # type: ignore[arg-type]
    return scored.lead.model_copy(update={"version": 1})
