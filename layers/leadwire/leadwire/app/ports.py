"""What the use cases need from the outside, as protocols: storage, the alert outbox, a
publisher, the SMS budget, signing secrets and a clock. The adapters live in `leadwire.aws`
(and `tests/fakes.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a function imports the domain modules it uses itself
    from leadwire.domain.alert_text import Alert
    from leadwire.domain.models import Lead, LedgerEntry, Outcome, Stage, Turn
    from leadwire.domain.outbox import Addressee, OwedAlert, PendingAlert

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The system clock (the use cases take any Clock; tests pass a fixed one)."""
    return datetime.now(UTC)


class LeadStore(Protocol):
    def load(self, lead_id: str) -> Lead | None:
        """The lead, following an anonymous visitor's alias to the lead it was merged into."""
        ...

    def record(
        self,
        outcome: Outcome,
        expected_version: int,
        absorbed: Lead | None = None,
        link: str | None = None,
        alert: OwedAlert | None = None,
        turn: Turn | None = None,
    ) -> Lead:
        """Write the ledger entry and the lead at once (and fold an absorbed visitor's lead
        into it, or point a visitor id not seen before at it, put the alert the change owes
        sales in the outbox, and take the routing queue's turn); DuplicateEvent /
        VersionConflict (also when the visitor id to link turned up meanwhile, or another SQL
        took the turn)."""
        ...

    def turns(self, queue: str) -> int:
        """How many SQLs the routing queue has given out (its round-robin counter)."""
        ...

    def clocks_due(self, now: datetime, limit: int) -> list[str]:
        """Lead ids of SQLs whose response clock ran out unanswered by `now` and that can
        still escalate, longest overdue first."""
        ...

    def ledger(self, lead_id: str) -> list[LedgerEntry]: ...

    def list_leads(
        self, stage: Stage | None = None, limit: int = 25, cursor: str | None = None
    ) -> tuple[list[Lead], str | None]: ...

    def erase(self, lead_id: str) -> int:
        """Delete everything stored about the lead (its pending alerts with the profile, at
        once); how many items went."""
        ...

    def engaged_for(self, domain: str, since: datetime) -> list[tuple[Lead, datetime]]:
        """The people who engaged for an account (business domain) since then, with when."""
        ...

    def engaged_people(self, domain: str, since: datetime) -> dict[str, datetime]:
        """Who engaged for an account since then (lead id -> when), without their leads."""
        ...

    def all_ledger_entries(self) -> Iterator[tuple[str, LedgerEntry]]:
        """Every ledger entry with its lead id (the what-if replay's input)."""
        ...


class AlertOutbox(Protocol):
    def claim(self, lead_id: str, version: int, now: datetime) -> PendingAlert | None:
        """The pending alert, now held by this caller for the lease; None when there is
        nothing to send (sent, skipped, erased); AlertInFlight when another caller holds it."""
        ...

    def record_sms(self, lead_id: str, version: int, sms: bool) -> None:
        """Remember the SMS budget's answer, so a retry does not ask (and spend) again."""
        ...

    def record_published(self, lead_id: str, version: int, message_id: str) -> None:
        """E-mail and SMS went (SNS took it): a retry for another channel never sends them
        again."""
        ...

    def record_slack_failure(self, lead_id: str, version: int, tries: int) -> None:
        """Slack did not take it (`tries` failures so far): the claim is given up, the alert
        stays pending for the sweeper."""
        ...

    def mark_sent(
        self, lead_id: str, version: int, message_id: str, now: datetime, slack: str = "off"
    ) -> None:
        """Every channel is done (`slack`: sent, off or failed): off the pending index."""
        ...

    def mark_skipped(self, lead_id: str, version: int, reason: str, now: datetime) -> None: ...

    def release(self, lead_id: str, version: int) -> None:
        """Give the claim up after a failed publish: the next try need not wait for the lease."""
        ...

    def overdue(self, created_before: datetime, limit: int) -> list[tuple[str, int]]:
        """(lead id, version) of pending alerts created before then, oldest first."""
        ...


class SmsBudget(Protocol):
    def take(self, now: datetime) -> bool:
        """Count one SMS against this hour's and this day's budget; False when either is spent."""
        ...


class AlertPublisher(Protocol):
    def publish(self, alert: Alert, sms: bool = True, to: Addressee | None = None) -> str:
        """Send the alert (by SMS too when `sms`) to its addressee (everyone subscribed when
        None or without an owner); return the message id."""
        ...


class SlackPoster(Protocol):
    def configured(self) -> bool:
        """Whether an incoming-webhook URL is set (SlackUnavailable when it cannot be read)."""
        ...

    def post(self, message: dict[str, Any]) -> None:
        """Post a Block Kit message; SlackUnavailable when Slack did not take it."""
        ...


class SigningSecrets(Protocol):
    def for_provider(self, slug: str) -> list[str]:
        """The provider's accepted secrets (current first, then previous), [] when none."""
        ...


class FormGuardStore(Protocol):
    """What the html form's defences remember: posts per client per window, spent tokens."""

    def count_post(
        self, client: str, window_start: datetime, expires_at: datetime, limit: int
    ) -> bool:
        """Count one post by `client` (a keyed hash, never an address) in the window that
        starts at `window_start`, unless `limit` posts are counted there already: False,
        and nothing written."""
        ...

    def token_spent_on(self, nonce: str) -> str | None:
        """The event id a form token was spent on, None when it is unspent."""
        ...

    def spend_token(self, nonce: str, event_id: str, expires_at: datetime) -> str | None:
        """Mark a form token spent on `event_id`: None when it was unspent, else the event id
        it was spent on before (the same one for a double-click of one submission)."""
        ...
