"""What-if: replay every recorded event under a changed rules file, before deploying it.

Takes the ledger (the store reads it with a read-only Scan; each entry holds its event),
replays each lead's history in order under the current rules and under the candidate
rules with the pure scoring function, and reports what would change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from leadwire.domain.errors import DispositionNotAllowed
from leadwire.domain.models import DispositionOutcome, Lead, LedgerEntry, Stage
from leadwire.domain.rules import ScoringRules
from leadwire.domain.scoring import decay, dispose, score

_BUCKETS = [(-1000, 0), (0, 20), (20, 40), (40, 60), (60, 80), (80, 100), (100, 150), (150, 10**6)]


@dataclass
class Replay:
    """One rules file's replay of the whole history."""

    leads: dict[str, Lead] = field(default_factory=dict)
    alerted: set[str] = field(default_factory=set)


@dataclass
class WhatIf:
    current: Replay
    candidate: Replay
    current_version: str
    candidate_version: str
    events: int

    def stage_changes(self) -> Counter[tuple[str, str]]:
        changes: Counter[tuple[str, str]] = Counter()
        for lead_id, before in self.current.leads.items():
            after = self.candidate.leads[lead_id]
            if before.stage is not after.stage:
                changes[(before.stage.value, after.stage.value)] += 1
        return changes

    def distribution(self, replay: Replay) -> list[int]:
        return [
            sum(1 for lead in replay.leads.values() if low <= lead.score < high)
            for low, high in _BUCKETS
        ]

    def report(self, limit: int = 10) -> str:
        changes = self.stage_changes()
        lines = [
            f"What-if: {len(self.current.leads)} leads, {self.events} recorded events",
            f"  current rules:   {self.current_version}",
            f"  candidate rules: {self.candidate_version}",
            "",
            f"Leads that would change stage: {sum(changes.values())}",
        ]
        for (before, after), count in sorted(changes.items()):
            way = "up" if Stage(after).rank > Stage(before).rank else "down"
            lines.append(f"  {before:>4} -> {after:<4} {count:>6}  ({way})")
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


def replay(histories: dict[str, list[LedgerEntry]], rules: ScoringRules, now: datetime) -> Replay:
    """Each lead's events in order through `score`; dispositions as sales gave them; then
    the fade up to `now` (the daily decay)."""
    result = Replay()
    for lead_id, entries in histories.items():
        lead: Lead | None = None
        for entry in entries:
            if entry.event is not None:
                outcome = score(lead, entry.event, rules, entry.at)
            elif entry.action.startswith("disposition.") and lead is not None:
                kind = DispositionOutcome(entry.action.removeprefix("disposition."))
                try:
                    outcome = dispose(lead, kind, None, rules, entry.at, entry.event_id)
                except DispositionNotAllowed:
                    continue  # not applicable under these rules (e.g. accepted a non-SQL)
            else:
                continue  # decay entries: the fade is recomputed below
            if any(t.to_stage is Stage.SQL for t in outcome.transitions):
                result.alerted.add(lead_id)
            lead = outcome.lead
        if lead is None:
            continue
        faded = decay(lead, rules, now)
        result.leads[lead_id] = faded.lead if faded else lead
    return result


def compare(
    entries: Iterable[tuple[str, LedgerEntry]],
    current: ScoringRules,
    candidate: ScoringRules,
    now: datetime,
) -> WhatIf:
    histories: dict[str, list[LedgerEntry]] = defaultdict(list)
    count = 0
    for lead_id, entry in entries:
        histories[lead_id].append(entry)
        count += 1
    for history in histories.values():
        history.sort(key=lambda e: (e.at, e.event_id))
    return WhatIf(
        current=replay(histories, current, now),
        candidate=replay(histories, candidate, now),
        current_version=current.version,
        candidate_version=candidate.version,
        events=count,
    )
