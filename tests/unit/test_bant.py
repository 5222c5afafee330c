"""Budget and timeline as people type them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadwire.domain.bant import budget_amount, is_known, timeline_days

NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$40k", 40_000),
        ("40,000 USD", 40_000),
        ("€50k-100k", 50_000),
        ("1.2m", 1_200_000),
        ("approved", None),
        ("none", None),
        ("", None),
    ],
)
def test_budget_amount(text, amount):
    assert budget_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("within 2 weeks", 14),
        ("1 month", 30),
        ("one month", 30),
        ("3-6 months", 90),
        ("asap", 7),
        ("today", 0),
        ("this week", 7),
        ("next month", 36),
        ("Q1", 126),
        ("Q4", 36),
        ("2026-12-31", 36),
        ("this year", 36),
        ("not sure", None),
        ("soonish", None),
        ("2026-11-25", 0),
    ],
)
def test_timeline_days(text, days):
    assert timeline_days(text, NOW) == days


def test_unknown_answers_do_not_count_as_known():
    assert not is_known("N/A") and not is_known("tbd") and not is_known(" ")
    assert is_known("Q3")


@pytest.mark.parametrize("text", ["0001-01-01", "2026-11-24", "1999-12-31", "Q1 2019", "q3 '25"])
def test_a_past_or_absurd_date_is_no_known_timeline_so_never_urgent(text):
    assert timeline_days(text, NOW) is None
