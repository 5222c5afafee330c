"""The lead page an alert's link opens: plain HTML, no script, made for a phone (375 px) first.

Everything the lead said is hostile until shown: each value is escaped for HTML (text and
attributes), stripped of control and bidi characters, and the page's Content-Security-Policy
allows no script at all, so even a missed escape could not run one. The token is in the URL,
so the page sends no Referer and is never cached or indexed.
"""

from __future__ import annotations

import html
import urllib.parse
from datetime import UTC, datetime

from leadwire.app.lead_page import LeadPageData
from leadwire.domain.alert_text import action_words, phone_e164, shown, who_is, why_in_words
from leadwire.domain.models import DispositionOutcome, Lead, LedgerEntry
from leadwire.domain.sla import ACKNOWLEDGED, ESCALATED
from leadwire.shell.routes import Response

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}
_STYLE = """
  * { box-sizing: border-box; }
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 0.8rem;
         max-width: 46rem; color: #1d2327; overflow-wrap: anywhere; }
  h1 { font-size: 1.35rem; margin: 0.2rem 0; }
  .sub { color: #50575e; margin: 0 0 0.8rem; }
  .tag { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 0.6rem;
         background: #e7eaee; font-size: 0.85rem; }
  .high { background: #fde2e1; color: #8a1f11; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 0.8rem; margin: 0; }
  dt { color: #50575e; }
  dd { margin: 0; min-width: 0; }
  blockquote { margin: 0.6rem 0; padding: 0.5rem 0.7rem; background: #f6f7f7;
               border-left: 3px solid #8c8f94; white-space: pre-wrap; }
  section { margin: 1rem 0; }
  h2 { font-size: 1.05rem; margin: 0 0 0.4rem; }
  form { display: grid; gap: 0.5rem; }
  input[type=text] { width: 100%; padding: 0.55rem; font: inherit; }
  .buttons { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.4rem; }
  button { padding: 0.7rem 0.2rem; font: inherit; border: 0; border-radius: 0.4rem;
           color: #fff; cursor: pointer; }
  .accept { background: #1a7f37; } .reject { background: #b42318; }
  .recycle { background: #50575e; }
  .note { padding: 0.5rem 0.7rem; border-radius: 0.4rem; background: #e6f4ea; }
  table { width: 100%; border-collapse: collapse; font-size: 0.9rem; table-layout: fixed; }
  th, td { text-align: left; padding: 0.3rem 0.25rem; border-bottom: 1px solid #e7eaee;
           vertical-align: top; }
  th { white-space: nowrap; }
  th:last-child, td:last-child { text-align: right; width: 4rem; }
  th:first-child, td:first-child { width: 6.5rem; }
"""
_OUTCOME_WORDS = {"accepted": "accepted", "rejected": "rejected", "recycled": "recycled"}


def _text(value: object, limit: int = 200) -> str:
    return html.escape(shown(value, limit), quote=True)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{title} - leadwire</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def html_response(status: int, page: str) -> Response:
    return Response(
        status_code=status, content_type="text/html; charset=utf-8", body=page, headers=HEADERS
    )


def lead_page(data: LeadPageData, token: str, done: str | None, now: datetime) -> str:
    """The lead's page: who, why, their message, how to reach them, the owner and response
    clock, sales' buttons, the ledger."""
    lead = data.lead
    who = _text(who_is(lead))
    urgent = lead.urgency.value == "high"
    body = [
        f"<h1>{who}</h1>",
        f'<p class="sub"><span class="tag">{_text(lead.stage.value.upper())}</span> '
        f'<span class="tag{" high" if urgent else ""}">{_text(lead.urgency.value)} urgency</span>'
        f" score {lead.score} (fit {lead.fit}, engagement {round(lead.engagement)})</p>",
    ]
    if done in _OUTCOME_WORDS:
        body.append(f'<p class="note" role="status">Recorded: {_OUTCOME_WORDS[done]}.</p>')
    body.append(f"<section><h2>Why</h2><p>{_text(why_in_words(lead), 300)}</p>")
    if data.account:
        body.append(f"<h2>Account</h2><p>{_text(data.account, 300)}</p>")
    if lead.message:
        lines = "\n".join(_text(line, 1000) for line in lead.message.splitlines())
        body.append(f"<h2>They wrote</h2><blockquote>{lines}</blockquote>")
    body.append("</section>")
    body.append(f"<section><h2>Contact</h2><dl>{_profile(lead)}</dl></section>")
    body.append(_decision(lead, token))
    body.append(_ledger(data.ledger, lead.sla.names if lead.sla else {}))
    body.append(
        f'<p class="sub">This link works until {_when(data.link.expires_at)} without a login.</p>'
    )
    return _page(who, "\n".join(body))


def _profile(lead: Lead) -> str:
    p = lead.profile
    rows: list[tuple[str, str]] = []
    for label, value in (
        ("Title", p.job_title),
        ("Company", p.company),
        ("Company size", p.company_size),
        ("Industry", p.industry),
        ("Country", p.country),
    ):
        if value:
            rows.append((label, _text(value)))
    if phone := phone_e164(p.phone):
        href = html.escape("tel:" + urllib.parse.quote(phone, safe="+"), quote=True)
        rows.append(("Phone", f'<a href="{href}">{_text(phone)}</a>'))
    if p.email:
        href = html.escape("mailto:" + urllib.parse.quote(p.email, safe="@"), quote=True)
        rows.append(("Email", f'<a href="{href}">{_text(p.email)}</a>'))
    if lead.owner:
        rows.append(("Owner", _text(lead.owner)))
    if lead.sla is not None:
        sla = lead.sla
        state = (
            f"seen {_when(sla.acknowledged_at)}"
            if sla.acknowledged_at
            else f"answer by {_when(sla.due)}"
        )
        rows.append(("Response", _text(state)))
    return "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)


def _decision(lead: Lead, token: str) -> str:
    """Sales' verdict: the one already given, and the buttons (with an optional reason)."""
    given = ""
    if lead.disposition is not None:
        d = lead.disposition
        reason = f": {_text(d.reason, 500)}" if d.reason else ""
        given = f"<p>Sales {_text(d.outcome.value)} it on {_when(d.at)}{reason}</p>"
    action = html.escape(f"{urllib.parse.quote(token, safe='')}/disposition", quote=True)
    buttons = "".join(
        f'<button class="{css}" type="submit" name="outcome" value="{o.value}">{label}</button>'
        for o, css, label in (
            (DispositionOutcome.ACCEPTED, "accept", "Accept"),
            (DispositionOutcome.REJECTED, "reject", "Reject"),
            (DispositionOutcome.RECYCLED, "recycle", "Recycle"),
        )
    )
    return (
        f"<section><h2>Your decision</h2>{given}"
        f'<form method="post" action="{action}">'
        '<label for="reason">Reason (optional)</label>'
        '<input type="text" id="reason" name="reason" maxlength="500" '
        'placeholder="e.g. booked a call; no budget this year">'
        f'<div class="buttons">{buttons}</div></form></section>'
    )


_SEEN_BY = {"link": "the alert's link"}


def _in_words(action: str, names: dict[str, str]) -> str:
    """A ledger action as a rep says it: "requested a demo", "seen through the alert's link",
    "escalated to Ben Ortiz"; one the rules add, by its name."""
    kind, _, detail = action.partition(".")
    if kind == ACKNOWLEDGED and detail:
        return f"seen through {_SEEN_BY.get(detail, detail)}"
    if kind == ESCALATED and detail:
        return f"escalated to {names.get(detail, detail)}"
    if kind == "disposition" and detail:
        return f"sales {detail} it"
    if action == "decay":
        return "score decayed (no recent activity)"
    return action_words(action)


def _ledger(entries: list[LedgerEntry], names: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{_when(e.at, short=True)}</td><td>{_text(_in_words(e.action, names), 80)}</td>"
        f"<td>{e.points:+d}</td></tr>"
        for e in reversed(entries[-50:])
    )
    return (
        "<section><h2>History</h2><table><thead><tr><th>When</th><th>What</th>"
        f"<th>Points</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _when(at: datetime, short: bool = False) -> str:
    return (
        f"{at.astimezone(UTC):%b %d %H:%M}" if short else f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )


_REFUSALS = {
    403: ("This link does not open a lead", "It may have expired, or been changed. Open the "
          "lead from the sales board instead."),
    404: ("Nothing here", "This page does not exist."),
    410: ("This lead was erased", "The person asked for their data to be deleted; nothing "
          "about them is kept."),
}  # fmt: skip


def refusal_page(status: int, message: str) -> str:
    """A refused link or action, as a page: what happened, in words; nothing was changed."""
    title, hint = _REFUSALS.get(status, ("That did not work", "Nothing was changed."))
    body = (
        f"<h1>{html.escape(title)}</h1><p>{html.escape(shown(message, 300))}</p>"
        f'<p class="sub">{html.escape(hint)}</p>'
    )
    return _page(html.escape(title), body)
