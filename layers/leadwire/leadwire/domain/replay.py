"""What-if: replay every recorded event under a changed rules file, before deploying it.

Takes the ledger (the store reads it with a read-only Scan; each entry holds its event),
replays each lead's history in order under the current rules and under the candidate
rules with the pure scoring function, and reports what would change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from leadwire.domain.errors import DispositionNotAllowed
from leadwire.domain.models import DispositionOutcome, Lead, LedgerEntry, Outcome, Stage
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import decay, dispose, score

_BUCKETS = [(-1000, 0), (0, 20), (20, 40), (40, 60), (60, 80), (80, 100), (100, 150), (150, 10**6)]


@dataclass
class Replay:
    """One rules file's replay of the whole history."""

    leads: dict[str, Lead] = field(default_factory=dict)
    alerted: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Step:
    """One recorded ledger entry replayed: the lead before it and what it produced under the
    rules of the replay (the new lead, its own ledger entry, its stage transitions)."""

    recorded: LedgerEntry
    before: Lead | None
    outcome: Outcome


@dataclass(frozen=True)
class StageChange:
    """A lead whose stage differs between the current and the candidate replay."""

    lead_id: str
    before: Lead
    after: Lead


@dataclass
class WhatIf:
    current: Replay
    candidate: Replay
    current_version: str
    candidate_version: str
    events: int

    def stage_changes(self) -> Counter[tuple[str, str]]:
        return Counter((c.before.stage.value, c.after.stage.value) for c in self.changed_leads())

    def changed_leads(self) -> list[StageChange]:
        """Every lead that would change stage: furthest moves first, then by score, then id."""
        changed = [
            StageChange(lead_id, before, self.candidate.leads[lead_id])
            for lead_id, before in self.current.leads.items()
            if before.stage is not self.candidate.leads[lead_id].stage
        ]
        return sorted(
            changed,
            key=lambda c: (
                -abs(c.after.stage.rank - c.before.stage.rank),
                -c.after.score,
                c.lead_id,
            ),
        )

    def distribution(self, replay: Replay) -> list[int]:
        return [
            sum(1 for lead in replay.leads.values() if low <= lead.score < high)
            for low, high in _BUCKETS
        ]

    def report(self, limit: int | None = 20) -> str:
        """The what-if as text; `limit` leads are named per list (None: all of them)."""
        lines = [
            f"What-if: {len(self.current.leads)} leads, {self.events} recorded events",
            f"  current rules:   {self.current_version}",
            f"  candidate rules: {self.candidate_version}",
            "",
            *self.stage_change_lines(limit),
        ]
        lines += ["", "Score distribution        current  candidate"]
        for (low, high), now_count, new_count in zip(
            _BUCKETS,
            self.distribution(self.current),
            self.distribution(self.candidate),
            strict=True,
        ):
            label = (
                f"< {high}"
                if low == -1000
                else f">= {low}"
                if high == 10**6
                else f"{low}-{high - 1}"
            )
            lines.append(f"  {label:<22} {now_count:>8}  {new_count:>9}")
        gained = sorted(self.candidate.alerted - self.current.alerted)
        lost = sorted(self.current.alerted - self.candidate.alerted)
        lines += [
            "",
            f"Would alert sales under the candidate rules: {len(self.candidate.alerted)} "
            f"(current: {len(self.current.alerted)}); new alerts {len(gained)}, "
            f"no longer alerted {len(lost)}",
        ]
        for lead_id in gained[:limit]:
            lead = self.candidate.leads[lead_id]
            lines.append(f"  + {lead_id}  score {lead.score}  {lead.profile.company or ''}")
        for lead_id in lost[:limit]:
            lines.append(f"  - {lead_id}  score {self.candidate.leads[lead_id].score}")
        return "\n".join(lines)

    def stage_change_lines(self, limit: int | None = 20) -> list[str]:
        """How many leads would change stage, which way, and the first `limit` by name."""
        changes = self.stage_changes()
        lines = [f"Leads that would change stage: {sum(changes.values())}"]
        for (was, becomes), count in sorted(changes.items()):
            way = "up" if Stage(becomes).rank > Stage(was).rank else "down"
            lines.append(f"  {was:>4} -> {becomes:<4} {count:>6}  ({way})")
        changed = self.changed_leads()
        if changed:
            shown = changed if limit is None else changed[:limit]
            lines.append(f"  {'lead':<27}  {'stage':<12}  score")
            for c in shown:
                lines.append(
                    f"  {c.lead_id}  {c.before.stage.value:>4} -> {c.after.stage.value:<4}"
                    f"  {c.before.score:>4} -> {c.after.score}"
                )
            if len(shown) < len(changed):
                lines.append(f"  ... and {len(changed) - len(shown)} more (--all lists every one)")
        return lines


def histories_of(
    entries: Iterable[tuple[str, LedgerEntry]],
) -> tuple[dict[str, list[LedgerEntry]], int]:
    """Each lead's ledger in the order it happened, and how many entries there were."""
    histories: dict[str, list[LedgerEntry]] = defaultdict(list)
    count = 0
    for lead_id, entry in entries:
        histories[lead_id].append(entry)
        count += 1
    for history in histories.values():
        history.sort(key=lambda e: (e.at, e.event_id))
    return histories, count


def replay_lead(entries: list[LedgerEntry], rules: ScoringRules) -> Iterator[Step]:
    """One lead's entries in order through `score`; dispositions as sales gave them.

    Decay entries are skipped (the fade is recomputed from the time between events), and so
    is a disposition these rules make inapplicable (e.g. accepting a lead that is no SQL)."""
    lead: Lead | None = None
    for entry in entries:
        if entry.event is not None:
            outcome = score(lead, entry.event, rules, entry.at)
        elif entry.action.startswith("disposition.") and lead is not None:
            kind = DispositionOutcome(entry.action.removeprefix("disposition."))
            try:
                outcome = dispose(lead, kind, None, rules, entry.at, entry.event_id)
            except DispositionNotAllowed:
                continue
        else:
            continue
        yield Step(recorded=entry, before=lead, outcome=outcome)
        lead = outcome.lead


def faded_to(lead: Lead, rules: ScoringRules, now: datetime) -> Lead:
    """The lead as the daily decay would have left it at `now`."""
    faded = decay(lead, rules, now)
    return faded.lead if faded else lead


def replay(histories: dict[str, list[LedgerEntry]], rules: ScoringRules, now: datetime) -> Replay:
    """Each lead's history through `replay_lead`, then the fade up to `now` (the daily decay)."""
    result = Replay()
    for lead_id, entries in histories.items():
        lead: Lead | None = None
        for step in replay_lead(entries, rules):
            if any(t.to_stage is Stage.SQL for t in step.outcome.transitions):
                result.alerted.add(lead_id)
            lead = step.outcome.lead
        if lead is not None:
            result.leads[lead_id] = faded_to(lead, rules, now)
    return result


def compare(
    entries: Iterable[tuple[str, LedgerEntry]],
    current: ScoringRules,
    candidate: ScoringRules,
    now: datetime,
) -> WhatIf:
    histories, count = histories_of(entries)
    return WhatIf(
        current=replay(histories, current, now),
        candidate=replay(histories, candidate, now),
        current_version=current.version,
        candidate_version=candidate.version,
        events=count,
    )
