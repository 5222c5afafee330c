"""The quarterly review, pure: ledgers built by scoring events and sales' dispositions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadwire.domain.models import (
    Channel,
    DispositionOutcome,
    Escalation,
    Lead,
    LeadEvent,
    LedgerEntry,
    Profile,
    Sla,
    Stage,
)
from leadwire.domain.review import response_review, review
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import dispose, score

SINCE = datetime(2026, 9, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)
START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)

# fit 50 (C-level 25, more than 1000 employees 20, business email 5): webinar 65 (MQL),
# demo request 165 (SQL, a hand-raise from fit 50)
STRONG = {"job_title": "CEO", "company_size": "5000"}
# fit 25 (manager 10, up to 200 employees 10, business email 5): newsletter 35, webinar 50
# (MQL), demo request 150 (SQL, a hand-raise from fit 25, just over the floor of 20)
BORDERLINE = {"job_title": "Manager", "company_size": "120"}
# fit 25 (VP 20, business email 5), authority and need known: blog, two webinars, a contact
# form and an e-book make 95, an MQL just under the SQL threshold
RESEARCHER = {"job_title": "VP"}
RESEARCH = ["newsletter", "webinar", "webinar", "contact", "content-download"]

Entries = list[tuple[str, LedgerEntry]]


def lead_history(
    rules: ScoringRules,
    name: str,
    fields: dict[str, str],
    forms: list[str],
    start: datetime = START,
    outcome: DispositionOutcome | None = None,
) -> Entries:
    """The ledger of one lead: its forms ten minutes apart, then sales' outcome an hour on."""
    lead: Lead | None = None
    entries: Entries = []
    at = start
    for n, form in enumerate(forms):
        at = start + timedelta(minutes=10 * n)
        event = LeadEvent(
            event_id=f"json:{name}-{n}",
            provider="json",
            channel=Channel.FORM,
            form=form,
            occurred_at=at,
            profile=Profile(email=f"{name}@corp.example", **fields),
        )
        outcome_of_event = score(lead, event, rules, at)
        lead = outcome_of_event.lead
        entries.append((lead.lead_id, outcome_of_event.entry))
    if outcome is not None:
        assert lead is not None
        verdict = dispose(
            lead, outcome, None, rules, at + timedelta(hours=1), f"disposition:{name}"
        )
        entries.append((lead.lead_id, verdict.entry))
    return entries


def strong(rules: ScoringRules, name: str, outcome: DispositionOutcome | None = None) -> Entries:
    return lead_history(rules, name, STRONG, ["webinar", "demo-request"], outcome=outcome)


def borderline(
    rules: ScoringRules, name: str, outcome: DispositionOutcome | None = None
) -> Entries:
    forms = ["newsletter", "webinar", "demo-request"]
    return lead_history(rules, name, BORDERLINE, forms, outcome=outcome)


ACCEPTED, REJECTED, RECYCLED = (
    DispositionOutcome.ACCEPTED,
    DispositionOutcome.REJECTED,
    DispositionOutcome.RECYCLED,
)


def test_acceptance_is_accepted_over_every_disposition_in_the_period(rules):
    # Given 3 accepted, 1 rejected and 1 recycled SQL
    entries = [
        *strong(rules, "a1", ACCEPTED),
        *strong(rules, "a2", ACCEPTED),
        *strong(rules, "a3", ACCEPTED),
        *borderline(rules, "r1", REJECTED),
        *borderline(rules, "c1", RECYCLED),
    ]
    # When the quarter is reviewed
    result = review(entries, rules, SINCE, UNTIL)
    # Then acceptance is 3 / (3 + 1 + 1)
    assert result.dispositions == {"accepted": 3, "rejected": 1, "recycled": 1}
    assert result.acceptance == pytest.approx(0.6)
    assert "SQL acceptance by sales: 60% (5 dispositions: accepted 3, rejected 1, recycled 1)" in (
        result.report()
    )


def test_conversion_counts_leads_that_were_mql_and_became_sql(rules):
    # Given two MQLs that became SQL, one MQL that stayed, one straight to SQL, one lead
    entries = [
        *strong(rules, "s1"),
        *borderline(rules, "s2"),
        *lead_history(rules, "m1", STRONG, ["webinar"]),  # 65: still an MQL when faded
        *lead_history(rules, "d1", STRONG, ["demo-request"]),  # 50 + 60 = 110 at once
        *lead_history(rules, "n1", {}, ["newsletter"]),
    ]
    result = review(entries, rules, SINCE, UNTIL)
    assert (result.became_mql, result.mql_then_sql, result.straight_to_sql) == (3, 2, 1)
    assert result.conversion == pytest.approx(2 / 3)
    assert result.stages == {Stage.SQL: 3, Stage.MQL: 1, Stage.LEAD: 1}
    report = result.report()
    assert "MQL -> SQL conversion: 67% (2 of 3 leads that became MQL)" in report
    assert "  sql       3" in report and "  mql       1" in report


def test_median_time_to_sql_runs_from_the_first_touch(rules):
    # Given SQLs 10 minutes (strong: 2 forms) and 20 minutes (borderline: 3 forms) after
    # their first event, and one 3 days after it
    slow = lead_history(rules, "slow", STRONG, ["webinar"]) + lead_history(
        rules, "slow", STRONG, ["demo-request"], start=START + timedelta(days=3)
    )
    slow = [(slow[0][0], entry) for _, entry in slow]
    entries = [*strong(rules, "fast"), *borderline(rules, "mid"), *slow]
    result = review(entries, rules, SINCE, UNTIL)
    assert sorted(round(d * 24 * 60) for d in result.days_to_sql) == [10, 20, 3 * 24 * 60]
    assert "Median time from first touch to SQL: 20 minutes (3 SQLs)" in result.report()


def test_only_what_happened_in_the_period_is_counted(rules):
    # Given a lead accepted before the period and one accepted after it
    before = lead_history(
        rules, "old", STRONG, ["webinar", "demo-request"], SINCE - timedelta(days=9)
    )
    before.append((before[0][0], _disposition(rules, before, ACCEPTED, SINCE - timedelta(days=8))))
    after = lead_history(
        rules, "new", STRONG, ["webinar", "demo-request"], UNTIL + timedelta(days=1)
    )
    # When the period is reviewed
    result = review([*before, *after], rules, SINCE, UNTIL)
    # Then neither is counted: nothing of theirs happened between since and until
    assert result.leads == 0 and result.dispositions == {} and result.days_to_sql == []
    assert "n/a (no SQL in the period)" in result.report()


def _disposition(
    rules: ScoringRules, entries: Entries, outcome: DispositionOutcome, at: datetime
) -> LedgerEntry:
    from leadwire.domain.replay import histories_of, replay_lead

    histories, _ = histories_of(entries)
    *_, last = replay_lead(next(iter(histories.values())), rules)
    return dispose(last.outcome.lead, outcome, None, rules, at, "disposition:late").entry


def test_rules_are_counted_on_accepted_and_declined_sqls_with_lift(rules):
    # Given 5 accepted strong SQLs and 5 turned-down borderline ones
    entries: Entries = []
    for n in range(5):
        entries += strong(rules, f"a{n}", ACCEPTED)
        entries += borderline(rules, f"r{n}", REJECTED if n % 2 else RECYCLED)
    result = review(entries, rules, SINCE, UNTIL)
    counts = {name: (accepted, declined) for name, accepted, declined in result.rule_counts()}
    # Then each rule's firings are split by sales' verdict
    assert counts["action.demo_request"] == (5, 5)
    assert counts["fit.seniority.c_level"] == (5, 0)
    assert counts["fit.seniority.manager"] == (0, 5)
    assert counts["action.newsletter"] == (0, 5)
    assert not any(name.startswith("disposition.") for name in counts)
    assert result.lift(*counts["action.demo_request"]) == "1.00"
    assert result.lift(*counts["fit.seniority.c_level"]) == "accepted only"
    assert result.lift(*counts["fit.seniority.manager"]) == "0.00"
    assert "  fit.seniority.c_level                      5         0 accepted only" in (
        result.report()
    )


def test_lift_is_not_given_for_small_counts(rules):
    entries = [*strong(rules, "a", ACCEPTED), *borderline(rules, "r", REJECTED)]
    result = review(entries, rules, SINCE, UNTIL)
    assert all(result.lift(a, d) == "n/a" for _, a, d in result.rule_counts())
    assert "  action.demo_request                        1         1           n/a" in (
        result.report()
    )


def test_low_acceptance_of_low_fit_hand_raises_suggests_raising_the_fit_floor(rules):
    # Given 2 accepted SQLs from fit 50 and 4 rejected hand-raises from fit 25 (floor 20)
    entries: Entries = []
    for n in range(2):
        entries += strong(rules, f"a{n}", ACCEPTED)
    for n in range(4):
        entries += borderline(rules, f"r{n}", REJECTED)
    # And two borderline SQLs sales has not dispositioned yet
    entries += borderline(rules, "open1") + borderline(rules, "open2")
    # When reviewed
    result = review(entries, rules, SINCE, UNTIL)
    # Then the hand-raise fit floor is raised to the lowest fit that keeps the rejects out
    assert result.suggestion is not None
    assert result.suggestion.hand_raise_min_fit == 26
    assert (
        "4 of the 4 rejected or recycled SQLs were hand-raises from fit 25, near the fit floor "
        "(20), while the accepted ones it keeps had fit 50 or more"
    ) in result.suggestion.why
    # And its what-if: the open borderline SQLs would have stayed MQL (the rejected ones are
    # back in nurture either way)
    assert result.whatif is not None
    assert result.whatif.stage_changes() == {("sql", "mql"): 2}
    report = result.report()
    assert "hand-raise fit floor 20 -> 26" in report
    assert "Leads that would change stage: 2" in report and "sql -> mql       2  (down)" in report


def test_high_acceptance_suggests_one_step_lower(rules):
    # Given 5 accepted SQLs and a VP researching up to 95, an MQL
    entries: Entries = []
    for n in range(5):
        entries += strong(rules, f"a{n}", ACCEPTED)
    entries += lead_history(rules, "vp", RESEARCHER, RESEARCH)
    result = review(entries, rules, SINCE, UNTIL)
    # Then the SQL threshold is suggested a step lower, and the VP would be an SQL
    assert result.suggestion is not None
    assert (result.suggestion.mql, result.suggestion.sql) == (40, 90)
    assert "sales accepted 5 of 5 SQLs (100%)" in result.suggestion.why
    assert result.whatif is not None
    assert [(c.before.stage, c.after.stage) for c in result.whatif.changed_leads()] == [
        (Stage.MQL, Stage.SQL)
    ]


def test_middling_acceptance_or_too_few_dispositions_suggest_nothing(rules):
    few = review(strong(rules, "a", ACCEPTED), rules, SINCE, UNTIL)
    assert few.suggestion is None and "at least 5 are needed" in few.no_suggestion
    entries: Entries = []
    for n in range(3):
        entries += strong(rules, f"a{n}", ACCEPTED)
    for n in range(2):
        entries += borderline(rules, f"r{n}", REJECTED)
    middling = review(entries, rules, SINCE, UNTIL)
    assert middling.suggestion is None and "keep the thresholds" in middling.no_suggestion
    assert "Suggested threshold change:\n  none: sales accepted 3 of 5 SQLs (60%)" in (
        middling.report()
    )


def test_low_acceptance_where_scores_do_not_separate_suggests_nothing(rules):
    # Given accepted and rejected SQLs with the same score
    entries: Entries = []
    for n in range(5):
        entries += strong(rules, f"r{n}", REJECTED)
    entries += strong(rules, "a", ACCEPTED)
    result = review(entries, rules, SINCE, UNTIL)
    assert result.suggestion is None and "no fit floor separates them" in result.no_suggestion


def test_no_data_reviews_to_empty_counts():
    from leadwire.domain.rules import load_rules

    result = review([], load_rules(), SINCE, UNTIL)
    assert result.leads == 0 and result.acceptance is None and result.conversion is None
    assert "SQL acceptance by sales: n/a (0 dispositions" in result.report()


def clocked(n: int, owner: str, start, ack_after: float | None, escalated_at=None):
    """An SQL owned by `owner`, its clock started at `start` (due 5 minutes later),
    acknowledged `ack_after` minutes after it became theirs (None: never)."""
    escalations = [Escalation(at=escalated_at, to=owner, reason="late")] if escalated_at else []
    theirs = escalated_at or start
    sla = Sla(
        started_at=start,
        due=start + timedelta(minutes=5),
        acknowledged_at=theirs + timedelta(minutes=ack_after) if ack_after is not None else None,
        escalations=escalations,
    )
    return Lead.new(f"ld_{n:024x}", start).model_copy(update={"owner": owner, "sla": sla})


def test_response_review_gives_time_to_acknowledge_per_rep_and_the_share_within_sla(now):
    # Given ana answered in 1, 2, 3 ... 10 minutes, and ben never answered one that escalated
    # to carla, who answered 4 minutes after the escalation
    leads = [clocked(n, "ana", now, float(n)) for n in range(1, 11)]
    leads.append(clocked(11, "carla", now, 4.0, escalated_at=now + timedelta(minutes=5)))
    leads.append(clocked(12, "ben", now, None))
    result = response_review(leads, now - timedelta(days=1), now + timedelta(days=1))
    by_rep = {r.rep: r for r in result.reps}
    assert (by_rep["ana"].p50_minutes, by_rep["ana"].p90_minutes) == (5.0, 9.0)
    assert by_rep["carla"].p50_minutes == 4.0  # from the escalation that made it hers
    assert (by_rep["ben"].acknowledged, by_rep["ben"].p50_minutes) == (0, None)
    # ana's 1..5 minute answers were within the 5-minute SLA; the escalated one was not
    assert (result.sqls, result.acknowledged, result.within_sla) == (12, 11, 5)
    assert result.escalations == 1
    text = result.report()
    assert "12 SQLs with a clock, 11 acknowledged, 5 within their SLA (42%), 1 escalations" in text
    assert "ana" in text and "5.0 min" in text and "9.0 min" in text


def test_response_review_outside_the_period_counts_nothing(now):
    result = response_review(
        [clocked(1, "ana", now, 1.0)], now + timedelta(days=1), now + timedelta(days=2)
    )
    assert result.sqls == 0 and "no SQL had a response clock" in result.report()
