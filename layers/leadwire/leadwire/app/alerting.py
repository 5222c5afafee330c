"""Alerting sales when a lead becomes sales-qualified, from the table's outbox.

The SQL transition writes its alert (pending) in the same transaction as the lead. Sending
it: claim it for a lease (a conditional write, so two senders never both send), read the lead
again (an erased lead, or one no longer SQL, is not alerted), ask the SMS budget once, publish,
mark it sent. The alert function does this for the stream record of the transition; the
sweeper for whatever is still pending after the lease, so nothing depends on the stream's
24 h retention or a dead-letter pointer. The duplicate window (SNS accepted, the mark did not
land): see README.

The text is rendered here, at send time, from the lead just read: with the signed link (the
key is read now) and the owner's name. Slack, when configured, goes after SNS and has its own
state: a Slack failure keeps the alert pending for the sweeper with SNS remembered as sent, so
it never blocks or repeats the e-mail and SMS, and never stops a sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from leadwire.app.lead_links import LeadLinks
from leadwire.app.locking import update_lead
from leadwire.app.ports import AlertOutbox, AlertPublisher, LeadStore, SlackPoster, SmsBudget
from leadwire.domain.accounts import account_line
from leadwire.domain.alert_text import Alert, render_alert
from leadwire.domain.errors import AlertInFlight, DuplicateEvent, SlackUnavailable
from leadwire.domain.models import Lead, Outcome, Urgency
from leadwire.domain.outbox import LEASE_SECONDS, SLACK_TRIES, PendingAlert, why_not_send
from leadwire.domain.sla import escalate

SWEEP_BATCH = 100  # pending alerts looked at per sweep (more wait for the next run)
SEND_RESERVE_MS = 25_000  # time one send may take (SNS timeouts and retries) and still finish


@dataclass(frozen=True)
class Alerting:
    """What sending an alert needs, passed in so tests can hand it fakes."""

    store: LeadStore
    outbox: AlertOutbox
    publisher: AlertPublisher
    budget: SmsBudget
    links: LeadLinks | None = None  # None: alerts carry no link
    slack: SlackPoster | None = None  # None: no Slack channel
    # The owner's name for a rep id (the rules' routing.reps); None shows the id itself.
    owner_name: Callable[[str], str | None] = lambda rep: None

    def render(self, lead: Lead, version: int, now: datetime, owed_at: datetime) -> Alert:
        """The alert's every text, with this alert's signed link: valid from when the alert
        was owed, so every channel and every retry of it (Slack's, an hour later) carries the
        same link."""
        link = self.links.for_alert(lead.lead_id, version, owed_at) if self.links else None
        owner = self.owner_name(lead.owner) if lead.owner else None
        return render_alert(lead, link, owner, self.account(lead, now))

    def account(self, lead: Lead, now: datetime) -> str | None:
        """Who else from the lead's company engaged lately, read now (one query)."""
        window = lead.account_window
        if window is None:
            return None
        since = now - timedelta(days=window.window_days)
        return account_line(lead, self.store.engaged_people(window.domain, since), now)


@dataclass(frozen=True)
class Delivery:
    status: Literal["sent", "skipped", "nothing", "in_flight"]
    message_id: str | None = None
    sms: bool = False  # went to the SMS subscription too
    over_budget: bool = False  # urgent, but the SMS budget was spent: e-mail only
    reason: str | None = None
    # Slack: sent, off (not configured), retry (pending for the sweeper), failed (given up).
    slack: str = "off"
    resent: bool = True  # SNS went now (False: only Slack was retried)


def send_pending(alerting: Alerting, lead_id: str, version: int, now: datetime) -> Delivery:
    """Send the outbox's alert for this lead version, once; what happened to it."""
    try:
        pending = alerting.outbox.claim(lead_id, version, now)
    except AlertInFlight:
        return Delivery("in_flight")  # its holder sends it, or the sweeper after the lease
    if pending is None:
        return Delivery("nothing")
    lead = alerting.store.load(lead_id)
    reason = why_not_send(lead)
    if reason is not None or lead is None:
        alerting.outbox.mark_skipped(lead_id, version, reason or "erased", now)
        return Delivery("skipped", reason=reason)
    try:
        alert = alerting.render(lead, version, now, owed_at=pending.created_at)
    except Exception:
        alerting.outbox.release(lead_id, version)  # the link key could not be read: retry
        raise
    message_id, sms, resent = pending.published, False, pending.published is None
    if message_id is None:
        sms = _sms_allowed(alerting, pending, now)
        try:
            message_id = alerting.publisher.publish(alert, sms=sms, to=pending.to)
        except Exception:
            alerting.outbox.release(lead_id, version)  # let the next try send it
            raise
    slack = _post_to_slack(alerting, pending, alert, message_id, resent)
    if slack == "retry":
        alerting.outbox.record_slack_failure(lead_id, version, pending.slack_tries + 1)
    else:
        alerting.outbox.mark_sent(lead_id, version, message_id, now, slack=slack)
    over_budget = resent and _wants_sms(pending) and not sms
    return Delivery("sent", message_id, sms, over_budget, slack=slack, resent=resent)


def _wants_sms(pending: PendingAlert) -> bool:
    """SMS for an urgent lead and for an escalation (an answer is overdue)."""
    return pending.alert.urgency is Urgency.HIGH or pending.to.kind == "escalation"


def _sms_allowed(alerting: Alerting, pending: PendingAlert, now: datetime) -> bool:
    """Wanted SMS go within the budget, asked once per alert (a retry reuses it)."""
    if not _wants_sms(pending):
        return False
    if pending.sms is None:
        sms = alerting.budget.take(now)
        alerting.outbox.record_sms(pending.lead_id, pending.version, sms)
        return sms
    return pending.sms


def _post_to_slack(
    alerting: Alerting, pending: PendingAlert, alert: Alert, message_id: str, resent: bool
) -> str:
    """Slack's state after trying it: sent, off, retry, or failed (a wrong webhook, or
    SLACK_TRIES failures: given up, so the alert leaves the outbox)."""
    if alerting.slack is None:
        return "off"
    try:
        if not alerting.slack.configured():
            return "off"
        if resent:  # SNS is done: from here on, only Slack is retried
            alerting.outbox.record_published(pending.lead_id, pending.version, message_id)
        alerting.slack.post(alert.slack)
    except SlackUnavailable as e:
        if e.retryable and pending.slack_tries + 1 < SLACK_TRIES:
            return "retry"
        return "failed"
    return "sent"


@dataclass
class Sweep:
    """One sweeper run: what it found and did."""

    found: int = 0
    sent: int = 0
    skipped: int = 0
    in_flight: int = 0
    over_budget: int = 0
    escalated: int = 0  # response clocks that ran out: the lead went to the next in line
    slack_retries: int = 0  # Slack failed again: pending for the next run (SNS not repeated)
    failed: str | None = None  # why the run stopped early (the next run tries again)
    deliveries: list[Delivery] = field(default_factory=list)

    def tally(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        self.sent += delivery.status == "sent" and delivery.resent
        self.skipped += delivery.status == "skipped"
        self.in_flight += delivery.status == "in_flight"
        self.over_budget += delivery.over_budget
        self.slack_retries += delivery.slack == "retry"

    def counts(self) -> dict[str, int | str | None]:
        return {
            "found": self.found,
            "sent": self.sent,
            "skipped": self.skipped,
            "inFlight": self.in_flight,
            "overBudget": self.over_budget,
            "escalated": self.escalated,
            "slackRetries": self.slack_retries,
            "failed": self.failed,
        }


def sweep_outbox(
    alerting: Alerting,
    now: datetime,
    time_left_ms: Callable[[], int] = lambda: SEND_RESERVE_MS * SWEEP_BATCH,
    limit: int = SWEEP_BATCH,
) -> Sweep:
    """Send what is still pending a lease after it was written, oldest first; stop at the first
    failure (SNS or the table is down: the next run tries again) or when time runs short."""
    run = Sweep()
    try:
        escalate_overdue(alerting, now, run, time_left_ms, limit)
    except Exception as e:  # the table or SNS is down: the clocks stay due for the next run
        run.failed = type(e).__name__
        return run
    overdue = alerting.outbox.overdue(now - timedelta(seconds=LEASE_SECONDS), limit)
    run.found = len(overdue)
    for lead_id, version in overdue:
        if time_left_ms() < SEND_RESERVE_MS:
            break  # the rest wait for the next run
        try:
            delivery = send_pending(alerting, lead_id, version, now)
        except Exception as e:  # any failure: stop this run, keep the alert pending
            run.failed = type(e).__name__
            break
        run.tally(delivery)
    return run


def escalate_overdue(
    alerting: Alerting,
    now: datetime,
    run: Sweep,
    time_left_ms: Callable[[], int],
    limit: int = SWEEP_BATCH,
    attempts: int = 5,
) -> None:
    """Escalate every SQL whose clock ran out unanswered, and send each escalation's alert at
    once (through the outbox: an alert that fails stays pending for the next sweep).

    Concurrent sweeps cannot escalate one expiry twice: the lead is re-read inside the locking
    loop (escalated already: not due any more), and the escalation's ledger id is the same for
    both, so the second write is a duplicate."""
    for lead_id in alerting.store.clocks_due(now, limit):
        if time_left_ms() < SEND_RESERVE_MS:
            return

        def change(lead: Lead | None) -> Outcome | None:
            return escalate(lead, now) if lead is not None else None

        try:
            outcome = update_lead(alerting.store, lead_id, change, attempts)
        except DuplicateEvent:
            continue  # another sweep escalated it
        if outcome is None:
            continue
        run.escalated += 1
        run.tally(send_pending(alerting, lead_id, outcome.lead.version, now))
