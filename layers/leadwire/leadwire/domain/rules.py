"""The scoring rules as scoring reads them, loaded from the rules file: validated by
leadwire.domain.rules_schema (so a typo fails at load with its line, not at 3 am), or, for a
file shipped with its compiled form beside it, read from that JSON without YAML or pydantic.

The rules are compiled once (title patterns, domain sets) and are then read-only.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import field
from datetime import time, timedelta
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from leadwire.domain.errors import RulesError
from leadwire.domain.models import BusinessHours
from leadwire.domain.records import Record

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yaml")
COMPILED_SUFFIX = ".compiled.json"  # beside the rules file: its validated form, and its digest

_Rules = Record


class StageRules(_Rules):
    mql: int
    sql: int
    demotion_margin: int
    bant_min_known: int
    hand_raise_min_fit: int
    # A hand-raise from a lead with at least that fit is an SQL on that event, whatever its
    # score (the seeds: a demo request is the sales-ready signal); off, it only lifts the
    # BANT gate for leads over the SQL threshold.
    hand_raise_makes_sql: bool = False
    # Fit rules that keep a lead out of SQL whatever it does (students, competitors).
    never_sql: list[str] = field(default_factory=list)
    rejected_cooldown_days: float = 90


class SeniorityRule(_Rules):
    level: str
    points: int
    authority: bool = False
    titles: list[str] = field(default_factory=list)


class SizeBand(_Rules):
    up_to: int | None
    points: int


class EmailRules(_Rules):
    business: int
    personal: int
    disposable: int
    competitor: int


class FitRules(_Rules):
    seniority: list[SeniorityRule]
    company_size: list[SizeBand]
    email: EmailRules
    personal_domains: frozenset[str] = frozenset()
    disposable_domains: frozenset[str] = frozenset()
    competitor_domains: frozenset[str] = frozenset()
    industries: dict[str, int] = field(default_factory=dict)
    countries: dict[str, int] = field(default_factory=dict)

    @cached_property
    def country_points(self) -> dict[str, tuple[str, int]]:
        """Countries by lower-case name, with the rule's name, for those that give points: one
        lookup per event, not a loop over the rules."""
        return _named_points("fit.country", self.countries)

    @cached_property
    def industry_points(self) -> dict[str, tuple[str, int]]:
        """Industries by lower-case name, as the form's value is matched ("IT Services")."""
        return _named_points("fit.industry", self.industries)

    @cached_property
    def size_bands(self) -> list[tuple[int | None, str, int]]:
        """The company-size bands in order, each with the name its points are explained by."""
        named = []
        for band in self.company_size:
            label = "larger" if band.up_to is None else f"up_to_{band.up_to}"
            named.append((band.up_to, f"fit.company_size.{label}", band.points))
        return named

    @cached_property
    def title_patterns(self) -> list[tuple[SeniorityRule, re.Pattern[str] | None]]:
        compiled: list[tuple[SeniorityRule, re.Pattern[str] | None]] = []
        for rule in self.seniority:
            words = "|".join(re.escape(t.lower()) for t in rule.titles)
            compiled.append((rule, re.compile(rf"\b(?:{words})\b") if words else None))
        return compiled


class ProfileRead(NamedTuple):
    """What a set of rules makes of one profile: its title's seniority rule, its fit points by
    rule and their sum, and the account it engages for."""

    seniority: SeniorityRule | None
    fit_rules: dict[str, int]
    fit: int
    account: str | None


class ActionRule(_Rules):
    points: int
    cap: int | None = None  # over the lead's life (for a negative
    # action: how far down it can take them)
    cap_per_day: int | None = None  # within one UTC day of the events
    hand_raise: bool = False
    shows_need: bool = False  # the action itself states a need (a contact form's question)


class EngagementRules(_Rules):
    half_life_days: float
    cap: int | None = None
    actions: dict[str, ActionRule]


class ChatRules(_Rules):
    message_action: str
    pricing_action: str
    pricing_phrases: list[str] = field(default_factory=list)

    @cached_property
    def pricing_pattern(self) -> re.Pattern[str] | None:
        return _phrase_pattern(self.pricing_phrases)


class BehaviourRules(_Rules):
    """Behaviour that site and e-mail tools report: what a page view, a tracked event or an
    e-mail activity is worth, and what counts as a visit."""

    # A visit (session) ends after this much inactivity (Segment's and GA's convention).
    session_minutes: float = 30
    page_action: str  # a page no pattern in `pages` names
    # The first visit on a new day, after a visit on an earlier one: "revisiting the site".
    return_visit_action: str
    activities: dict[str, str] = field(
        default_factory=dict
    )  # a tracked event's name or an e-mail activity -> action
    other_activity_action: str  # any other tracked event

    @cached_property
    def activity_actions(self) -> dict[str, str]:
        return {name.strip().lower(): action for name, action in self.activities.items()}


class AccountRules(_Rules):
    """People of one company (business e-mail domain) engaging together."""

    window_days: int = 7  # "engaged this week"
    surge_people: int = 3  # this many within the window: a surge


class UrgencyRules(_Rules):
    """How urgent the prospect's decision is: an explicit short timeline, urgent words in
    their own message, or a hand-raise during an active conversation."""

    timeline_days: int
    words_hours: float = 48
    conversation_minutes: float = 60
    hand_raise_hours: float
    phrases: list[str] = field(default_factory=list)

    @cached_property
    def phrase_pattern(self) -> re.Pattern[str] | None:
        return _phrase_pattern(self.phrases)

    @cached_property
    def windows(self) -> tuple[timedelta, timedelta, timedelta]:
        """How long urgent words, a hand-raise and a conversation last, as timedeltas (read
        on every event)."""
        return (
            timedelta(hours=self.words_hours),
            timedelta(hours=self.hand_raise_hours),
            timedelta(hours=self.conversation_minutes / 60),
        )


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Rep(_Rules):
    """A sales rep alerts can reach: at least one channel."""

    name: str
    email: str | None = None
    phone: str | None = None  # E.164, for SMS
    slack: str | None = None  # a member id


class SlaMinutes(_Rules):
    """Minutes sales has to acknowledge an SQL, by its urgency."""

    high: float
    normal: float


class HoursRules(_Rules):
    """A queue's business hours; its SLA clock runs only inside them."""

    timezone: str = "UTC"
    days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    start: time = time(9)
    end: time = time(17)

    def business_hours(self) -> BusinessHours:
        days = sorted({_WEEKDAYS.index(d.lower()) for d in self.days})
        return BusinessHours(timezone=self.timezone, days=days, start=self.start, end=self.end)


class QueueRules(_Rules):
    """Reps taking a queue's SQLs in turn, who is told when nobody answers, and how fast."""

    reps: list[str]
    manager: str | None = None  # a rep id: the last escalation
    sla_minutes: SlaMinutes
    hours: HoursRules | None = None  # None: the clock runs around the clock


class RouteRule(_Rules):
    """Send leads matching every given condition to `queue` (an absent condition matches)."""

    queue: str
    countries: list[str] = field(
        default_factory=list
    )  # the profile's country, as the form gives it (any case)
    territory: str | None = None  # a name in routing.territories: its list of countries
    min_employees: int | None = None  # the company size's employee count
    max_employees: int | None = None
    industries: list[str] = field(default_factory=list)


class RoutingRules(_Rules):
    """Who owns an SQL: ordered rules choose a queue from the profile, its reps take turns."""

    reps: dict[str, Rep]
    queues: dict[str, QueueRules]
    territories: dict[str, list[str]] = field(default_factory=dict)
    rules: list[RouteRule] = field(default_factory=list)
    default_queue: str

    @cached_property
    def territory_countries(self) -> dict[str, frozenset[str]]:
        return {
            name: frozenset(c.strip().lower() for c in countries)
            for name, countries in self.territories.items()
        }


class ScoringRules(_Rules):
    version: str = ""
    stages: StageRules
    fit: FitRules
    engagement: EngagementRules
    forms: dict[str, str]
    default_form_action: str
    chat: ChatRules
    urgency: UrgencyRules
    # Page path patterns (`*` any characters, case-insensitive) -> action; first match wins.
    pages: dict[str, str] = field(default_factory=dict)
    behaviour: BehaviourRules | None = None  # None: behaviour events score nothing
    accounts: AccountRules | None = None  # None: no account roll-up
    routing: RoutingRules | None = None  # None: no owners, every alert to the one topic

    def action(self, name: str) -> ActionRule:
        return self.engagement.actions[name]

    @cached_property
    def profile_reads(self) -> dict[tuple[object, ...], ProfileRead]:
        """Scoring's memo of what these rules make of a profile (by its fields' values;
        leadwire.domain.scoring fills it): a lead's events mostly repeat its profile. A copy
        of the rules starts its own."""
        return {}

    @cached_property
    def page_patterns(self) -> list[tuple[re.Pattern[str], str]]:
        return [
            (re.compile(fnmatch.translate(pattern.strip().lower())), action)
            for pattern, action in self.pages.items()
        ]

    def page_action(self, path: str | None) -> str | None:
        """The action a page view of `path` is: the first pattern that matches, else the
        behaviour's page action (None when the rules score no behaviour)."""
        lowered = (path or "/").lower()
        for pattern, action in self.page_patterns:
            if pattern.match(lowered):
                return action
        return self.behaviour.page_action if self.behaviour else None

    def with_thresholds(self, mql: int | None, sql: int | None) -> ScoringRules:
        """Deploy-time overrides of the thresholds; they show in the stamped version."""
        if mql is None and sql is None:
            return self
        stages = self.stages.model_copy(
            update={k: v for k, v in (("mql", mql), ("sql", sql)) if v is not None}
        )
        from leadwire.domain.rules_schema import check_stages  # only an override pays for it

        check_stages(stages.model_dump())
        return self.model_copy(
            update={"stages": stages, "version": f"{self.version}+mql{stages.mql}-sql{stages.sql}"}
        )


def _named_points(kind: str, points: dict[str, int]) -> dict[str, tuple[str, int]]:
    named = {}
    for name, value in points.items():
        lowered = name.strip().lower()
        if value:
            named[lowered] = (f"{kind}.{lowered}", value)
    return named


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    words = "|".join(re.escape(p.lower()) for p in phrases)
    return re.compile(rf"\b(?:{words})\b") if words else None


def parse_rules(text: str, source: str = "<rules>") -> ScoringRules:
    """Validate rules text; errors name the source, the line and the field."""
    from leadwire.domain.rules_schema import validated  # here: only a parse pays for pydantic

    return ScoringRules.model_validate(validated(text, source))


def load_rules(path: str | Path = DEFAULT_RULES_FILE) -> ScoringRules:
    """The rules in `path`: from its compiled form when one beside it was made from this very
    text (the shipped defaults: a cold start reads JSON), else parsed and validated."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(f"{path}: cannot read the rules file: {e.strerror}") from e
    compiled = _compiled(path, text)
    return compiled if compiled is not None else parse_rules(text, str(path))


def compiled_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".yaml") + COMPILED_SUFFIX)


def compile_rules(path: Path = DEFAULT_RULES_FILE) -> Path:
    """Write the validated rules beside their file, with the digest of the text they came
    from (a changed file is parsed again, never read stale)."""
    text = path.read_text(encoding="utf-8")
    rules = parse_rules(text, str(path))
    document = {"source_sha256": _digest(text), "rules": rules.model_dump(mode="json")}
    target = compiled_path(path)
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def _compiled(path: Path, text: str) -> ScoringRules | None:
    try:
        document = json.loads(compiled_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if document.get("source_sha256") != _digest(text):
        return None
    return ScoringRules.model_validate(document["rules"])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


if __name__ == "__main__":  # python -m leadwire.domain.rules: compile the shipped defaults
    print(f"wrote {compile_rules()}")
