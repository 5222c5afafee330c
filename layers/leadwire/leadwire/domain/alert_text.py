"""The words sales reads when a lead becomes sales-qualified: e-mail subject and body, SMS."""

from __future__ import annotations

from leadwire.domain.models import Frozen, Lead, Stage, Urgency

_SUBJECT_LIMIT = 100  # SNS email subjects: ASCII, no line breaks, < 100 characters


class Alert(Frozen):
    lead_id: str
    stage: Stage
    urgency: Urgency
    subject: str
    message: str
    sms: str


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
        f"Urgent because: {'; '.join(lead.urgency_reasons)}" if urgent else None,
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
