"""The words sales reads when a lead becomes sales-qualified: e-mail, SMS and Slack.

Each says who (name, title, company, size: what is known, never "(no name)"), why in words
("requested a demo; timeline 14 days"), what they wrote, how to reach them, the owner and the
signed link to the lead's page. No internal id appears in any of them.

Most of what a lead says reaches this text from a form anyone can post, so every value is
shown as one labelled field: capped, on one line, without control, format (bidi, zero-width)
or line-separator characters. A value can then never pose as a line of our own, such as an
instruction to call a number. In Slack, the prospect's values are plain_text objects (never
parsed as markup: no links, no @channel); the fallback text has `& < >` escaped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leadwire.domain.models import Frozen, Lead, Stage, Urgency

_SUBJECT_LIMIT = 100  # SNS email subjects: ASCII, no line breaks, < 100 characters
_FIELD_LIMIT = 80  # a name, a company, a title, a BANT answer
_REASON_LIMIT = 200  # why it qualified (rule text with the prospect's urgent words)
_MESSAGE_LIMIT = 300  # what they wrote, as the alert quotes it (the page shows all of it)
_SLACK_HEADER_LIMIT = 150  # Block Kit: a header's plain_text
SMS_LIMIT = 160  # one GSM-7 segment
_HEADCOUNT = re.compile(r"[\d,+ -]+")  # "800", "201-500", "10,000+": a number of employees

# What each rules action means, as a rep would say it (an action the rules add is shown by
# its name, underscores as spaces).
ACTION_WORDS = {
    "demo_request": "requested a demo",
    "contact_sales": "asked to talk to sales",
    "trial": "started a trial",
    "pricing_question": "asked about pricing",
    "contact_form": "sent the contact form",
    "chat_message": "wrote in the chat",
    "webinar": "signed up for a webinar",
    "content_download": "downloaded content",
    "newsletter": "subscribed to the newsletter",
    "form_fill": "filled in a form",
    "pricing_page_view": "viewed the pricing page",
    "case_study_view": "read a case study",
    "docs_view": "read the docs",
    "page_view": "viewed the site",
    "return_visit": "came back to the site",
    "video_watched": "watched a video",
    "email_click": "clicked a link in an e-mail",
    "email_reply": "replied to an e-mail",
}


class Alert(Frozen):
    """One alert as every channel renders it; `lead_id` addresses it (message attributes),
    it is in none of the texts."""

    lead_id: str
    stage: Stage
    urgency: Urgency
    subject: str
    message: str  # the e-mail's body
    sms: str
    slack: dict[str, Any] = field(default_factory=dict)  # an incoming webhook's Block Kit message


@dataclass(frozen=True)
class AlertLink:
    """The signed link to the lead's page, and until when it works."""

    url: str
    expires_at: datetime


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


def who_is(lead: Lead) -> str:
    """The person as far as we know them: their name, else their address, else where they
    are from ("a visitor from Acme"), else "a website visitor"."""
    p = lead.profile
    name = " ".join(x for x in (p.first_name, p.last_name) if x) or p.name
    if name and shown(name):
        return shown(name)
    if p.email:
        return shown(p.email)
    if p.company and shown(p.company):
        return f"a visitor from {shown(p.company)}"
    return "a website visitor"


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action) or shown(action.replace("_", " ").replace(".", " "))


def why_in_words(lead: Lead) -> str:
    """Why sales should call, as sentences: what they did, the timeline and budget they
    gave, what else makes it urgent ("requested a demo; timeline 14 days; budget $200k")."""
    cause = next((t.cause for t in reversed(lead.transitions) if t.to_stage is Stage.SQL), "")
    action = cause.rsplit(" after ", 1)[1] if " after " in cause else lead.last_action
    parts = [action_words(action)] if action else []
    if threshold := re.search(r"score (\d+) >= SQL threshold (\d+)", cause):
        parts.append(f"score {threshold[1]} passed the SQL threshold {threshold[2]}")
    bant = lead.bant
    if bant.timeline_days is not None:
        days = bant.timeline_days
        parts.append(f"timeline {days} day{'s' if days != 1 else ''}")
    elif bant.timeline:
        parts.append(f"timeline {shown(bant.timeline)}")
    if bant.budget:
        parts.append(f"budget {shown(bant.budget)}")
    for reason in lead.urgency_reasons:
        if reason.startswith("timeline"):
            continue  # said above
        first, _, rest = reason.partition(" ")
        parts.append(f"{ACTION_WORDS[first]} {rest}" if first in ACTION_WORDS else reason)
    return shown("; ".join(parts) or "reached the SQL score", _REASON_LIMIT)


def phone_e164(phone: str | None) -> str | None:
    """A stored number as E.164 (+14155550123): intake keeps only +-prefixed numbers, some
    with the sender's spaces or dashes."""
    if not phone:
        return None
    if re.fullmatch(r"\+[\d\s().-]{6,24}", phone.strip()):
        return "+" + re.sub(r"\D", "", phone)
    return shown(phone, 32)


def render_alert(
    lead: Lead, link: AlertLink | None = None, owner: str | None = None, account: str | None = None
) -> Alert:
    """Every channel's text for an SQL alert. `owner`: the owner's name (routing.reps), else
    the lead's owner id is shown as it is; `account`: who else from their company engaged."""
    p = lead.profile
    who = who_is(lead)
    title, company = shown(p.job_title or ""), shown(p.company or "")
    size = shown(p.company_size or "", 20)
    role = " at ".join(x for x in (title, company) if x)
    if size and company:
        role += f" ({size} employees)" if _HEADCOUNT.fullmatch(size) else f" ({size})"
    urgent = lead.urgency is Urgency.HIGH
    why = why_in_words(lead)
    wrote = shown(lead.message, _MESSAGE_LIMIT) if lead.message else ""
    phone = phone_e164(p.phone)
    email = shown(p.email) if p.email else ""
    names = lead.sla.names if lead.sla else {}
    owner_name = shown(owner or names.get(lead.owner or "", lead.owner or ""))
    escalations = lead.sla.escalations if lead.sla else []
    fields: list[tuple[str, str]] = [
        ("Who", who),
        ("Title", title),
        ("Company", company),
        ("Company size", size),
        ("Account", shown(account or "", _REASON_LIMIT)),
        ("Why", why),
        ("They wrote", f'"{wrote}"' if wrote else ""),
        ("Phone", phone or ""),
        ("Email", email),
        ("Owner", owner_name),
        ("Escalated", shown(escalations[-1].reason, _REASON_LIMIT) if escalations else ""),
        ("Score", f"{lead.score} (fit {lead.fit}, engagement {round(lead.engagement)})"),
    ]
    known = [(label, value) for label, value in fields if value]
    lines = [
        f"Sales-qualified lead{' - HIGH urgency' if urgent else ''}: {who}",
        "",
        *(f"{label}: {value}" for label, value in known),
    ]
    if link is not None:
        lines += [
            "",
            f"Open the lead (accept, reject or recycle it): {link.url}",
            f"The link needs no login and works until {_when(link.expires_at)}.",
        ]
    headline = f"{who} ({shown(', '.join(x for x in (title, company) if x))})" if role else who
    escalated = "[ESCALATED] " if escalations else ""
    subject = f"{escalated}{'[URGENT] ' if urgent else ''}SQL: {headline} - score {lead.score}"
    subject = shown(subject.encode("ascii", "replace").decode(), _SUBJECT_LIMIT - 1)
    return Alert(
        lead_id=lead.lead_id,
        stage=lead.stage,
        urgency=lead.urgency,
        subject=subject,
        message="\n".join(lines),
        sms=_sms(urgent, who, role, why, phone or email, link),
        slack=_slack(subject, known, link),
    )


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# -- SMS: one GSM-7 segment ------------------------------------------------------------------

_GSM_SPELLED = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
     "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "€": "EUR"}
)  # fmt: skip
# GSM 03.38's extension characters (two septets each) and what it lacks: left out.
_GSM_UNSAFE = set("[]{}\\^~|`")


def gsm(text: str) -> str:
    """Text every phone shows in one GSM-7 segment: accents taken off (é -> e), a few letters
    spelled out (ß -> ss), anything else outside printable ASCII, and GSM's two-septet
    characters, dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_GSM_SPELLED))
    kept = (c for c in decomposed if " " <= c <= "~" and c not in _GSM_UNSAFE)
    return " ".join("".join(kept).split())


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters: whole clauses ("; ") or words when they fit, then "..."."""
    if len(text) <= limit:
        return text
    if limit <= 3:
        return ""
    room = text[: limit - 3]
    for boundary in ("; ", " "):
        end = room.rfind(boundary)
        if end >= limit // 2:
            return room[:end].rstrip(" ;,") + "..."
    return room.rstrip() + "..."


def _sms(urgent: bool, who: str, role: str, why: str, contact: str, link: AlertLink | None) -> str:
    """`URGENT: <who>, <role>: <why>. <phone or e-mail> <link>` in at most 160 GSM-7
    characters: the link and the contact whole, then who, role and why cut to what is left."""
    tail = " ".join(x for x in (_cut(gsm(contact), 32), link.url if link else "") if x)
    room = SMS_LIMIT - len(tail) - (1 if tail else 0)
    parts = {"who": gsm(who), "role": gsm(role), "why": gsm(why)}
    head = "URGENT: " if urgent else "SQL: "

    def text() -> str:
        person = ", ".join(x for x in (parts["who"], parts["role"]) if x)
        why = parts["why"]
        return (
            f"{head}{person}: {why}{'' if why.endswith('...') else '.'}" if why else head + person
        )

    # What gives way first: the role, then why (down to 30), then who (down to 12).
    for name, keep in (("role", 0), ("why", 30), ("who", 12)):
        excess = len(text()) - room
        if excess > 0:
            value = parts[name]
            cut = _cut(value, max(keep, len(value) - excess))
            parts[name] = cut if len(cut) >= 8 or name != "role" else ""
    return _cut(text(), room) + (f" {tail}" if tail else "")


# -- Slack: Block Kit --------------------------------------------------------------------------


def _slack(subject: str, known: list[tuple[str, str]], link: AlertLink | None) -> dict[str, Any]:
    """An incoming webhook's message: header, the fields, what they wrote, the link's button.
    Every value is plain_text; link unfurling is off (a preview would open the link)."""
    wrote = [value for label, value in known if label == "They wrote"]
    facts = [(label, value) for label, value in known if label != "They wrote"]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(shown(subject, _SLACK_HEADER_LIMIT))},
        {"type": "section", "fields": [_plain(f"{label}: {value}") for label, value in facts]},
    ]
    if wrote:
        blocks.append({"type": "section", "text": _plain(f"They wrote: {wrote[0]}")})
    if link is not None:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": _plain("Open the lead"),
                        "url": link.url,
                        "style": "primary",
                    }
                ],
            }
        )
        blocks.append(
            {
                "type": "context",
                "elements": [
                    _plain(f"No login needed; the link works until {_when(link.expires_at)}.")
                ],
            }
        )
    return {
        "text": _escape_mrkdwn(subject),
        "blocks": blocks[:50],
        "unfurl_links": False,
        "unfurl_media": False,
    }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:2000], "emoji": False}


def _escape_mrkdwn(text: str) -> str:
    """Slack's three control characters in message text (`<...>` would be a link or a
    mention)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
