"""The words sales reads when a lead becomes sales-qualified: e-mail subject and body, SMS.

Most of what a lead says reaches this text from a form anyone can post, so every value is
shown as one labelled field: capped, on one line, without control, format (bidi, zero-width)
or line-separator characters. A value can then never pose as a line of our own, such as an
instruction to call a number.
"""

from __future__ import annotations

import unicodedata

from leadwire.domain.models import Frozen, Lead, Stage, Urgency

_SUBJECT_LIMIT = 100  # SNS email subjects: ASCII, no line breaks, < 100 characters
_FIELD_LIMIT = 80  # a name, a company, a title, a BANT answer
_REASON_LIMIT = 200  # why it qualified (rule text with the prospect's urgent words)
_SMS_LIMIT = 160


class Alert(Frozen):
    lead_id: str
    stage: Stage
    urgency: Urgency
    subject: str
    message: str
    sms: str


def shown(value: object, limit: int = _FIELD_LIMIT) -> str:
    """A value as one inert line: every character of a unicode category C* (control, format
    such as bidi overrides and zero-width, private, unassigned) and every line or paragraph
    separator removed or made a space, whitespace collapsed, capped at `limit` characters."""
    text = "".join(
        " " if c.isspace() else c
        for c in str(value)
        if c.isspace() or not unicodedata.category(c).startswith("C")
    )
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def render_alert(lead: Lead) -> Alert:
    """The words sales reads: who, how qualified, why, and how to reach them, as fields."""
    p = lead.profile
    who = shown(p.display_name)
    company, title = shown(p.company or ""), shown(p.job_title or "")
    role = ", ".join(x for x in (title, company) if x)
    headline = f"{who} ({role})" if role else who
    urgent = lead.urgency is Urgency.HIGH
    cause = lead.transitions[-1].cause if lead.transitions else "reached SQL"
    bant = lead.bant
    lines: list[str | None] = [
        f"Sales-qualified lead{' - HIGH urgency' if urgent else ''}",
        "",
        f"Name: {who}",
        f"Title: {title}" if title else None,
        f"Company: {company}" if company else None,
        f"Company size: {shown(p.company_size)}" if p.company_size else None,
        f"Email: {shown(p.email or '(no email)')}",
        f"Phone: {shown(p.phone)}" if p.phone else None,
        f"Score: {lead.score} (fit {lead.fit}, engagement {round(lead.engagement)})",
        f"Why: {shown(cause, _REASON_LIMIT)}",
        f"Urgent because: {shown('; '.join(lead.urgency_reasons), _REASON_LIMIT)}"
        if urgent
        else None,
        "BANT: "
        + "; ".join(
            f"{label} {shown(value)}"
            for label, value in (
                ("budget", bant.budget or "?"),
                ("authority", bant.authority or "?"),
                ("need", bant.need or "?"),
                ("timeline", bant.timeline or "?"),
            )
        ),
        f"Lead: {lead.lead_id}",
        *_owner_lines(lead),
    ]
    escalated = "[ESCALATED] " if lead.sla and lead.sla.escalations else ""
    subject = f"{escalated}{'[URGENT] ' if urgent else ''}SQL: {headline} - score {lead.score}"
    subject = shown(subject.encode("ascii", "replace").decode(), _SUBJECT_LIMIT - 1)
    contact = (
        f", phone {shown(p.phone)}" if p.phone else f", email {shown(p.email)}" if p.email else ""
    )
    return Alert(
        lead_id=lead.lead_id,
        stage=lead.stage,
        urgency=lead.urgency,
        subject=subject,
        message="\n".join(line for line in lines if line is not None).strip(),
        sms=shown(f"leadwire SQL: {headline}, score {lead.score}{contact}", _SMS_LIMIT),
    )


def _owner_lines(lead: Lead) -> list[str]:
    """Who owns the lead (routing), and why it came to them when it escalated."""
    if lead.owner is None:
        return []
    sla = lead.sla
    names = sla.names if sla else {}
    lines = [f"Owner: {shown(names.get(lead.owner, lead.owner))}"]
    if sla and sla.escalations:
        lines.append(f"Escalated: {shown(sla.escalations[-1].reason, _REASON_LIMIT)}")
    return lines
