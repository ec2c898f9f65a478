"""Local days across DST changes and zone moves, zone autocomplete and reminder-time parsing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checkins.streaks import summarize
from bot.checkins.timezones import (
    CHOICE_NAME_MAX,
    CHOICES_MAX,
    COMMON_ZONES,
    canonical_zone,
    is_valid_zone,
    local_day,
    parse_clock,
    zone_choices,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def at_local(zone: str, *args: int) -> datetime:
    """The UTC instant of a local wall-clock time (first occurrence if it repeats)."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --- local_day ------------------------------------------------------------------------------------


def test_local_day_basic() -> None:
    now = utc(2025, 1, 15, 23, 30)
    assert local_day("UTC", now) == date(2025, 1, 15)
    assert local_day("Europe/London", now) == date(2025, 1, 15)
    assert local_day("Europe/Berlin", now) == date(2025, 1, 16)
    assert local_day("America/New_York", now) == date(2025, 1, 15)
    assert local_day("Pacific/Auckland", now) == date(2025, 1, 16)
    assert local_day("Pacific/Honolulu", utc(2025, 1, 16, 9, 59)) == date(2025, 1, 15)


def test_naive_datetime_is_taken_as_utc() -> None:
    assert local_day("Europe/Berlin", datetime(2025, 1, 15, 23, 30)) == date(2025, 1, 16)


def test_other_aware_datetimes_are_converted() -> None:
    tokyo = datetime(2025, 1, 16, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 23:00 UTC on the 15th
    assert local_day("Europe/London", tokyo) == date(2025, 1, 15)


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "europe/london", "localtime", "../../etc/passwd"])
def test_unknown_zone_is_an_error(bad: str) -> None:
    with pytest.raises(ValueError):
        local_day(bad, utc(2025, 1, 1))


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/London", date(2025, 1, 20)),
        ("America/New_York", date(2025, 7, 4)),
        ("Asia/Kolkata", date(2025, 3, 1)),  # +05:30
        ("Pacific/Chatham", date(2025, 9, 28)),  # +12:45 / +13:45, DST starts that morning
        ("Australia/Lord_Howe", date(2025, 4, 6)),  # half-hour DST shift that morning
        ("Pacific/Kiritimati", date(2025, 12, 31)),  # +14
        ("Pacific/Pago_Pago", date(2025, 12, 31)),  # -11
    ],
)
def test_day_boundary_2359_and_0000(zone: str, day: date) -> None:
    before = at_local(zone, day.year, day.month, day.day, 23, 59)
    assert local_day(zone, before) == day
    assert local_day(zone, before + timedelta(seconds=59)) == day
    assert local_day(zone, before + timedelta(minutes=1)) == day + timedelta(days=1)
    midnight = at_local(zone, day.year, day.month, day.day, 0, 0)
    assert local_day(zone, midnight) == day
    assert local_day(zone, midnight - timedelta(microseconds=1)) == day - timedelta(days=1)


def test_london_spring_forward() -> None:
    # 30 March 2025: clocks go from 01:00 GMT to 02:00 BST at 01:00 UTC
    assert local_day("Europe/London", utc(2025, 3, 29, 23, 59)) == date(2025, 3, 29)
    assert local_day("Europe/London", utc(2025, 3, 30, 0, 0)) == date(2025, 3, 30)
    assert local_day("Europe/London", utc(2025, 3, 30, 22, 59)) == date(2025, 3, 30)  # 23:59 BST
    assert local_day("Europe/London", utc(2025, 3, 30, 23, 0)) == date(2025, 3, 31)  # midnight BST


def test_london_fall_back() -> None:
    # 26 October 2025: clocks go from 02:00 BST back to 01:00 GMT at 01:00 UTC
    assert local_day("Europe/London", utc(2025, 10, 25, 22, 59)) == date(2025, 10, 25)
    assert local_day("Europe/London", utc(2025, 10, 25, 23, 0)) == date(2025, 10, 26)  # midnight BST
    assert local_day("Europe/London", utc(2025, 10, 26, 1, 30)) == date(2025, 10, 26)  # 01:30 again
    assert local_day("Europe/London", utc(2025, 10, 26, 23, 59)) == date(2025, 10, 26)  # 23:59 GMT
    assert local_day("Europe/London", utc(2025, 10, 27, 0, 0)) == date(2025, 10, 27)


def test_new_york_spring_forward() -> None:
    # 9 March 2025: 02:00 EST becomes 03:00 EDT at 07:00 UTC
    assert local_day("America/New_York", utc(2025, 3, 9, 4, 59)) == date(2025, 3, 8)  # 23:59 EST
    assert local_day("America/New_York", utc(2025, 3, 9, 5, 0)) == date(2025, 3, 9)
    assert local_day("America/New_York", utc(2025, 3, 10, 3, 59)) == date(2025, 3, 9)  # 23:59 EDT
    assert local_day("America/New_York", utc(2025, 3, 10, 4, 0)) == date(2025, 3, 10)


def test_new_york_fall_back() -> None:
    # 2 November 2025: 02:00 EDT becomes 01:00 EST at 06:00 UTC
    assert local_day("America/New_York", utc(2025, 11, 2, 3, 59)) == date(2025, 11, 1)  # 23:59 EDT
    assert local_day("America/New_York", utc(2025, 11, 2, 4, 0)) == date(2025, 11, 2)
    assert local_day("America/New_York", utc(2025, 11, 3, 4, 59)) == date(2025, 11, 2)  # 23:59 EST
    assert local_day("America/New_York", utc(2025, 11, 3, 5, 0)) == date(2025, 11, 3)


@pytest.mark.parametrize(
    ("zone", "short", "long"),
    [
        ("Europe/London", date(2025, 3, 30), date(2025, 10, 26)),
        ("America/New_York", date(2025, 3, 9), date(2025, 11, 2)),
    ],
)
def test_dst_days_are_23_and_25_hours_long(zone: str, short: date, long: date) -> None:
    """Sweep every UTC minute of the year: each local day has the right length and no gaps."""
    minutes: Counter[date] = Counter()
    t = utc(2025, 1, 2)
    while t < utc(2025, 12, 30):
        minutes[local_day(zone, t)] += 1
        t += timedelta(minutes=15)
    hours = {d: n / 4 for d, n in minutes.items() if date(2025, 1, 3) <= d <= date(2025, 12, 28)}
    assert hours[short] == 23
    assert hours[long] == 25
    assert all(h == 24 for d, h in hours.items() if d not in (short, long))
    days = sorted(hours)
    assert all((b - a).days == 1 for a, b in pairwise(days))


def test_check_ins_around_dst_make_an_unbroken_streak() -> None:
    # A member checking in at 21:30 local every evening through both changes.
    zone = "America/New_York"
    days = []
    for n in range(60):
        day = date(2025, 2, 20) + timedelta(days=n)
        days.append(local_day(zone, at_local(zone, day.year, day.month, day.day, 21, 30)))
    assert len(set(days)) == 60
    today = local_day(zone, at_local(zone, 2025, 4, 20, 22, 0))
    assert summarize(days, today).current == 60


def test_member_changes_time_zone() -> None:
    """Stored days keep their local dates; today comes from the new zone; nothing counts twice."""
    london, la, auckland = "Europe/London", "America/Los_Angeles", "Pacific/Auckland"
    stored = [local_day(london, at_local(london, 2025, 6, d, 20, 0)) for d in range(1, 11)]
    assert stored == [date(2025, 6, d) for d in range(1, 11)]

    # Flies to Los Angeles on the 11th; at 09:00 local it is 17:00 in London, same date.
    now = at_local(la, 2025, 6, 11, 9, 0)
    today = local_day(la, now)
    assert today == date(2025, 6, 11)
    s = summarize(stored, today)
    assert (s.current, s.checked_in_today) == (10, False)
    stored.append(local_day(la, now))
    s = summarize(stored, today)
    assert (s.current, s.total, s.checked_in_today) == (11, 11, True)

    # A second check-in attempt later that local evening (already the 12th in London) is the
    # same local day in the member's zone: nothing is added twice.
    later = at_local(la, 2025, 6, 11, 20, 0)
    assert local_day(london, later) == date(2025, 6, 12)
    assert local_day(la, later) == today
    assert summarize([*stored, local_day(la, later)], today).total == 11

    # Moves on to Auckland: the 12th there starts while the 11th is still going in LA.
    now = at_local(auckland, 2025, 6, 12, 8, 0)
    assert local_day(la, now) == date(2025, 6, 11)
    today = local_day(auckland, now)
    assert today == date(2025, 6, 12)
    s = summarize(stored, today)
    assert (s.current, s.checked_in_today) == (11, False)
    stored.append(today)
    assert summarize(stored, today).current == 12


def test_moving_west_keeps_a_day_that_is_still_tomorrow() -> None:
    # Checked in at 07:00 in Auckland on the 12th = 19:00 on the 11th in Hawaii.
    auckland, honolulu = "Pacific/Auckland", "Pacific/Honolulu"
    stored = [date(2025, 6, d) for d in range(1, 12)]
    moment = at_local(auckland, 2025, 6, 12, 7, 0)
    stored.append(local_day(auckland, moment))
    today = local_day(honolulu, moment + timedelta(hours=2))
    assert today == date(2025, 6, 11)
    s = summarize(stored, today)
    assert s.current == 12  # the "future" day is kept, nothing dropped
    assert s.checked_in_today
    assert s.total == 12


# --- zone names -------------------------------------------------------------------------------------


def test_is_valid_zone() -> None:
    assert is_valid_zone("Europe/London")
    assert is_valid_zone("America/New_York")
    assert is_valid_zone("UTC")
    assert is_valid_zone("US/Eastern")  # old alias, still a real zone
    for bad in ("europe/london", "London", "", "Mars/Base", "localtime", "Factory", "/etc/passwd"):
        assert not is_valid_zone(bad)
    assert not is_valid_zone(None)  # type: ignore[arg-type]


def test_canonical_zone() -> None:
    assert canonical_zone("europe/london") == "Europe/London"
    assert canonical_zone("  America/New_York ") == "America/New_York"
    assert canonical_zone("utc") == "UTC"
    assert canonical_zone("nowhere") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("london", "Europe/London"),
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("america/new", "America/New_York"),
        ("sydney", "Australia/Sydney"),
        ("los ang", "America/Los_Angeles"),
        ("kolkata", "Asia/Kolkata"),
        ("uk", "Europe/London"),
        ("auckland", "Pacific/Auckland"),
        ("utc", "UTC"),
    ],
)
def test_zone_choices_find_the_obvious_zone_first(typed: str, expected: str) -> None:
    assert zone_choices(typed)[0] == expected


def test_zone_choices_any_part_and_common_first() -> None:
    europe = zone_choices("europe")
    assert europe[0] == "Europe/London"
    assert all(z.startswith("Europe/") for z in europe)
    assert "America/Indiana/Indianapolis" in zone_choices("indianapolis")
    assert zone_choices("") == list(COMMON_ZONES[:CHOICES_MAX])
    assert zone_choices("zzzz") == []


def test_zone_choices_skip_legacy_aliases() -> None:
    assert not any(z.startswith(("US/", "Etc/", "GB")) for z in zone_choices("e", limit=25))
    assert "US/Eastern" not in zone_choices("eastern")


def test_zone_choices_limit() -> None:
    assert len(zone_choices("a")) == CHOICES_MAX
    assert len(zone_choices("a", limit=5)) == 5
    assert zone_choices("a", limit=0) == []
    assert len(zone_choices("a", limit=500)) == CHOICES_MAX


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_zone_choices_are_always_valid(typed: str) -> None:
    choices = zone_choices(typed)
    assert len(choices) <= CHOICES_MAX
    assert len(set(choices)) == len(choices)
    assert all(is_valid_zone(z) and len(z) <= CHOICE_NAME_MAX for z in choices)


# --- reminder times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8pm", time(20, 0)),
        ("8 pm", time(20, 0)),
        ("8PM", time(20, 0)),
        ("8 p.m.", time(20, 0)),
        ("8p", time(20, 0)),
        ("20:00", time(20, 0)),
        ("8:30 am", time(8, 30)),
        ("8:30am", time(8, 30)),
        ("8.30pm", time(20, 30)),
        ("0830", time(8, 30)),
        ("830", time(8, 30)),
        ("2015", time(20, 15)),
        ("20h30", time(20, 30)),
        ("8", time(8, 0)),
        ("08:05", time(8, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30 am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45pm", time(12, 45)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
        ("  7:15  ", time(7, 15)),
        ("half past seven", time(7, 30)),  # a spoken hour with no period reads like a bare one
        ("half past seven in the evening", time(19, 30)),
        ("quarter to 8 pm", time(19, 45)),
        ("Quarter past nine at night", time(21, 15)),
        ("8 o'clock", time(8, 0)),
        ("seven o’clock tonight", time(19, 0)),
        ("ten in the morning", time(10, 0)),
    ],
)
def test_parse_clock_accepts(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "24:00",
        "25:00",
        "8:60",
        "13pm",
        "0am",
        "0pm",
        "8:5",
        "12345",
        "8:30:15",
        "-8",
        "half to seven",
        "thirteen o'clock",
        "quarter past",
    ],
)
def test_parse_clock_rejects(text: str) -> None:
    assert parse_clock(text) is None


def test_parse_clock_rejects_non_text() -> None:
    assert parse_clock(None) is None  # type: ignore[arg-type]


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_clock_round_trips_24_and_12_hour(hour: int, minute: int) -> None:
    assert parse_clock(f"{hour:02d}:{minute:02d}") == time(hour, minute)
    assert parse_clock(f"{hour:02d}{minute:02d}") == time(hour, minute)
    twelve = hour % 12 or 12
    half = "am" if hour < 12 else "pm"
    assert parse_clock(f"{twelve}:{minute:02d} {half}") == time(hour, minute)


@given(st.text(max_size=20))
def test_parse_clock_never_raises(text: str) -> None:
    result = parse_clock(text)
    assert result is None or isinstance(result, time)


@pytest.mark.parametrize(("typed", "zone"), [("GMT", "Europe/London"), ("bst", "Europe/London"), ("EST", "America/New_York"),
                                             ("PST", "America/Los_Angeles"), ("MST", "America/Denver"),
                                             ("AEST", "Australia/Sydney"), (" nzdt ", "Pacific/Auckland")])
def test_clock_abbreviations_name_the_regions_zone_not_a_fixed_offset(typed: str, zone: str) -> None:
    """"GMT" and "EST" are also IANA names of fixed offsets: a Londoner who typed GMT would have
    had reminders an hour late all summer. They name the region's zone, which moves for summer."""
    from bot.checkins.service import resolve_zone
    from bot.checkins.timezones import zone_choices

    assert resolve_zone(typed) == zone
    assert zone_choices(typed)[0] == zone
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert summer.astimezone(ZoneInfo(zone)).utcoffset() != summer.astimezone(ZoneInfo(zone)).replace(month=1).utcoffset()
    assert resolve_zone("UTC") == "UTC" and resolve_zone("Europe/Paris") == "Europe/Paris"
