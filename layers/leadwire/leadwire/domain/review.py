"""The quarterly review: how the scoring did over a period, judged by what sales did.

Takes the ledger (as the what-if does), replays each lead's history under the rules with
`replay.replay_lead`, and reports stages, MQL -> SQL conversion, time to SQL, sales'
acceptance, how often each scoring rule fired on accepted and on turned-down SQLs, and one
threshold change worth trying, with its what-if.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from textwrap import wrap

from leadwire.domain.models import Lead, LedgerEntry, Stage
from leadwire.domain.replay import WhatIf, compare, faded_to, histories_of, replay_lead
from leadwire.domain.rules import ScoringRules

MIN_FOR_LIFT = 5  # dispositions needed on each side before a rule's lift means anything
MIN_FOR_SUGGESTION = 5  # dispositioned SQLs needed before suggesting a threshold change
LOW_ACCEPTANCE = 0.5  # below: look for a higher SQL threshold that keeps rejects out
HIGH_ACCEPTANCE = 0.8  # at or above: the bar may be too high; try one step lower
THRESHOLD_STEP = 10
KEEP_ACCEPTED = 0.75  # a raised SQL threshold must still let this share of accepted SQLs in


@dataclass(frozen=True)
class Verdict:
    """Sales' disposition of a lead that was an SQL, with what the scoring knew then."""

    lead_id: str
    accepted: bool
    sql_score: int  # the score with which it became an SQL
    rules_fired: frozenset[str]  # every rule that gave it points (non-zero) up to then
    sql_fit: int = 0  # its fit then
    by_hand_raise: bool = False  # an SQL through the hand-raise gate (not the score's)


@dataclass(frozen=True)
class Suggestion:
    mql: int
    sql: int
    why: str
    hand_raise_min_fit: int | None = None  # a new fit floor for hand-raises, when that is it

    def applied_to(self, rules: ScoringRules) -> ScoringRules:
        """The rules with this change made (the what-if's candidate)."""
        changed = rules.with_thresholds(self.mql, self.sql)
        if self.hand_raise_min_fit is None:
            return changed
        stages = changed.stages.model_copy(update={"hand_raise_min_fit": self.hand_raise_min_fit})
        version = f"{changed.version}+fit{self.hand_raise_min_fit}"
        return changed.model_copy(update={"stages": stages, "version": version})


@dataclass
class Review:
    since: datetime
    until: datetime
    rules_version: str
    thresholds: tuple[int, int]
    hand_raise_min_fit: int = 0
    stages: Counter[Stage] = field(default_factory=Counter)
    dispositions: Counter[str] = field(default_factory=Counter)
    became_mql: int = 0
    mql_then_sql: int = 0
    straight_to_sql: int = 0
    days_to_sql: list[float] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    suggestion: Suggestion | None = None
    no_suggestion: str = ""
    whatif: WhatIf | None = None

    @property
    def leads(self) -> int:
        return sum(self.stages.values())

    @property
    def acceptance(self) -> float | None:
        total = sum(self.dispositions.values())
        return self.dispositions["accepted"] / total if total else None

    @property
    def conversion(self) -> float | None:
        return self.mql_then_sql / self.became_mql if self.became_mql else None

    def rule_counts(self) -> list[tuple[str, int, int]]:
        """(rule, fired on accepted SQLs, fired on rejected/recycled SQLs), most fired first."""
        accepted: Counter[str] = Counter()
        declined: Counter[str] = Counter()
        for verdict in self.verdicts:
            (accepted if verdict.accepted else declined).update(verdict.rules_fired)
        names = accepted.keys() | declined.keys()
        return sorted(
            ((name, accepted[name], declined[name]) for name in names),
            key=lambda row: (-(row[1] + row[2]), row[0]),
        )

    def lift(self, fired_accepted: int, fired_declined: int) -> str:
        """Share among accepted / share among turned down; n/a while either side is small."""
        n_accepted = sum(1 for v in self.verdicts if v.accepted)
        n_declined = len(self.verdicts) - n_accepted
        if n_accepted < MIN_FOR_LIFT or n_declined < MIN_FOR_LIFT:
            return "n/a"
        if fired_declined == 0:
            return "n/a" if fired_accepted == 0 else "accepted only"
        return f"{(fired_accepted / n_accepted) / (fired_declined / n_declined):.2f}"

    def report(self, limit: int | None = 20) -> str:
        mql, sql = self.thresholds
        days = (self.until - self.since) / timedelta(days=1)
        lines = [
            f"Quarterly review: {self.since:%Y-%m-%d %H:%M} to {self.until:%Y-%m-%d %H:%M} UTC "
            f"({days:.0f} days)",
            f"  rules: {self.rules_version} (mql {mql}, sql {sql})",
            "",
            f"Leads active in the period: {self.leads}  (stage at the end of the period)",
        ]
        lines += [f"  {stage.value:<4} {self.stages[stage]:>6}" for stage in Stage]
        conversion = self.conversion
        lines += [
            "",
            f"MQL -> SQL conversion: {_percent(conversion)}"
            + (
                f" ({self.mql_then_sql} of {self.became_mql} leads that became MQL)"
                if conversion is not None
                else " (no lead became MQL)"
            ),
            f"  leads that went straight from lead to SQL: {self.straight_to_sql}",
            "Median time from first touch to SQL: "
            + (
                f"{_duration(median(self.days_to_sql))} ({len(self.days_to_sql)} SQLs)"
                if self.days_to_sql
                else "n/a (no SQL in the period)"
            ),
            "",
        ]
        total = sum(self.dispositions.values())
        lines.append(
            f"SQL acceptance by sales: {_percent(self.acceptance)} ({total} dispositions: "
            + ", ".join(f"{kind} {self.dispositions[kind]}" for kind in _OUTCOMES)
            + ")"
        )
        n_accepted = sum(1 for v in self.verdicts if v.accepted)
        n_declined = len(self.verdicts) - n_accepted
        lines += [
            "",
            f"Rules on dispositioned SQLs: {n_accepted} accepted, {n_declined} rejected/recycled",
            "  (lift = share of accepted it fired on / share of the others it fired on;",
            f"   n/a with fewer than {MIN_FOR_LIFT} on either side)",
            f"  {'rule':<34} {'accepted':>9} {'declined':>9} {'lift':>13}",
        ]
        for name, fired_accepted, fired_declined in self.rule_counts():
            lines.append(
                f"  {name:<34} {fired_accepted:>9} {fired_declined:>9} "
                f"{self.lift(fired_accepted, fired_declined):>13}"
            )
        if not self.verdicts:
            lines.append("  (no SQL was dispositioned in the period)")
        lines += ["", "Suggested threshold change:"]
        if self.suggestion is None or self.whatif is None:
            lines += wrap(
                f"none: {self.no_suggestion}",
                width=96,
                initial_indent="  ",
                subsequent_indent="        ",
            )
        else:
            floor = self.suggestion.hand_raise_min_fit
            change = (
                f"  hand-raise fit floor {self.hand_raise_min_fit} -> {floor}"
                if floor is not None
                else f"  mql {mql} -> {self.suggestion.mql}, sql {sql} -> {self.suggestion.sql}"
            )
            lines += [
                change,
                *wrap(
                    f"why: {self.suggestion.why}",
                    width=96,
                    initial_indent="  ",
                    subsequent_indent="       ",
                ),
                "",
                f"What-if of the suggestion ({self.whatif.candidate_version}), whole history to "
                f"{self.until:%Y-%m-%d}:",
                *("  " + line for line in self.whatif.stage_change_lines(limit)),
            ]
        return "\n".join(lines)


_OUTCOMES = ("accepted", "rejected", "recycled")


def review(
    entries: Iterable[tuple[str, LedgerEntry]],
    rules: ScoringRules,
    since: datetime,
    until: datetime,
) -> Review:
    """The review of [since, until): every lead's history up to `until` replayed under `rules`."""
    kept = [(lead_id, entry) for lead_id, entry in entries if entry.at < until]
    histories, _ = histories_of(kept)
    result = Review(
        since=since,
        until=until,
        rules_version=rules.version,
        thresholds=(rules.stages.mql, rules.stages.sql),
        hand_raise_min_fit=rules.stages.hand_raise_min_fit,
    )
    for lead_id, history in histories.items():
        _review_lead(result, lead_id, history, rules)
    result.suggestion, result.no_suggestion = suggest(result, rules)
    if result.suggestion is not None:
        result.whatif = compare(kept, rules, result.suggestion.applied_to(rules), until)
    return result


def _review_lead(
    result: Review, lead_id: str, history: list[LedgerEntry], rules: ScoringRules
) -> None:
    def in_period(at: datetime) -> bool:
        return result.since <= at < result.until

    first_touch = next((e.at for e in history if e.event is not None), None)
    fired: set[str] = set()
    sql_score = sql_fit = 0
    by_hand_raise = False
    became_mql = converted = straight = False
    lead: Lead | None = None
    for step in replay_lead(history, rules):
        fired.update(
            name
            for name, points in step.outcome.entry.rules.items()
            if points and not name.startswith(("disposition.", "engagement."))
        )
        action = step.recorded.action
        if action.startswith("disposition.") and in_period(step.recorded.at):
            outcome = action.removeprefix("disposition.")
            result.dispositions[outcome] += 1
            if step.before is not None and step.before.stage is Stage.SQL:
                result.verdicts.append(
                    Verdict(
                        lead_id,
                        outcome == "accepted",
                        sql_score,
                        frozenset(fired),
                        sql_fit,
                        by_hand_raise,
                    )
                )
        for transition in step.outcome.transitions:
            if transition.to_stage is Stage.SQL:
                sql_score, sql_fit = step.outcome.lead.score, step.outcome.lead.fit
                by_hand_raise = transition.cause.startswith("hand-raise")
            if not in_period(transition.at):
                continue
            if transition.to_stage is Stage.MQL:
                became_mql = True
            elif transition.to_stage is Stage.SQL:
                converted = converted or became_mql
                straight = straight or transition.from_stage is Stage.LEAD
                if first_touch is not None:
                    result.days_to_sql.append((transition.at - first_touch) / timedelta(days=1))
        lead = step.outcome.lead
    result.became_mql += became_mql
    result.mql_then_sql += converted
    result.straight_to_sql += straight
    if lead is not None and any(in_period(e.at) for e in history):
        result.stages[faded_to(lead, rules, result.until).stage] += 1


def suggest(result: Review, rules: ScoringRules) -> tuple[Suggestion | None, str]:
    """One threshold change and why, or None and why not. Low acceptance: the lowest SQL
    threshold that would have kept out more turned-down SQLs than accepted ones. High
    acceptance: one step lower, to hand sales more of what it takes."""
    mql, sql = rules.stages.mql, rules.stages.sql
    verdicts = result.verdicts
    if len(verdicts) < MIN_FOR_SUGGESTION:
        return None, (
            f"{len(verdicts)} dispositioned SQLs in the period; at least {MIN_FOR_SUGGESTION} "
            "are needed to judge the thresholds"
        )
    accepted = sum(1 for v in verdicts if v.accepted)
    share = accepted / len(verdicts)
    said = f"sales accepted {accepted} of {len(verdicts)} SQLs ({share:.0%})"
    if share >= HIGH_ACCEPTANCE:
        new_sql = sql - THRESHOLD_STEP
        new_mql = mql if mql < new_sql else max(1, mql - THRESHOLD_STEP)
        if new_mql >= new_sql:
            return None, f"{said}, but the thresholds cannot go a step lower"
        return Suggestion(
            new_mql,
            new_sql,
            (
                f"{said}, at least {HIGH_ACCEPTANCE:.0%}: the SQL bar may be keeping good leads "
                f"waiting; one step ({THRESHOLD_STEP}) lower hands sales more of them"
            ),
        ), ""
    if share >= LOW_ACCEPTANCE:
        return None, (
            f"{said}, between {LOW_ACCEPTANCE:.0%} and {HIGH_ACCEPTANCE:.0%}: keep the thresholds"
        )
    declined_verdicts = [v for v in verdicts if not v.accepted]
    raised = [v for v in declined_verdicts if v.by_hand_raise]
    if len(raised) * 2 > len(declined_verdicts):
        return _fit_floor(result, rules, said)
    best = _best_cut(verdicts, lambda v: v.sql_score, sql)
    if best is None:
        return None, (
            f"{said}, below {LOW_ACCEPTANCE:.0%}, but the turned-down SQLs did not score lower "
            "than the accepted ones: no SQL threshold keeps them out and "
            f"{KEEP_ACCEPTED:.0%} of the accepted in (see the rules above)"
        )
    _, threshold, accepted_out = best
    declined_out = best[0] + accepted_out
    declined = len(verdicts) - accepted
    low = min(v.sql_score for v in verdicts if not v.accepted and v.sql_score < threshold)
    scores = f"score {low}" if low == threshold - 1 else f"scores {low}-{threshold - 1}"
    lowest_kept = min(v.sql_score for v in verdicts if v.accepted and v.sql_score >= threshold)
    why = (
        f"{said}, below {LOW_ACCEPTANCE:.0%}; {declined_out} of the {declined} rejected or "
        f"recycled SQLs became SQL at {scores}, just above the threshold ({sql}), while the "
        f"accepted ones it keeps scored {lowest_kept} or more; an SQL threshold of {threshold} "
        "would have kept those out"
    )
    why += f", and {accepted_out} accepted with them" if accepted_out else ", and no accepted one"
    return Suggestion(mql, threshold, why), ""


def _best_cut(
    verdicts: list[Verdict], value: Callable[[Verdict], int], bar: int
) -> tuple[int, int, int] | None:
    """The lowest new bar (over `value`, from `bar` up) that keeps out the most turned-down
    SQLs beyond accepted ones while letting KEEP_ACCEPTED of the accepted in: (declined kept
    out - accepted kept out, the bar, accepted kept out), or None when none does."""
    accepted = sum(1 for v in verdicts if v.accepted)
    best: tuple[int, int, int] | None = None
    for cut in sorted({value(v) + 1 for v in verdicts if value(v) >= bar}):
        declined_out = sum(1 for v in verdicts if not v.accepted and value(v) < cut)
        accepted_out = sum(1 for v in verdicts if v.accepted and value(v) < cut)
        gain = declined_out - accepted_out
        keeps_accepted = accepted - accepted_out >= KEEP_ACCEPTED * accepted
        if gain > 0 and keeps_accepted and (best is None or gain > best[0]):
            best = (gain, cut, accepted_out)
    return best


def _fit_floor(result: Review, rules: ScoringRules, said: str) -> tuple[Suggestion | None, str]:
    """Most turned-down SQLs came through the hand-raise gate: the lowest fit floor for a
    hand-raise that keeps out more of them than of the accepted ones (and most accepted in)."""
    floor = rules.stages.hand_raise_min_fit
    raised = [v for v in result.verdicts if v.by_hand_raise]
    best = _best_cut(raised, lambda v: v.sql_fit, floor)
    if best is None:
        return None, (
            f"{said}, below {LOW_ACCEPTANCE:.0%}, mostly hand-raises, but the turned-down ones "
            "had no lower fit than the accepted: no fit floor separates them (see the rules)"
        )
    gain, cut, accepted_out = best
    declined_out = gain + accepted_out
    low = min(v.sql_fit for v in raised if not v.accepted and v.sql_fit < cut)
    fits = f"fit {low}" if low == cut - 1 else f"fit {low}-{cut - 1}"
    kept = [v.sql_fit for v in raised if v.accepted and v.sql_fit >= cut]
    why = (
        f"{said}, below {LOW_ACCEPTANCE:.0%}; {declined_out} of the "
        f"{sum(1 for v in result.verdicts if not v.accepted)} rejected or recycled SQLs were "
        f"hand-raises from {fits}, near the fit floor ({floor})"
        + (f", while the accepted ones it keeps had fit {min(kept)} or more" if kept else "")
        + f"; a hand-raise fit floor of {cut} would have kept those out"
        + (f", and {accepted_out} accepted with them" if accepted_out else ", and no accepted one")
    )
    stages = rules.stages
    return Suggestion(stages.mql, stages.sql, why, hand_raise_min_fit=cut), ""


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.0%}"


def _duration(days: float) -> str:
    if days < 1 / 24:
        return f"{days * 24 * 60:.0f} minutes"
    return f"{days * 24:.1f} hours" if days < 1 else f"{days:.1f} days"


@dataclass(frozen=True)
class RepResponse:
    """How fast one rep acknowledged the SQLs they owned (minutes from when each became theirs:
    the alert, or the escalation that handed it over)."""

    rep: str
    owned: int
    acknowledged: int
    p50_minutes: float | None
    p90_minutes: float | None


@dataclass(frozen=True)
class ResponseReview:
    """The response clock over a period: SQLs whose clock started in it."""

    sqls: int
    acknowledged: int
    within_sla: int  # acknowledged before the first due, by the first owner
    escalations: int
    reps: list[RepResponse]

    @property
    def within_share(self) -> float | None:
        return self.within_sla / self.sqls if self.sqls else None

    def report(self) -> str:
        if not self.sqls:
            return "Response: no SQL had a response clock in the period (no routing section?)"
        share = self.within_share or 0.0
        lines = [
            f"Response: {self.sqls} SQLs with a clock, {self.acknowledged} acknowledged, "
            f"{self.within_sla} within their SLA ({share:.0%}), {self.escalations} escalations",
            "  rep            owned  acked  ack p50   ack p90",
        ]
        for r in self.reps:
            lines.append(
                f"  {r.rep[:14]:<14} {r.owned:>5}  {r.acknowledged:>5}  "
                f"{_minutes(r.p50_minutes):>7}   {_minutes(r.p90_minutes):>7}"
            )
        return "\n".join(lines)


def response_review(leads: Iterable[Lead], since: datetime, until: datetime) -> ResponseReview:
    """Time to acknowledge per rep (p50, p90), the share answered within the SLA, escalations:
    over the SQLs whose clock started between `since` and `until`."""
    clocked = [
        lead
        for lead in leads
        if lead.sla is not None and since <= lead.sla.started_at < until and lead.owner
    ]
    owned: Counter[str] = Counter()
    waits: dict[str, list[float]] = {}
    within = escalations = 0
    for lead in clocked:
        sla = lead.sla
        assert sla is not None and lead.owner is not None
        owner = lead.owner
        owned[owner] += 1
        escalations += len(sla.escalations)
        if sla.acknowledged_at is None:
            continue
        theirs_since = sla.escalations[-1].at if sla.escalations else sla.started_at
        minutes = (sla.acknowledged_at - theirs_since).total_seconds() / 60
        waits.setdefault(owner, []).append(minutes)
        within += not sla.escalations and sla.acknowledged_at <= sla.due
    reps = [
        RepResponse(
            rep=rep,
            owned=count,
            acknowledged=len(waits.get(rep, [])),
            p50_minutes=_percentile(waits.get(rep, []), 0.5),
            p90_minutes=_percentile(waits.get(rep, []), 0.9),
        )
        for rep, count in sorted(owned.items())
    ]
    acknowledged = sum(len(w) for w in waits.values())
    return ResponseReview(len(clocked), acknowledged, within, escalations, reps)


def _percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (a value that occurred; None without values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n * share), at least the first
    return ordered[int(rank) - 1]


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} min" if value < 120 else f"{value / 60:.1f} h"
