"""Which day a check-in is for: the words members type for the last week, and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from bot.checkins.days import day_choices, day_label, day_problem, loggable_days, parse_day

TODAY = date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, TODAY), ("", TODAY), ("today", TODAY), ("Today", TODAY), ("yesterday", date(2026, 11, 22)),
        ("monday", TODAY), ("sunday", date(2026, 11, 22)), ("Sat", date(2026, 11, 21)),
        ("tues", date(2026, 11, 17)), ("2026-11-16", date(2026, 11, 16)), ("20 November", date(2026, 11, 20)),
        ("20th nov", date(2026, 11, 20)), ("November 19", date(2026, 11, 19)), ("Nov 19, 2026", date(2026, 11, 19)),
        ("Friday 20 November", date(2026, 11, 20)), ("Yesterday (Sun 22 November)", date(2026, 11, 22)),
        ("last tuesday", date(2026, 11, 17)), ("on Saturday", date(2026, 11, 21)), ("last monday", date(2026, 11, 16)),
        ("this monday", TODAY), ("friday just gone", date(2026, 11, 20)), ("the day before yesterday", date(2026, 11, 21)),
        ("3 days ago", date(2026, 11, 20)), ("two days ago", date(2026, 11, 21)), ("7 days ago", date(2026, 11, 16)),
        ("a week ago", date(2026, 11, 16)), ("1 week ago", date(2026, 11, 16)), ("a day ago", date(2026, 11, 22)),
        ("20/11", date(2026, 11, 20)), ("11/20", date(2026, 11, 20)), ("20.11.", date(2026, 11, 20)),
        ("20/11/2026", date(2026, 11, 20)), ("11/20/26", date(2026, 11, 20)), ("(20/11)", date(2026, 11, 20)),
    ],
)
def test_days_members_type(text: str | None, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["2026-11-15", "2026-11-24", "15 November", "tomorrow", "last week", "t", "31 February", "13 smarch",
             "'; DROP TABLE checkins; --", "@everyone", "2 weeks ago", "an hour ago", "3/4", "32/11", "20/11/2025",
             "24/11"],
)
def test_anything_outside_the_week_is_refused(text: str) -> None:
    assert parse_day(text, TODAY) is None


def test_new_year_dates_without_a_year_fall_in_the_window() -> None:
    assert parse_day("31 December", date(2027, 1, 2)) == date(2026, 12, 31)


def test_choices_cover_the_week_and_filter() -> None:
    all_days = day_choices("", TODAY)
    assert [v for _, v in all_days] == [d.isoformat() for d in loggable_days(TODAY)]
    assert all_days[0][0] == "Today (Mon 23 November)" and all_days[1][0] == "Yesterday (Sun 22 November)"
    assert day_choices("fri", TODAY) == [("Friday 20 November", "2026-11-20")]
    assert day_choices("yesterday", TODAY) == [("Yesterday (Sun 22 November)", "2026-11-22")]
    assert day_choices("next year", TODAY) == []
    assert all(len(label) <= 100 for label, _ in all_days)
    assert day_label(date(2026, 11, 18), TODAY) == "Wednesday 18 November"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026-11-10", "Tuesday 10 November 2026 is more than 7 days ago, so I can't back-fill it: the earliest day "
                       "I can log is Monday 16 November 2026."),
        ("10 november", "Tuesday 10 November 2026 is more than 7 days ago"),
        ("12 days ago", "Wednesday 11 November 2026 is more than 7 days ago"),
        ("tomorrow", "Tuesday 24 November 2026 hasn't happened yet where you are"),
        ("25 november", "Wednesday 25 November 2026 hasn't happened yet"),  # not last year's
        ("2026-11-30", "Monday 30 November 2026 hasn't happened yet"),
        ("13 smarch", "You can log today or back-fill any of the last 7 days"),
        ("last week", "You can log today or back-fill any of the last 7 days"),
        ("2 weeks ago", "Monday 9 November 2026 is more than 7 days ago"),
        ("two weeks ago", "Monday 9 November 2026 is more than 7 days ago"),
        ("13/11", "Friday 13 November 2026 is more than 7 days ago"),
        ("9/11", "You can log today or back-fill any of the last 7 days"),  # November or September
        ("25/11", "Wednesday 25 November 2026 hasn't happened yet"),
        ("3/4", "You can log today or back-fill any of the last 7 days"),  # March or April: no guess
    ],
)
def test_a_day_that_cannot_be_logged_says_why(text: str, says: str) -> None:
    """A real date a fortnight back is too long ago, not misunderstood; a future one has not
    happened yet; only words that name no day get the list of what works."""
    assert parse_day(text, TODAY) is None
    assert says in day_problem(text, TODAY)


def test_choices_follow_last_and_on_as_the_log_does() -> None:
    """"last tue" and "on sat" are understood by the log, so the list filters on them too; a
    half-typed "las" keeps every day in view instead of showing none."""
    assert day_choices("last tue", TODAY) == [("Tuesday 17 November", "2026-11-17")]
    assert day_choices("on sat", TODAY) == [("Saturday 21 November", "2026-11-21")]
    assert len(day_choices("las", TODAY)) == len(loggable_days(TODAY))
    assert day_choices("thu", TODAY) == [("Thursday 19 November", "2026-11-19")]
