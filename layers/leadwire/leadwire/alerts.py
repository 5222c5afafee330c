"""The alert sales gets when a lead becomes sales-qualified: render it, publish it once.

Once per SQL transition: the marker `ALERT#<lead version>` is claimed before publishing and
confirmed after, so a retried stream batch finds it and sends nothing. The remaining window
(publish succeeded, confirm did not) can only re-send after the claim's lease: see README.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from leadwire.models import Frozen, Lead, Stage, Urgency
from leadwire.store import AlertMarkers

_SUBJECT_LIMIT = 100  # SNS email subjects: ASCII, no line breaks, < 100 characters


class Alert(Frozen):
    lead_id: str
    stage: Stage
    urgency: Urgency
    subject: str
    message: str
    sms: str


class AlertPublisher(Protocol):
    def publish(self, alert: Alert) -> str:
        """Send the alert; return the message id."""
        ...


def render_alert(lead: Lead) -> Alert:
    """The words sales reads: who, how qualified, why, and how to reach them."""
    p = lead.profile
    who = lead.profile.display_name
    role = ", ".join(x for x in (p.job_title, p.company) if x)
    headline = f"{who} ({role})" if role else who
    urgent = lead.urgency is Urgency.HIGH
    cause = lead.transitions[-1].cause if lead.transitions else "reached SQL"
    bant = lead.bant
    lines: list[str | None] = [
        f"{headline} is sales-qualified{' - HIGH urgency' if urgent else ''}.",
        "",
        f"Score {lead.score} (fit {lead.fit}, engagement {round(lead.engagement)})",
        f"Why: {cause}",
        "BANT: "
        + "; ".join(
            f"{label} {value}"
            for label, value in (
                ("budget", bant.budget or "?"),
                ("authority", bant.authority or "?"),
                ("need", bant.need or "?"),
                ("timeline", bant.timeline or "?"),
            )
        ),
        f"Contact: {p.email or '(no email)'}" + (f", {p.phone}" if p.phone else ""),
        f"Company size: {p.company_size}" if p.company_size else None,
        f"Lead: {lead.lead_id}",
    ]
    subject = f"{'[URGENT] ' if urgent else ''}SQL: {headline} - score {lead.score}"
    subject = subject.encode("ascii", "replace").decode().replace("\n", " ")
    if len(subject) > _SUBJECT_LIMIT:
        subject = subject[: _SUBJECT_LIMIT - 3] + "..."
    return Alert(
        lead_id=lead.lead_id,
        stage=lead.stage,
        urgency=lead.urgency,
        subject=subject,
        message="\n".join(line for line in lines if line is not None).strip(),
        sms=f"leadwire SQL: {headline}, score {lead.score}"
        + (f", call {p.phone}" if p.phone else f", {p.email}" if p.email else ""),
    )


def alert_on_sql(
    lead: Lead, markers: AlertMarkers, publisher: AlertPublisher, now: datetime
) -> str | None:
    """Alert once for this SQL transition; return the message id, None when already sent."""
    if lead.stage is not Stage.SQL:
        return None
    marker = f"{lead.version:010d}"
    if not markers.claim(lead.lead_id, marker, now):
        return None
    try:
        message_id = publisher.publish(render_alert(lead))
    except Exception:
        markers.release(lead.lead_id, marker)  # let the retry send it
        raise
    markers.confirm(lead.lead_id, marker, message_id, now)
    return message_id


class SnsAlertPublisher:
    """One SNS message per alert; `urgency` as a message attribute for filter policies
    (SMS subscribers take only `high`), and a short text for SMS via MessageStructure."""

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("sns")
        self.topic_arn = topic_arn
        self._client = client

    def publish(self, alert: Alert) -> str:
        response = self._client.publish(
            TopicArn=self.topic_arn,
            Subject=alert.subject,
            MessageStructure="json",
            Message=json.dumps(
                {"default": alert.message, "email": alert.message, "sms": alert.sms}
            ),
            MessageAttributes={
                "urgency": {"DataType": "String", "StringValue": alert.urgency.value},
                "stage": {"DataType": "String", "StringValue": alert.stage.value},
                "leadId": {"DataType": "String", "StringValue": alert.lead_id},
            },
        )
        return str(response["MessageId"])
