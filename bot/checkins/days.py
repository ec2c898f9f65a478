"""Which local day a check-in is for: "today", "yesterday", a weekday name or a date.

A flare can take a member away for several days, so any of the last week can be back-filled.
Members type days the way they say them ("monday", "last sat", "3 days ago", "a week ago",
"12 June", "30/11", "2025-06-12"); a real day outside the window is refused by name, so the
member learns why. The autocomplete offers the same days with the date spelled out, and its value
is the ISO date the member *saw* in the list, so a day picked just before midnight still means
that day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.checkins.models import MONTHS, NUMBER_WORDS

BACKFILL_DAYS = 7  # today and the 7 days before it can be logged
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_MONTHS = {m[:3].casefold(): i + 1 for i, m in enumerate(MONTHS)}
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?(?:\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")


def loggable_days(today: date) -> list[date]:
    """Today first, then each earlier day that can still be back-filled."""
    return [today - timedelta(days=n) for n in range(BACKFILL_DAYS + 1)]


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    matches = [i for i, name in enumerate(_WEEKDAYS) if name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


def _month(word: str) -> int | None:
    return _SHORT_MONTHS.get(word[:3]) if len(word) >= 3 and any(
        m.casefold().startswith(word) for m in MONTHS) else None


def _in_window(candidates: list[date], today: date) -> date | None:
    window = set(loggable_days(today))
    inside = [d for d in candidates if d in window]
    return inside[0] if len(inside) == 1 else None


_LEADING_WORDS = ("last", "on", "this", "past")  # "on monday", "last tues": the weekday decides
_RELATIVE_WORDS = {*_LEADING_WORDS, "just", "gone", "the"}  # and "monday just gone"
_AGO = re.compile(r"^(\d{1,3}|[a-z]+) (day|week)s? ago$")
_ONE = {"a": 1, "an": 1}  # "a week ago"
# "30/11", "1.12.", "11/30/2026": day and month in either order; the back-fill window decides
# which was meant (two readings of one text never both fall in the same eight days)
_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4})?)?$")


def parse_day(text: str | None, today: date) -> date | None:
    """The local date meant by ``text``, when it is today or one of the back-fill days.

    A weekday name means the latest such day (today when today has that name; "last monday" the
    one before today). A date without a year means the one inside the window. Returns None for
    anything else, so the caller can say kindly which days work (:func:`day_problem`).
    """
    meant = meant_day(text, today)
    return meant if meant is not None and meant in set(loggable_days(today)) else None


def meant_day(text: str | None, today: date) -> date | None:
    """The date ``text`` names, inside the back-fill window or not (None: not a day at all).

    Kept apart from :func:`parse_day` so that a member who typed a real date a fortnight back is
    told it is too long ago, not that the bot did not understand."""
    if text is None:
        return today
    cleaned = re.sub(r"[(),]", " ", text.casefold()).strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    if cleaned in {"", "today"}:
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if cleaned in {"day before yesterday", "the day before yesterday"}:
        return today - timedelta(days=2)
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    if ago := _AGO.match(cleaned):
        word = ago.group(1)
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word, _ONE.get(word))
        if count is None:
            return None
        return today - timedelta(days=count * (7 if ago.group(2) == "week" else 1))
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    if numeric := _NUMERIC.match(cleaned):
        return _numeric_day(numeric, today)
    words = cleaned.split(" ")
    if words[0] in {"today", "yesterday"}:  # an autocomplete label typed back, "yesterday mon 30 nov"
        return meant_day(words[0], today)
    named = [w for w in words if w not in _RELATIVE_WORDS]
    if len(named) == 1 and (weekday := _weekday(named[0])) is not None:
        back = (today.weekday() - weekday) % 7
        if back == 0 and "last" in words:
            back = 7  # "last monday" said on a Monday: a week ago, not today
        return today - timedelta(days=back)
    if len(words) > 1 and _weekday(words[0]) is not None:
        words = words[1:]  # "monday 12 june": the date decides
    rest = " ".join(words)
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        match = pattern.match(rest)
        if not match:
            continue
        month = _month(match.group(month_group))
        if month is None:
            return None
        day = int(match.group(day_group))
        years = [int(match.group(3))] if match.group(3) else [today.year, today.year - 1]
        candidates = []
        for year in years:
            try:
                candidates.append(date(year, month, day))
            except ValueError:
                continue
        if not candidates:
            return None
        return _in_window(candidates, today) or _nearest(candidates, today)
    return None


def _nearest(candidates: list[date], today: date) -> date:
    """Outside the window, the reading nearest today: "25 November" typed two days early is this
    year's, not last year's, so the member hears it hasn't happened yet."""
    return min(candidates, key=lambda d: (abs((d - today).days), d > today))


def _numeric_day(match: re.Match[str], today: date) -> date | None:
    """A date in figures: the reading (day/month or month/day, this year or last) that falls in
    the back-fill window; outside it, the nearest when day and month can only be read one way
    (so "13/11" a fortnight late is named), else None (the member gets the list of what works)."""
    first, second, year_text = int(match.group(1)), int(match.group(2)), match.group(3)
    if year_text:
        years = [int(year_text) + (2000 if len(year_text) == 2 else 0)]
    else:
        years = [today.year, today.year - 1]
    readings: list[date] = []
    for day, month in {(first, second), (second, first)}:
        for year in years:
            try:
                readings.append(date(year, month, day))
            except ValueError:
                continue
    inside = _in_window(readings, today)
    if inside is not None or not readings:
        return inside
    if len({(d.day, d.month) for d in readings}) != 1:
        return None  # "3/4" a month late: April or March? Not a guess to make for a member
    return _nearest(readings, today)


def day_problem(text: str | None, today: date) -> str:
    """Why ``text`` cannot be logged, in words that say what to do instead."""
    meant = meant_day(text, today)
    if meant is not None and meant > today:
        return (f"{_spelled(meant)} hasn't happened yet where you are, so it can't be logged yet. "
                + WINDOW_HELP)
    if meant is not None and meant < today - timedelta(days=BACKFILL_DAYS):
        earliest = today - timedelta(days=BACKFILL_DAYS)
        return (f"{_spelled(meant)} is more than {BACKFILL_DAYS} days ago, so I can't back-fill it: "
                f"the earliest day I can log is {_spelled(earliest)}.")
    return WINDOW_HELP


def _spelled(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()].capitalize()} {day.day} {MONTHS[day.month - 1]} {day.year}"


def day_label(day: date, today: date) -> str:
    """How a day reads in the list: "Today (Tue 1 December)", "Sunday 29 November"."""
    weekday, day_month = _WEEKDAYS[day.weekday()].capitalize(), f"{day.day} {MONTHS[day.month - 1]}"
    if day == today:
        return f"Today ({weekday[:3]} {day_month})"
    if day == today - timedelta(days=1):
        return f"Yesterday ({weekday[:3]} {day_month})"
    return f"{weekday} {day_month}"


def day_choices(text: str, today: date) -> list[tuple[str, str]]:
    """Autocomplete (label, ISO date) for the loggable days that match what was typed."""
    query = re.sub(r"\s+", " ", (text or "").casefold()).strip()
    meant = parse_day(query, today) if query else None
    words = query.split(" ")
    while words and words[0] and any(w.startswith(words[0]) for w in _LEADING_WORDS):
        words = words[1:]  # "last tue" filters like "tue"; a half-typed "las" lists every day
    query = " ".join(words)
    choices = []
    for day in loggable_days(today):
        label = day_label(day, today)
        if not query or day == meant or query in label.casefold() or query in day.isoformat():
            choices.append((label, day.isoformat()))
    return choices


WINDOW_HELP = (
    "You can log today or back-fill any of the last 7 days: type yesterday, a weekday such as "
    "monday, or a date such as 12 June, or pick one from the list."
)
