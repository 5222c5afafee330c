"""Accounts, pure: who belongs to one, what sales reads beside a lead, when it surges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from leadwire.domain.accounts import Colleague, account_line, account_of, account_view
from leadwire.domain.models import Profile
from leadwire.domain.scoring import score
from leadwire.providers.fields import web_domain
from tests.support import form_event


def colleague(n: int, at, name: str = "Ann Lee") -> Colleague:
    return Colleague(lead_id=f"ld_{n}", name=name, stage="mql", score=40, engaged_at=at)


def test_only_a_business_address_belongs_to_an_account(rules):
    assert account_of(Profile(email="ann@Northwind.example"), rules) == "northwind.example"
    assert account_of(Profile(email="ann@gmail.com"), rules) is None
    assert account_of(Profile(), rules) is None
    off = rules.model_copy(update={"accounts": None})
    assert account_of(Profile(email="ann@northwind.example"), off) is None


def test_an_event_that_earned_points_counts_the_person_as_engaged_for_the_account(rules, now):
    ann = Profile(email="ann@northwind.example", company="Northwind")
    outcome = score(None, form_event("webinar", ann, now), rules, now)
    assert outcome.engaged_account == "northwind.example"
    # a page view past its cap (0 points) is no engagement
    capped = rules.engagement.actions["newsletter"].cap
    lead = outcome.lead
    for n in range(1, 2 + (capped or 0) // 10):
        lead = score(lead, form_event("newsletter", ann, now, n), rules, now).lead
    again = score(lead, form_event("newsletter", ann, now, 99), rules, now)
    assert again.entry.points == 0 and again.engaged_account is None
    # nor is a second engagement the same day (the account counts days), but the next day's
    later = now + timedelta(hours=1)
    same_day = score(outcome.lead, form_event("content-download", ann, later), rules, later)
    assert same_day.entry.points > 0 and same_day.engaged_account is None
    tomorrow = now + timedelta(days=1)
    next_day = score(same_day.lead, form_event("trial", ann, tomorrow), rules, tomorrow)
    assert next_day.engaged_account == "northwind.example"
    personal = score(None, form_event("webinar", Profile(email="a@gmail.com"), now), rules, now)
    assert personal.engaged_account is None


def test_the_account_says_who_else_engaged_this_week_and_when_it_surges(rules, now):
    ann = score(
        None, form_event("webinar", Profile(email="ann@northwind.example"), now), rules, now
    )
    lead = ann.lead
    # Given one colleague this week and one a month ago
    view = account_view(
        lead, [colleague(1, now), colleague(2, now - timedelta(days=30))], rules, now
    )
    assert view is not None
    assert (view.name, view.others, view.surge) == ("Northwind", 1, False)
    assert view.summary == "1 other from Northwind engaged this week"
    # When a second colleague engages within the week: three people, a surge
    view = account_view(
        lead, [colleague(1, now), colleague(3, now - timedelta(days=6))], rules, now
    )
    assert view is not None and view.surge and view.others == 2
    assert view.summary == (
        "2 others from Northwind engaged this week (account surge: 3 people within 7 days)"
    )
    # The lead itself is never its own colleague
    alone = account_view(
        lead, [colleague(0, now).model_copy(update={"lead_id": lead.lead_id})], rules, now
    )
    assert alone is not None and alone.others == 0
    assert alone.summary == "no one else from Northwind engaged this week"


def test_the_alert_line_counts_colleagues_within_the_window_the_lead_was_scored_with(rules, now):
    # Given Ann scored under rules with a 7-day window, surge at 3 people
    profile = Profile(email="ann@northwind.example")
    ann = score(None, form_event("webinar", profile, now), rules, now)
    assert ann.lead.account_window is not None
    assert ann.lead.account_window.window_days == 7
    # When two others engaged, one of them 8 days ago (outside the window)
    engaged = {"ld_1": now - timedelta(days=1), "ld_2": now - timedelta(days=8)}
    engaged[ann.lead.lead_id] = now  # she is not her own colleague
    # Then one other is counted, and no surge is claimed
    assert account_line(ann.lead, engaged, now) == "1 other from Northwind engaged this week"
    engaged["ld_3"] = now
    assert account_line(ann.lead, engaged, now) == (
        "2 others from Northwind engaged this week (account surge: 3 people within 7 days)"
    )
    # And a personal address has no account, so no line
    sam = score(None, form_event("webinar", Profile(email="sam@gmail.com"), now), rules, now)
    assert sam.lead.account_window is None
    assert account_line(sam.lead, {"ld_1": now}, now) is None


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Northwind.example/about", "northwind.example"),
        ("northwind.example", "northwind.example"),
        ("http://shop.northwind.example:8080", "shop.northwind.example"),
        ("localhost", None),
        ("http://[::1", None),
        ("", None),
        (42, None),
    ],
)
def test_a_company_website_gives_its_domain(website, domain):
    assert web_domain(website) == domain


def test_a_company_domain_is_the_account_only_when_the_address_says_nothing(rules):
    # a personal address with the company's domain from a group call: that company
    ann = Profile(email="ann@gmail.com", company_domain="northwind.example")
    assert account_of(ann, rules) == "northwind.example"
    # a business address wins over a company domain
    raj = Profile(email="raj@globex.example", company_domain="northwind.example")
    assert account_of(raj, rules) == "globex.example"
    # a company domain that is a personal mail provider, or not a domain, is no account
    assert account_of(Profile(company_domain="gmail.com"), rules) is None
    assert account_of(Profile(company_domain="not a domain"), rules) is None
