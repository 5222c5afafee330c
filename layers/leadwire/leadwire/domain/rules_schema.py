"""The rules file's schema: pydantic models that validate a parsed YAML file and place every
problem on its line and field, so a typo fails at load, not at 3 am.

Only parsing a rules file imports this (and pydantic, and YAML); scoring reads the validated
values as leadwire.domain.rules' records, which a cold start loads from their compiled JSON.
"""

from __future__ import annotations

import difflib
import hashlib
from datetime import time
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadwire.domain.errors import RulesError

if TYPE_CHECKING:
    import yaml


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


class ActionRule(_Rules):
    points: int
    cap: int | None = Field(default=None, ge=0)  # over the lead's life (for a negative
    # action: how far down it can take them)
    cap_per_day: int | None = Field(default=None, ge=0)  # within one UTC day of the events
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


class BehaviourRules(_Rules):
    """Behaviour that site and e-mail tools report: what a page view, a tracked event or an
    e-mail activity is worth, and what counts as a visit."""

    # A visit (session) ends after this much inactivity (Segment's and GA's convention).
    session_minutes: float = Field(default=30, gt=0)
    page_action: str  # a page no pattern in `pages` names
    # The first visit on a new day, after a visit on an earlier one: "revisiting the site".
    return_visit_action: str
    activities: dict[str, str] = {}  # a tracked event's name or an e-mail activity -> action
    other_activity_action: str  # any other tracked event


class AccountRules(_Rules):
    """People of one company (business e-mail domain) engaging together."""

    window_days: int = Field(default=7, ge=1, le=90)  # "engaged this week"
    surge_people: int = Field(default=3, ge=2)  # this many within the window: a surge


class UrgencyRules(_Rules):
    """How urgent the prospect's decision is: an explicit short timeline, urgent words in
    their own message, or a hand-raise during an active conversation."""

    timeline_days: int = Field(ge=0)
    words_hours: float = Field(default=48, ge=0)
    conversation_minutes: float = Field(default=60, ge=0)
    hand_raise_hours: float = Field(ge=0)
    phrases: list[str] = []


_E164 = r"^\+[1-9][0-9]{6,14}$"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Rep(_Rules):
    """A sales rep alerts can reach: at least one channel."""

    name: str = Field(min_length=1)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=_E164)  # E.164, for SMS
    slack: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,}$")  # a member id

    @model_validator(mode="after")
    def _reachable(self) -> Rep:
        if not (self.email or self.phone or self.slack):
            raise ValueError("a rep needs at least one channel: email, phone or slack")
        return self


class SlaMinutes(_Rules):
    """Minutes sales has to acknowledge an SQL, by its urgency."""

    high: float = Field(gt=0)
    normal: float = Field(gt=0)


class HoursRules(_Rules):
    """A queue's business hours; its SLA clock runs only inside them."""

    timezone: str = "UTC"
    days: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    start: time = time(9)
    end: time = time(17)

    @model_validator(mode="after")
    def _valid(self) -> HoursRules:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {self.timezone!r}") from e
        wrong = [d for d in self.days if d.lower() not in _WEEKDAYS]
        if wrong or not self.days:
            raise ValueError(f"days must be some of {', '.join(_WEEKDAYS)}, not {wrong or '[]'}")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class QueueRules(_Rules):
    """Reps taking a queue's SQLs in turn, who is told when nobody answers, and how fast."""

    reps: list[str] = Field(min_length=1)
    manager: str | None = None  # a rep id: the last escalation
    sla_minutes: SlaMinutes
    hours: HoursRules | None = None  # None: the clock runs around the clock


class RouteRule(_Rules):
    """Send leads matching every given condition to `queue` (an absent condition matches)."""

    queue: str
    countries: list[str] = []  # the profile's country, as the form gives it (any case)
    territory: str | None = None  # a name in routing.territories: its list of countries
    min_employees: int | None = Field(default=None, ge=0)  # the company size's employee count
    max_employees: int | None = Field(default=None, ge=0)
    industries: list[str] = []


class RoutingRules(_Rules):
    """Who owns an SQL: ordered rules choose a queue from the profile, its reps take turns."""

    reps: dict[str, Rep] = Field(min_length=1)
    queues: dict[str, QueueRules] = Field(min_length=1)
    territories: dict[str, list[str]] = {}
    rules: list[RouteRule] = []
    default_queue: str

    @model_validator(mode="after")
    def _names_exist(self) -> RoutingRules:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        queues, reps = list(self.queues), list(self.reps)
        for index, rule in enumerate(self.rules):
            if rule.queue not in self.queues:
                hint = _did_you_mean(rule.queue, queues)
                problems.append((("rules", index, "queue"), f"unknown queue {rule.queue!r}{hint}"))
            if rule.territory is not None and rule.territory not in self.territories:
                hint = _did_you_mean(rule.territory, list(self.territories))
                problems.append(
                    (
                        ("rules", index, "territory"),
                        f"unknown territory {rule.territory!r}{hint}",
                    )
                )
        if self.default_queue not in self.queues:
            hint = _did_you_mean(self.default_queue, queues)
            problems.append((("default_queue",), f"unknown queue {self.default_queue!r}{hint}"))
        for name, queue in self.queues.items():
            for index, rep in enumerate(queue.reps):
                if rep not in self.reps:
                    hint = _did_you_mean(rep, reps)
                    problems.append((("queues", name, "reps", index), f"unknown rep {rep!r}{hint}"))
            if queue.manager is not None and queue.manager not in self.reps:
                hint = _did_you_mean(queue.manager, reps)
                problems.append(
                    (("queues", name, "manager"), f"unknown rep {queue.manager!r}{hint}")
                )
        if problems:
            raise UnknownActions(problems)
        return self


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
    pages: dict[str, str] = {}
    behaviour: BehaviourRules | None = None  # None: behaviour events score nothing
    accounts: AccountRules | None = None  # None: no account roll-up
    routing: RoutingRules | None = None  # None: no owners, every alert to the one topic

    @model_validator(mode="after")
    def _actions_exist(self) -> ScoringRules:
        named: dict[tuple[str, ...], str] = {
            **{("forms", form): action for form, action in self.forms.items()},
            ("default_form_action",): self.default_form_action,
            ("chat", "message_action"): self.chat.message_action,
            ("chat", "pricing_action"): self.chat.pricing_action,
            **{("pages", pattern): action for pattern, action in self.pages.items()},
        }
        if (b := self.behaviour) is not None:
            named[("behaviour", "page_action")] = b.page_action
            named[("behaviour", "return_visit_action")] = b.return_visit_action
            named[("behaviour", "other_activity_action")] = b.other_activity_action
            for name, action in b.activities.items():
                named[("behaviour", "activities", name)] = action
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for where, action in named.items():
            if action not in self.engagement.actions:
                hint = _did_you_mean(action, list(self.engagement.actions))
                problems.append((where, f"action {action!r} is not in engagement.actions{hint}"))
        if problems:
            raise UnknownActions(problems)
        return self


class UnknownActions(ValueError):
    """Actions referenced (by a form, the default, chat) that engagement.actions lacks.

    Carries each reference's own path, so the error can name its line; a model validator's
    error otherwise points at the top of the file."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems))
        self.problems = problems


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validated(text: str, source: str = "<rules>") -> dict[str, Any]:
    """Rules text checked against the schema, as plain values (with its version: the file's,
    else the text's digest); errors name the source, the line and the field."""
    import yaml  # here: only a function that reads a rules file pays for the parser

    # libyaml's loader where the wheel has it (the layer's does); the node tree, for line
    # numbers, is built only when there is an error to place.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data: Any = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RulesError(f"{source}{line}: not valid YAML: {getattr(e, 'problem', e)}") from e
    if not isinstance(data, dict):
        raise RulesError(f"{source}: the rules file must be a mapping of sections")
    try:
        rules = ScoringRules.model_validate(data)
    except ValidationError as e:
        root = yaml.compose(text, Loader=loader)
        problems = [f"{source}:{line}: {where}" for line, where in _problems(e, root)]
        raise RulesError("\n".join(problems)) from e
    if not rules.version:
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        rules = rules.model_copy(update={"version": f"sha256:{digest}"})
    return rules.model_dump()


def check_stages(stages: dict[str, Any]) -> None:
    """Raise pydantic's ValidationError when stage thresholds break the schema (overrides)."""
    StageRules.model_validate(stages)


def _problems(error: ValidationError, root: yaml.Node | None) -> list[tuple[int, str]]:
    """(line, "field: message") per validation error, in file order.

    An unknown key (a typo: `pionts: 10`) is named with its own line and the key it was
    probably meant to be; the "Field required" for that key is then left out as noise."""
    found: list[tuple[int, list[Any], str]] = []
    unknown: list[tuple[list[Any], str]] = []
    missing: set[tuple[str, ...]] = set()
    for err in error.errors():
        loc = [p for p in err["loc"] if not isinstance(p, str) or "[" not in p]
        if err["type"] == "extra_forbidden" and loc:
            unknown.append((loc, str(loc[-1])))
        elif err["type"] == "missing":
            missing.add(tuple(str(p) for p in loc))
            found.append((_line_of(root, loc), loc, err["msg"]))
        elif isinstance(cause := err.get("ctx", {}).get("error"), UnknownActions):
            for where, msg in cause.problems:
                found.append((_line_of(root, [*loc, *where]), [*loc, *where], msg))
        else:
            found.append((_line_of(root, loc), loc, err["msg"]))
    meant_for: set[tuple[str, ...]] = set()
    for loc, key in unknown:
        fields = _fields_at(loc[:-1])
        wanted = [f for f in fields if (*map(str, loc[:-1]), f) in missing] + fields
        close = difflib.get_close_matches(key, wanted, n=1)
        if close:
            meant_for.add((*map(str, loc[:-1]), close[0]))
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        found.append((_line_of(root, loc), loc, f"unknown key {key!r}{hint}"))
    return [
        (line, f"{'.'.join(str(p) for p in loc) or '(top level)'}: {msg}")
        for line, loc, msg in sorted(found, key=lambda f: f[0])
        if not (msg == "Field required" and tuple(str(p) for p in loc) in meant_for)
    ]


def _fields_at(loc: list[Any]) -> list[str]:
    """The field names the rules model allows at a path (e.g. an action rule's)."""
    shape: Any = ScoringRules
    for step in loc:
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            key = str(step)
            if key not in shape.model_fields:
                return []
            shape = shape.model_fields[key].annotation
        elif get_origin(shape) in (dict, list):
            shape = get_args(shape)[-1]  # a dict's values, a list's items
        else:
            return []
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return list(shape.model_fields)
    return []


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int:
    """The 1-based line of the deepest YAML node the error path reaches: the key's own line
    for a mapping entry (where a reader looks), the item's for a list entry."""
    import yaml

    line = node.start_mark.line + 1 if node is not None else 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            match, mark = (pair[1], pair[0].start_mark) if pair else (None, None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            match = node.value[key] if key < len(node.value) else None
            mark = match.start_mark if match is not None else None
        else:
            match = mark = None
        if match is None or mark is None:
            break
        node = match
        line = mark.line + 1
    return line
