"""Load and validate the scoring rules file, so a typo fails at load with its line, not at 3 am.

The rules are compiled once (title patterns, domain sets) and are then read-only.
"""

from __future__ import annotations

import hashlib
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadwire.domain.errors import RulesError

if TYPE_CHECKING:
    import yaml

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yaml")


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StageRules(_Rules):
    mql: int = Field(gt=0)
    sql: int = Field(gt=0)
    demotion_margin: int = Field(ge=0)
    bant_min_known: int = Field(ge=0, le=4)
    hand_raise_min_fit: int
    # A hand-raise from a lead with at least that fit is an SQL on that event, whatever its
    # score (the seeds: a demo request is the sales-ready signal); off, it only lifts the
    # BANT gate for leads over the SQL threshold.
    hand_raise_makes_sql: bool = False
    # Fit rules that keep a lead out of SQL whatever it does (students, competitors).
    never_sql: list[str] = []
    rejected_cooldown_days: float = Field(default=90, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> StageRules:
        if self.mql >= self.sql:
            raise ValueError(f"mql threshold ({self.mql}) must be below sql ({self.sql})")
        return self


class SeniorityRule(_Rules):
    level: str
    points: int
    authority: bool = False
    titles: list[str] = []


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
    industries: dict[str, int] = {}
    countries: dict[str, int] = {}

    @cached_property
    def title_patterns(self) -> list[tuple[SeniorityRule, re.Pattern[str] | None]]:
        compiled: list[tuple[SeniorityRule, re.Pattern[str] | None]] = []
        for rule in self.seniority:
            words = "|".join(re.escape(t.lower()) for t in rule.titles)
            compiled.append((rule, re.compile(rf"\b(?:{words})\b") if words else None))
        return compiled


class ActionRule(_Rules):
    points: int
    cap: int | None = Field(default=None, ge=0)
    hand_raise: bool = False
    shows_need: bool = False  # the action itself states a need (a contact form's question)


class EngagementRules(_Rules):
    half_life_days: float = Field(gt=0)
    cap: int | None = Field(default=None, gt=0)
    actions: dict[str, ActionRule]


class ChatRules(_Rules):
    message_action: str
    pricing_action: str
    pricing_phrases: list[str] = []

    @cached_property
    def pricing_pattern(self) -> re.Pattern[str] | None:
        return _phrase_pattern(self.pricing_phrases)


class UrgencyRules(_Rules):
    """How urgent the prospect's decision is: an explicit short timeline, urgent words in
    their own message, or a hand-raise during an active conversation."""

    timeline_days: int = Field(ge=0)
    words_hours: float = Field(default=48, ge=0)
    conversation_minutes: float = Field(default=60, ge=0)
    hand_raise_hours: float = Field(ge=0)
    phrases: list[str] = []

    @cached_property
    def phrase_pattern(self) -> re.Pattern[str] | None:
        return _phrase_pattern(self.phrases)


class ScoringRules(_Rules):
    version: str = ""
    stages: StageRules
    fit: FitRules
    engagement: EngagementRules
    forms: dict[str, str]
    default_form_action: str
    chat: ChatRules
    urgency: UrgencyRules

    @model_validator(mode="after")
    def _actions_exist(self) -> ScoringRules:
        named = {
            **{f"forms.{form}": action for form, action in self.forms.items()},
            "default_form_action": self.default_form_action,
            "chat.message_action": self.chat.message_action,
            "chat.pricing_action": self.chat.pricing_action,
        }
        for where, action in named.items():
            if action not in self.engagement.actions:
                raise ValueError(f"{where}: action {action!r} is not in engagement.actions")
        return self

    def action(self, name: str) -> ActionRule:
        return self.engagement.actions[name]

    def with_thresholds(self, mql: int | None, sql: int | None) -> ScoringRules:
        """Deploy-time overrides of the thresholds; they show in the stamped version."""
        if mql is None and sql is None:
            return self
        stages = self.stages.model_copy(
            update={k: v for k, v in (("mql", mql), ("sql", sql)) if v is not None}
        )
        StageRules.model_validate(stages.model_dump())
        return self.model_copy(
            update={"stages": stages, "version": f"{self.version}+mql{stages.mql}-sql{stages.sql}"}
        )


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    words = "|".join(re.escape(p.lower()) for p in phrases)
    return re.compile(rf"\b(?:{words})\b") if words else None


def parse_rules(text: str, source: str = "<rules>") -> ScoringRules:
    """Validate rules text; errors name the source, the line and the field."""
    import yaml  # here: only a function that reads a rules file pays for the parser

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RulesError(f"{source}{line}: not valid YAML: {getattr(e, 'problem', e)}") from e
    if not isinstance(data, dict):
        raise RulesError(f"{source}: the rules file must be a mapping of sections")
    try:
        rules = ScoringRules.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = [p for p in err["loc"] if not isinstance(p, str) or "[" not in p]
            field = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{source}:{_line_of(root, loc)}: {field}: {err['msg']}")
        raise RulesError("\n".join(problems)) from e
    if not rules.version:
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        rules = rules.model_copy(update={"version": f"sha256:{digest}"})
    return rules


def load_rules(path: str | Path = DEFAULT_RULES_FILE) -> ScoringRules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(f"{path}: cannot read the rules file: {e.strerror}") from e
    return parse_rules(text, str(path))


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int:
    """The 1-based line of the deepest YAML node the error path reaches."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            match = node.value[key] if key < len(node.value) else None
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line
