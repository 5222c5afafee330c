"""Accounts: the people of one company engaging together.

B2B buying is done by a group, so "3 others from Northwind engaged this week" tells sales more
than any one person's score, and several people of one company engaging within days (an
account surge) is a reason to call. A person belongs to the account of their business e-mail
domain; personal, disposable and competitor addresses belong to none.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from leadwire.domain.models import Frozen, Lead, Profile

if TYPE_CHECKING:  # the alert function words the account line without the rules module
    from leadwire.domain.rules import FitRules, ScoringRules

_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
SHOWN_PEOPLE = 10  # the others named on a lead's account (the count covers them all)


def email_kind(domain: str, rules: FitRules) -> str:
    """What an address's domain says of the person: competitor, disposable, personal or
    business (the company they work for)."""
    if domain in rules.competitor_domains:
        return "competitor"
    if domain in rules.disposable_domains:
        return "disposable"
    if domain in rules.personal_domains:
        return "personal"
    return "business"


def account_of(profile: Profile, rules: ScoringRules) -> str | None:
    """The account a person engages for: their business e-mail domain, else their company's
    domain (a CDP `group` call's website); None without the rules' `accounts` section."""
    if rules.accounts is None:
        return None
    email = (profile.email_domain or "").strip().lower()
    company = (profile.company_domain or "").strip().lower()
    for domain in (email, company if company and _DOMAIN.fullmatch(company) else ""):
        if domain and email_kind(domain, rules.fit) == "business":
            return domain
    return None


class Colleague(Frozen):
    """Someone else from the account who engaged, as sales sees them."""

    lead_id: str
    name: str
    job_title: str | None = None
    stage: str
    score: int
    engaged_at: datetime


class AccountView(Frozen):
    """A lead's account: who else engaged within the rules' window, and whether it surges."""

    domain: str
    name: str
    window_days: int
    others: int  # other people who engaged within the window
    people: list[Colleague]  # the most recent of them, at most SHOWN_PEOPLE
    surge: bool
    summary: str  # "3 others from Northwind engaged this week"


def account_view(
    lead: Lead, colleagues: list[Colleague], rules: ScoringRules, now: datetime
) -> AccountView | None:
    """The account as shown beside `lead`, from the others stored as engaged (any age)."""
    domain = account_of(lead.profile, rules)
    if domain is None or rules.accounts is None:
        return None
    window = rules.accounts.window_days
    since = now - timedelta(days=window)
    recent = sorted(
        (c for c in colleagues if c.lead_id != lead.lead_id and c.engaged_at >= since),
        key=lambda c: c.engaged_at,
        reverse=True,
    )
    name = _account_name(lead, domain)
    people = len(recent)
    summary, surge = account_summary(name, people, window, rules.accounts.surge_people)
    return AccountView(
        domain=domain,
        name=name,
        window_days=window,
        others=people,
        people=recent[:SHOWN_PEOPLE],
        surge=surge,
        summary=summary,
    )


def account_summary(
    name: str, others: int, window_days: int, surge_people: int
) -> tuple[str, bool]:
    """The account's sentence, e.g. "3 others from Northwind engaged this week (account
    surge: 4 people within 7 days)", and whether it surges (the person is one of them)."""
    when = "this week" if window_days == 7 else f"in the last {window_days} days"
    summary = (
        f"{others} other{'s' if others != 1 else ''} from {name} engaged {when}"
        if others
        else f"no one else from {name} engaged {when}"
    )
    surge = others + 1 >= surge_people
    if surge:
        summary += f" (account surge: {others + 1} people within {window_days} days)"
    return summary, surge


def account_line(lead: Lead, engaged: dict[str, datetime], now: datetime) -> str | None:
    """The account's sentence for an alert, from who engaged for it (lead id -> when) and the
    window the lead carries; None when the person has no account, or no one else engaged."""
    window = lead.account_window
    if window is None:
        return None
    since = now - timedelta(days=window.window_days)
    others = sum(1 for lid, at in engaged.items() if lid != lead.lead_id and at >= since)
    if not others:
        return None  # "no one else engaged" tells a rep nothing worth a line
    name = _account_name(lead, window.domain)
    return account_summary(name, others, window.window_days, window.surge_people)[0]


def _account_name(lead: Lead, domain: str) -> str:
    """The company as the person wrote it, else the domain's first label, capitalised."""
    if lead.profile.company:
        return lead.profile.company
    return domain.split(".")[0].capitalize()
