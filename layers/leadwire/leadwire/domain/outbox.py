"""The alert outbox: an alert written with the SQL transition, sent later (at least once).

Pure: what a pending alert holds and whether it is still wanted when its turn comes. The
store keeps it next to the lead (erasure takes both); the alert function and the sweeper
send it. The item holds what rendering needs, not the text: the text is rendered when the
alert is sent, from the lead read again then, because its signed link needs the link key
(which only the senders read) and the lead's latest message belongs in it.

Each channel has its own state on the item: SNS (e-mail and SMS) is sent once and remembered
(`published`), so a failing Slack is retried on its own and never repeats the e-mail or SMS.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from leadwire.domain.models import Frozen, Lead, Outcome, Stage, Urgency
from leadwire.domain.sla import is_escalation

LEASE_SECONDS = 120  # a claim outlives any sender (the alert function's timeout is 30 s)
SENT_KEPT_DAYS = 30  # sent or skipped items stay this long (TTL), then DynamoDB drops them
SLACK_TRIES = 12  # Slack failing this often (an hour of sweeps) is given up on, and logged


class OwedAlert(Frozen):
    """What an alert in the outbox is owed for: `kind` says which text it gets ("sql": the
    lead has just become sales-qualified; other kinds, such as an escalation, add their own
    fields). Items written before the text moved to send time carry subject and message too:
    ignored."""

    kind: Literal["sql", "escalation"] = "sql"
    lead_id: str
    stage: Stage
    urgency: Urgency


class Addressee(Frozen):
    """Who an alert is for: the publisher addresses it by these (the words are alert_text's).
    No owner (rules without routing): every subscription takes it, as before routing."""

    kind: Literal["sql", "escalation"] = "sql"
    owner: str | None = None  # a rep id in the rules' routing.reps
    queue: str | None = None


class PendingAlert(Frozen):
    """One SQL transition's alert as the outbox holds it, keyed by lead id and version."""

    lead_id: str
    version: int
    alert: OwedAlert
    created_at: datetime
    sms: bool | None = None  # the SMS budget's answer, once asked (asked once per alert)
    published: str | None = None  # SNS's message id once e-mail / SMS went (never again)
    slack_tries: int = 0  # failed Slack posts so far
    to: Addressee = Addressee()


def alert_for(outcome: Outcome) -> OwedAlert | None:
    """The alert this change owes sales: one when the lead has just entered SQL, or when its
    response clock ran out and it escalated to the next person in line."""
    escalated = is_escalation(outcome) and outcome.lead.stage is Stage.SQL
    if not (entered_sql(outcome) or escalated):
        return None
    lead = outcome.lead
    return OwedAlert(
        kind="escalation" if escalated else "sql",
        lead_id=lead.lead_id,
        stage=lead.stage,
        urgency=lead.urgency,
    )


def entered_sql(outcome: Outcome) -> bool:
    """Whether this change makes the lead an SQL (it gets an owner, a clock and an alert)."""
    entered = any(
        t.to_stage is Stage.SQL and t.from_stage is not Stage.SQL for t in outcome.transitions
    )
    return entered and outcome.lead.stage is Stage.SQL


def addressee_for(outcome: Outcome) -> Addressee:
    """Whom this change's alert goes to: the lead's owner (the escalation's target, after one)."""
    kind: Literal["sql", "escalation"] = "escalation" if is_escalation(outcome) else "sql"
    return Addressee(kind=kind, owner=outcome.lead.owner, queue=outcome.lead.queue)


SlackState = Literal["sent", "off", "failed"]


def why_not_send(lead: Lead | None) -> str | None:
    """None when the lead (read again just before sending) still wants the alert, else why not:
    an erased person is never alerted, nor one sales has already moved out of SQL."""
    if lead is None:
        return "erased"
    if lead.stage is not Stage.SQL:
        return f"no longer sql ({lead.stage.value})"
    return None
