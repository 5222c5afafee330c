"""The domain's vocabulary: leads, the events that score them, stages and transitions.

Frozen records (leadwire.domain.records), so the same types serialize to DynamoDB and to the
HTTP API (camelCase), and can never be changed in place by the pure scoring code.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import field
from datetime import date, datetime, time
from enum import StrEnum
from typing import ClassVar

from leadwire.domain.records import Record, RecordError, excluded

Frozen = Record  # the name the other domain modules know


class Stage(StrEnum):
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"

    @property
    def rank(self) -> int:
        return _STAGE_RANK[self]


_STAGE_RANK = {Stage.LEAD: 0, Stage.MQL: 1, Stage.SQL: 2}


class Urgency(StrEnum):
    NORMAL = "normal"
    HIGH = "high"


class Channel(StrEnum):
    FORM = "form"
    CHAT = "chat"
    # Behaviour a tool saw (a page view, a video watched, an e-mail clicked), not something
    # the person sent us: /webhooks/events/{provider}.
    EVENT = "event"


class Trust(StrEnum):
    """How far a source is believed: a signed provider proved who sent the delivery; an
    unsigned browser form (`html`) can be posted by anyone who knows an address."""

    VERIFIED = "verified"
    UNVERIFIED = "unverified"


class Profile(Frozen):
    """Who the lead is, as far as the forms and chats they sent have told us."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    company: str | None = None
    job_title: str | None = None
    company_size: str | None = None
    industry: str | None = None
    country: str | None = None
    phone: str | None = None
    # The company's web domain as a CDP's `group` call gives it (its `website`): the account
    # of someone whose own address says nothing (a personal one, or none yet).
    company_domain: str | None = None

    def updated_with(self, newer: Profile, keep: Collection[str] = ()) -> Profile:
        """What a later event says wins, except over the fields in `keep`; what it leaves
        out is kept."""
        mine = self.__dict__
        if newer.__dict__ == mine:
            return self  # the same profile again (a form filled in the same way)
        changes = {
            k: v
            for k, v in newer.__dict__.items()
            if v is not None and v != "" and v != mine[k] and k not in keep
        }
        return self.model_copy(update=changes) if changes else self  # unchanged: no copy

    def said(self) -> dict[str, str]:
        """The fields that hold a value (read from the instance: scored once per event)."""
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ""}

    @property
    def display_name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return full or self.name or "(no name)"

    @property
    def email_domain(self) -> str | None:
        return self.email.rsplit("@", 1)[1] if self.email and "@" in self.email else None


class LeadEvent(Frozen):
    """One form submission or chat message, normalized from whatever a provider sent."""

    event_id: str  # at most 300 characters
    provider: str
    channel: Channel
    form: str | None = None
    occurred_at: datetime
    visitor_id: str | None = None
    profile: Profile = Profile()
    budget: str | None = None
    timeline: str | None = None
    message: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    # For behaviour (Channel.EVENT): what they did, as the rules name it ("page", a tracked
    # event's name such as "Video Playback Completed", "email_click", "identify"), and for a
    # page view its path.
    activity: str | None = None
    page: str | None = None
    # Set by intake from the provider; unverified unless a signature was checked.
    trust: Trust = Trust.UNVERIFIED
    # Scored only for a lead we already have (an e-mail reply: anyone can write to the reply
    # address, and mail from strangers is not a lead); never stored.
    known_lead_only: bool = excluded(False)
    # Event ids this one repeats: recorded already, it is a duplicate (an unsigned form's
    # same content in the previous deduplication window).
    repeats_of: list[str] = field(default_factory=list)
    # What reading the delivery changed or dropped, in words (never the raw values of an
    # identity): "email: removed 1 zero-width character", "company: dropped, not text".
    normalized: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.event_id) > 300:
            raise RecordError("event_id: at most 300 characters")
        if not self.profile.email and not self.visitor_id:
            raise RecordError("an event needs an email or a visitor id")

    @property
    def email(self) -> str | None:
        return self.profile.email


# Invisible characters that make two addresses look the same and hash differently.
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")


def identity_email(email: str) -> str:
    """The one spelling of an address: NFKC (compatibility forms such as the Kelvin sign
    become their plain letters), zero-width characters removed, trimmed, lower-case."""
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", email)).strip().lower()


_LEAD_ID_PREFIX = "ld_"
_LEAD_ID_DIGITS = 24


def lead_id_for(email: str | None, visitor_id: str | None = None) -> str:
    """A stable id from the identity, so concurrent first events meet on one item.

    Hashed, so ids in URLs and logs do not reveal the address.
    """
    identity = f"email:{identity_email(email)}" if email else f"visitor:{visitor_id}"
    if not email and not visitor_id:
        raise ValueError("no identity")
    digest = hashlib.sha256(identity.encode()).hexdigest()[:_LEAD_ID_DIGITS]
    return _LEAD_ID_PREFIX + digest


def is_lead_id(text: str) -> bool:
    """Whether `text` has the shape `lead_id_for` gives (anything else names no lead)."""
    digits = text.removeprefix(_LEAD_ID_PREFIX)
    return (
        text.startswith(_LEAD_ID_PREFIX)
        and len(digits) == _LEAD_ID_DIGITS
        and all(c in "0123456789abcdef" for c in digits)
    )


class Bant(Frozen):
    """Budget, authority, need, timeline: what sales needs known before taking a lead."""

    budget: str | None = None
    budget_amount: float | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    timeline_days: int | None = None

    _computed: ClassVar[tuple[str, ...]] = ("known",)

    @property
    def known(self) -> int:
        return sum(1 for v in (self.budget, self.authority, self.need, self.timeline) if v)


class DispositionOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RECYCLED = "recycled"


class Disposition(Frozen):
    """Sales' verdict on a lead they were handed: the feedback that tunes the rules."""

    outcome: DispositionOutcome
    reason: str | None = None  # at most 500 characters
    at: datetime

    def __post_init__(self) -> None:
        if self.reason is not None and len(self.reason) > 500:
            raise RecordError("reason: at most 500 characters")


class Transition(Frozen):
    from_stage: Stage
    to_stage: Stage
    cause: str
    event_id: str | None = None
    at: datetime


class LedgerEntry(Frozen):
    """What one event was worth, rule by rule: the explanation behind every point."""

    event_id: str
    provider: str
    action: str
    form: str | None = None
    points: int
    rules: dict[str, int]
    rules_version: str
    at: datetime
    # The normalized event itself, so a what-if can replay history under other rules.
    event: LeadEvent | None = None
    # What reading the delivery changed or dropped (the event's `normalized`).
    normalized: list[str] = field(default_factory=list)
    # The source's trust (None: not a delivery, e.g. decay or a disposition).
    trust: Trust | None = None


class DayPoints(Frozen):
    """Points an action earned on one UTC day (its per-day cap)."""

    day: date
    points: int


class Escalation(Frozen):
    """One time the response clock ran out: who was alerted next, and why."""

    at: datetime
    to: str  # the rep id (routing.reps) or manager the escalation alert went to
    reason: str


class BusinessHours(Frozen):
    """When a queue's clock runs: these weekdays, from `start` to `end` in `timezone` (an IANA
    name). Outside them an SLA waits; an alert still goes out at once."""

    timezone: str = "UTC"
    days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    start: time = time(9)
    end: time = time(17)


class Sla(Frozen):
    """The response clock an SQL alert starts: sales must acknowledge (open the link, or give a
    disposition) before `due`, or the lead escalates."""

    started_at: datetime
    due: datetime
    acknowledged_at: datetime | None = None
    escalations: list[Escalation] = field(default_factory=list)
    # What escalating needs, fixed when the clock starts (the sweeper never reads the rules
    # file): the clock's length, the queue's hours, and who is alerted next on each expiry.
    minutes: float | None = None
    hours: BusinessHours | None = None
    next: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # rep id -> name, for the alert text
    rules_version: str = ""


class Turn(Frozen):
    """A routing queue's round-robin counter as read: `seen` SQLs were given out before this
    one. The write that takes the turn sets it to seen + 1, and only while it is still `seen`,
    so two concurrent SQLs never share a turn nor skip one."""

    queue: str
    seen: int

    def __post_init__(self) -> None:
        if self.seen < 0:
            raise RecordError("seen: a turn count is never negative")


class AccountWindow(Frozen):
    """The account a person engages for, with the rules' window and surge size fixed when
    scored: the alert function and the sweeper tell sales about the account without reading
    the rules file."""

    domain: str
    window_days: int
    surge_people: int


MESSAGE_KEPT = 1000  # characters of the prospect's latest message kept on the lead


class Lead(Frozen):
    lead_id: str
    profile: Profile = Profile()
    # Profile fields (and budget, timeline) a verified source set: an unverified event cannot
    # change them.
    verified_fields: list[str] = field(default_factory=list)
    visitor_ids: list[str] = field(default_factory=list)
    stage: Stage = Stage.LEAD
    fit: int = 0
    fit_rules: dict[str, int] = field(default_factory=dict)
    # Engagement as of `engaged_at`; it fades with the rules' half-life from then on.
    engagement: float = 0.0
    engaged_at: datetime | None = None
    action_points: dict[str, int] = field(default_factory=dict)
    # The latest day each capped-per-day action scored, and its points that day.
    day_points: dict[str, DayPoints] = field(default_factory=dict)
    # Visits to the site (a visit ends after the rules' inactivity), when the latest began,
    # and the latest site activity.
    visits: int = 0
    visit_started_at: datetime | None = None
    last_seen_at: datetime | None = None
    bant: Bant = Bant()
    urgency: Urgency = Urgency.NORMAL
    urgency_reasons: list[str] = field(default_factory=list)  # why it is high (empty when normal)
    last_action: str | None = None
    last_hand_raise_at: datetime | None = None
    urgent_said_at: datetime | None = None
    urgent_words: str | None = None  # the urgent phrase they used, for the reason
    last_chat_at: datetime | None = None  # their latest chat message (an active conversation)
    transitions: list[Transition] = field(default_factory=list)
    # When the lead entered its current stage: lists are newest first by it.
    stage_at: datetime | None = None
    disposition: Disposition | None = None
    # What the prospect last wrote (a form's message, a chat line), capped; shown to sales.
    message: str | None = None
    message_at: datetime | None = None
    # The rep who owns the lead (an id in the rules' routing.reps) and the queue that chose
    # them; set in the transaction that makes the lead an SQL.
    owner: str | None = None
    queue: str | None = None
    # The UTC day the person last counted as engaged for their account (once a day at most).
    account_noted_on: date | None = None
    account_window: AccountWindow | None = None  # None: no account (or no accounts section)
    sla: Sla | None = None
    # After sales rejects a lead, it cannot become an SQL again before this moment.
    requalify_after: datetime | None = None
    events: int = 0
    created_at: datetime
    updated_at: datetime
    # Optimistic-locking counter: every stored change bumps it by one.
    version: int = 0

    _computed: ClassVar[tuple[str, ...]] = ("score", "email")

    @property
    def score(self) -> int:
        return round(self.fit + self.engagement)

    @property
    def email(self) -> str | None:
        return self.profile.email

    @classmethod
    def new(cls, lead_id: str, now: datetime) -> Lead:
        return cls(lead_id=lead_id, created_at=now, updated_at=now, stage_at=now)


class Outcome(Frozen):
    """What scoring one event produced: the new lead, its ledger entry, its stage changes."""

    lead: Lead
    entry: LedgerEntry
    transitions: list[Transition] = field(default_factory=list)
    # The account (business e-mail domain) this event counts the person as engaged for.
    engaged_account: str | None = None
