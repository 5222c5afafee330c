"""Behaviour scored by the rules file, pure: page patterns, caps per day and per life,
visits (30 minutes of inactivity end one; a new day's visit is a return), videos, e-mail
activity, and an anonymous visitor's behaviour folded into the person's lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadwire.domain.errors import RulesError
from leadwire.domain.models import Channel, Lead, LeadEvent, Profile, lead_id_for
from leadwire.domain.rules import DEFAULT_RULES_FILE, parse_rules
from leadwire.domain.scoring import absorb, score

DAY1 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
VISITOR = "anon-7f3a"


def seen(activity: str, at: datetime, page: str | None = None, n: int = 0, **profile) -> LeadEvent:
    return LeadEvent(
        event_id=f"segment:{activity}-{page}-{at.isoformat()}-{n}",
        provider="segment",
        channel=Channel.EVENT,
        occurred_at=at,
        visitor_id=VISITOR,
        profile=Profile(**profile),
        activity=activity,
        page=page,
    )


def run(events: list[LeadEvent], rules, lead: Lead | None = None):
    entries = []
    for event in events:
        outcome = score(lead, event, rules, event.occurred_at)
        lead = outcome.lead
        entries.append(outcome.entry)
    return lead, entries


def test_pricing_views_earn_once_a_day_and_a_new_days_visit_is_a_return(rules):
    # Given three pricing views: two within one visit on day 1, one on day 2
    lead, entries = run(
        [
            seen("page", DAY1, "/pricing"),
            seen("page", DAY1 + timedelta(minutes=5), "/pricing/team"),
            seen("page", DAY1 + timedelta(days=1), "/Pricing"),
        ],
        rules,
    )
    # Then the first of each day scores, and day 2 is a return visit
    assert [e.rules for e in entries] == [
        {"action.pricing_page_view": 10},
        {"action.pricing_page_view": 0},
        {"action.pricing_page_view": 10, "action.return_visit": 5},
    ]
    assert lead.visits == 2 and lead.action_points["pricing_page_view"] == 20
    assert lead.engagement == pytest.approx(25, abs=0.5)


def test_thirty_minutes_of_inactivity_end_a_visit_and_a_same_day_visit_is_no_return(rules):
    lead, entries = run(
        [
            seen("page", DAY1, "/"),
            seen("page", DAY1 + timedelta(minutes=29), "/about"),
            seen("page", DAY1 + timedelta(minutes=29 + 31), "/blog"),
        ],
        rules,
    )
    assert lead.visits == 2
    assert all("action.return_visit" not in e.rules for e in entries)


def test_return_visits_stop_earning_at_their_cap(rules):
    days = [seen("page", DAY1 + timedelta(days=d), "/blog", n=d) for d in range(10)]
    lead, entries = run(days, rules)
    bonuses = [e.rules.get("action.return_visit", 0) for e in entries]
    assert bonuses == [0, 5, 5, 5, 5, 5, 0, 0, 0, 0]  # cap 25
    assert lead.visits == 10


def test_a_page_no_pattern_names_is_a_page_view_capped_per_day(rules):
    views = [seen("page", DAY1 + timedelta(minutes=m), f"/blog/{m}") for m in range(5)]
    _, entries = run(views, rules)
    assert [e.rules["action.page_view"] for e in entries] == [1, 1, 1, 0, 0]


def test_careers_pages_take_points_away_down_to_their_cap(rules):
    views = [seen("page", DAY1 + timedelta(days=d), "/careers/open-roles") for d in range(4)]
    _, entries = run(views, rules)
    assert [e.rules["action.careers_page_view"] for e in entries] == [-10, -10, 0, 0]


def test_a_completed_video_is_video_watched_and_other_tracked_events_score_nothing(rules):
    _, entries = run(
        [
            seen("Video Playback Completed", DAY1),
            seen("video content completed", DAY1 + timedelta(days=1)),
            seen("Button Clicked", DAY1 + timedelta(days=1, minutes=1)),
        ],
        rules,
    )
    assert [e.action for e in entries] == ["video_watched", "video_watched", "site_event"]
    assert entries[2].points == 0


def test_email_clicks_score_opens_do_not_and_unsubscribes_and_spam_reports_take_away(rules):
    email = "pat@initech.example"
    events = [
        LeadEvent(
            event_id=f"sendgrid:{i}",
            provider="sendgrid",
            channel=Channel.EVENT,
            occurred_at=DAY1 + timedelta(hours=i),
            profile=Profile(email=email),
            activity=activity,
        )
        for i, activity in enumerate(
            ["email_open", "email_click", "email_unsubscribe", "email_spam_report"]
        )
    ]
    lead, entries = run(events, rules)
    assert [(e.action, e.rules[f"action.{e.action}"]) for e in entries] == [
        ("email_open", 0),
        ("email_click", 5),
        ("email_unsubscribe", -15),
        ("email_spam_report", -30),
    ]
    assert lead.visits == 0  # e-mail activity is not a visit to the site


def test_an_anonymous_visitors_behaviour_folds_into_the_person_who_identifies(rules):
    visitor, _ = run(
        [seen("page", DAY1, "/pricing"), seen("page", DAY1 + timedelta(days=1), "/pricing")],
        rules,
    )
    person = lead_id_for("pat@initech.example")
    merged = absorb(None, visitor, person, rules, DAY1 + timedelta(days=1, hours=1))
    assert merged.lead_id == person and merged.visits == 2
    assert merged.action_points == {"pricing_page_view": 20, "return_visit": 5}
    # The day's cap still holds after the merge
    later = seen("page", DAY1 + timedelta(days=1, hours=2), "/pricing", email="pat@initech.example")
    outcome = score(merged, later, rules, later.occurred_at)
    assert outcome.entry.rules["action.pricing_page_view"] == 0
    assert "action.return_visit" not in outcome.entry.rules  # a second visit on the same day


def test_rules_without_behaviour_score_it_as_nothing(rules):
    text = (
        DEFAULT_RULES_FILE.read_text().split("\npages:")[0]
        + "\n"
        + (DEFAULT_RULES_FILE.read_text().split("\nchat:", 1)[1].join(["chat:", ""]))
    )
    older = parse_rules(text, "older.yaml")
    assert older.behaviour is None
    outcome = score(None, seen("page", DAY1, "/pricing"), older, DAY1)
    assert outcome.entry.action == "behaviour" and outcome.entry.points == 0


def test_a_page_pattern_pointing_at_an_unknown_action_names_its_line():
    text = DEFAULT_RULES_FILE.read_text().replace('"/docs*": docs_view', '"/docs*": docs_veiw')
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "rules.yaml")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "docs_veiw" in t)
    assert f"rules.yaml:{line}: pages./docs*: action 'docs_veiw'" in raised.value.message
    assert "did you mean 'docs_view'" in raised.value.message
