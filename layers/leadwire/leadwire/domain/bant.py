"""Read budget and timeline from what people actually type into forms ("$40k", "Q3", "asap")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache

_UNKNOWN = re.compile(
    r"^\s*(?:n/?a|none|no|nope|not sure|unsure|unknown|tbd|tbc|-+|0|\$?0|no budget|"
    r"no timeline|don'?t know|dunno|\?+)\s*$",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([km]|mm|million|thousand)?\b", re.IGNORECASE)
_MULTIPLIER = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6}

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2,
    "few": 3,
}  # fmt: skip
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
_SPAN = re.compile(
    r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple|few)"
    r"(?:\s*(?:-|to|–)\s*\d+)?[\s-]*(?:of\s+)?(day|week|month|quarter|year)s?\b",
    re.IGNORECASE,
)
_NOW_WORDS = {
    "today": 0, "now": 0, "immediately": 0, "right away": 0, "asap": 7, "as soon as possible": 7,
    "tomorrow": 1, "this week": 7, "next week": 14,
}  # fmt: skip
_QUARTER = re.compile(r"\bq([1-4])(?:\s*['’]?\s*(\d{2,4}))?\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def is_known(text: str | None) -> bool:
    return bool(text and text.strip() and not _UNKNOWN.match(text))


# Answers kept read: forms mostly offer a few choices ("next quarter", "$10k-$50k"), and
# reading one is several regex searches on the scoring path.
_ANSWERS_KEPT = 256


@lru_cache(maxsize=_ANSWERS_KEPT)
def budget_amount(text: str | None) -> float | None:
    """The lower end of a stated budget, in the currency's units ("$40k-60k" -> 40000)."""
    if not is_known(text):
        return None
    match = _AMOUNT.search(text or "")
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * _MULTIPLIER.get((match.group(2) or "").lower(), 1)


def timeline_days(text: str | None, now: datetime) -> int | None:
    """Days until the stated decision ("within 2 weeks" -> 14, "Q3" -> to the end of Q3).

    A date already past ("0001-01-01", last year's "Q1 2019") is not a timeline we know: None,
    never 0, so a wrong or absurd date cannot make a lead look urgent.
    """
    return _timeline_days(text, now.date())


@lru_cache(maxsize=_ANSWERS_KEPT)
def _timeline_days(text: str | None, today: date) -> int | None:
    """timeline_days as of the day `today` (all it reads of the moment)."""
    if not is_known(text):
        return None
    lowered = (text or "").lower()
    if m := _ISO_DATE.search(lowered):
        try:
            days = (date(int(m[1]), int(m[2]), int(m[3])) - today).days
        except ValueError:
            return None
        return days if days >= 0 else None
    if _now_words().search(lowered):  # one search rules them all out (the usual case)
        for pattern, days in _now_patterns():
            if pattern.search(lowered):
                return days
    if m := _SPAN.search(lowered):
        count = int(m[1]) if m[1].isdigit() else _NUMBER_WORDS[m[1].lower()]
        return count * _UNIT_DAYS[m[2].lower()]
    if m := _QUARTER.search(lowered):
        year = int(m[2]) if m[2] else today.year
        year = year + 2000 if year < 100 else year
        end = _quarter_end(year, int(m[1]))
        if end < today and not m[2]:
            end = _quarter_end(year + 1, int(m[1]))
        return (end - today).days if end >= today else None
    for phrase, end_of in _RELATIVE.items():
        if phrase in lowered:  # only the phrase said has its date worked out
            return (end_of(today) - today).days
    return None


def _this_quarter_end(today: date) -> date:
    return _quarter_end(today.year, (today.month - 1) // 3 + 1)


_RELATIVE: dict[str, Callable[[date], date]] = {
    "this month": lambda today: _month_end(today, 0),
    "next month": lambda today: _month_end(today, 1),
    "this quarter": _this_quarter_end,
    "next quarter": lambda today: _this_quarter_end(today) + timedelta(days=91),
    "this year": lambda today: date(today.year, 12, 31),
    "next year": lambda today: date(today.year + 1, 12, 31),
}


@lru_cache(maxsize=1)
def _now_words() -> re.Pattern[str]:
    """Any of the now-words: when none is said, none of their patterns is tried."""
    return re.compile(rf"\b(?:{'|'.join(_NOW_WORDS)})\b")


@lru_cache(maxsize=1)
def _now_patterns() -> list[tuple[re.Pattern[str], int]]:
    """Compiled on first use (a cold start that reads no timeline does not pay for them)."""
    return [(re.compile(rf"\b{phrase}\b"), days) for phrase, days in _NOW_WORDS.items()]


def _quarter_end(year: int, quarter: int) -> date:
    return _month_end(date(year, quarter * 3, 1), 0)


def _month_end(day: date, months_ahead: int) -> date:
    month_index = day.month - 1 + months_ahead + 1
    first_of_following = date(day.year + month_index // 12, month_index % 12 + 1, 1)
    return first_of_following - timedelta(days=1)
