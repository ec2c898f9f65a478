"""Members' local days, time-zone autocomplete and reminder times.

A check-in belongs to the member's local calendar day, so "today" must always be computed in the
member's own zone; a UTC day would split one evening across two days for most of the world.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.checkins.models import NUMBER_WORDS

CHOICE_NAME_MAX = 100  # Discord's limit for one autocomplete choice
CHOICES_MAX = 25  # Discord shows at most 25 choices

# Entries tzdata ships that are not places a member lives in.
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})

# Areas of the current IANA names. Old aliases ("US/Eastern", "GB", "Etc/GMT+5" with its inverted
# sign) stay valid when typed in full but are not suggested, so the list stays short and clear.
_SUGGESTED_AREAS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/",
    "Australia/", "Europe/", "Indian/", "Pacific/",
)  # fmt: skip

# Zones most members of English-speaking support groups live in: offered first, and when the
# member has typed nothing yet.
COMMON_ZONES: tuple[str, ...] = (
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Perth",
    "Pacific/Auckland",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Halifax",
    "America/Edmonton",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Singapore",
    "UTC",
)

# Words members type that are not part of any zone name.
_ALIASES: dict[str, tuple[str, ...]] = {
    "uk": ("Europe/London",),
    "britain": ("Europe/London",),
    "england": ("Europe/London",),
    "scotland": ("Europe/London",),
    "wales": ("Europe/London",),
    "ireland": ("Europe/Dublin", "Europe/London"),
    "gmt": ("Europe/London", "UTC"),
    "eastern": ("America/New_York", "America/Toronto"),
    "central": ("America/Chicago",),
    "mountain": ("America/Denver", "America/Edmonton", "America/Phoenix"),
    "pacific": ("America/Los_Angeles", "America/Vancouver"),
    "new zealand": ("Pacific/Auckland",),
    "usa": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "india": ("Asia/Kolkata",),
}


# Clock abbreviations members type for where they live. Several ("GMT", "EST", "MST", "HST") are
# also legacy IANA names for a *fixed* offset: stored as typed, a Londoner's "GMT" or a New
# Yorker's "EST" would never move for summer time, and reminders and "today" would be an hour out
# for half the year. So they name the region's zone, and the reply says which zone that is.
# Ambiguous ones ("IST": India, Ireland or Israel; "CST": also China) are left out or take the
# meaning English-speaking members most likely intend, and the member can always pick a city.
ABBREVIATIONS: dict[str, str] = {
    "gmt": "Europe/London", "bst": "Europe/London", "uk time": "Europe/London",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "hst": "Pacific/Honolulu",
    "ast": "America/Halifax", "adt": "America/Halifax", "nst": "America/St_Johns", "ndt": "America/St_Johns",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide", "awst": "Australia/Perth",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "cet": "Europe/Paris", "cest": "Europe/Paris", "eet": "Europe/Athens", "eest": "Europe/Athens", "sast": "Africa/Johannesburg",
}


def zone_for_abbreviation(text: str) -> str | None:
    """The region's zone for a clock abbreviation ("EST" -> America/New_York), or None."""
    if not isinstance(text, str):
        return None
    return ABBREVIATIONS.get(re.sub(r"\s+", " ", text.strip().casefold()))


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """Every usable IANA name; read from tzdata once because the scan costs ~20 ms."""
    return frozenset(available_timezones() - _NOT_ZONES)


def _normalize(text: str) -> str:
    """Make "America/New_York" and "new york" comparable: lowercase words, single spaces."""
    return re.sub(r"[\s_\-]+", " ", text.casefold()).strip()


@lru_cache(maxsize=1)
def _suggestable() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(name, normalized name, normalized parts) for each suggested zone, common ones first."""
    zones = _zones()
    rank = {name: i for i, name in enumerate(COMMON_ZONES)}
    names = [z for z in zones if z.startswith(_SUGGESTED_AREAS) or z == "UTC"]
    names = [z for z in names if len(z) <= CHOICE_NAME_MAX]
    names.sort(key=lambda z: (rank.get(z, len(rank)), z))
    return tuple((z, _normalize(z), tuple(_normalize(p) for p in z.split("/"))) for z in names)


def is_valid_zone(name: str) -> bool:
    """True for a real IANA zone name, spelled exactly (the form we store)."""
    return isinstance(name, str) and name in _zones()


def canonical_zone(name: str) -> str | None:
    """The exact IANA spelling of a name typed in any case ("europe/london"), or None."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    if name in _zones():
        return name
    wanted = name.casefold()
    matches = [z for z in _zones() if z.casefold() == wanted]
    return matches[0] if len(matches) == 1 else None


def local_day(tz_name: str, now_utc: datetime) -> date:
    """The member's local calendar date at the instant ``now_utc``.

    A naive ``now_utc`` is taken to be UTC (what SQLite text timestamps give back). Raises
    ValueError for an unknown zone, so a bad stored value is noticed rather than silently
    treated as UTC.
    """
    if not is_valid_zone(tz_name):
        raise ValueError(f"Unknown time zone: {tz_name!r}")
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz_name)
    except ZoneInfoNotFoundError as exc:  # listed but unreadable: treat as unknown
        raise ValueError(f"Unknown time zone: {tz_name!r}") from exc
    return now_utc.astimezone(zone).date()


def day_span(tz_name: str, day: date) -> tuple[datetime, datetime]:
    """The real (UTC) interval that local ``day`` covers in a zone: [start, end)."""
    zone = ZoneInfo(tz_name)
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def same_real_day(day: date, zone_a: str, zone_b: str) -> bool:
    """Whether local ``day`` in ``zone_a`` and the same date in ``zone_b`` share any real time.

    A member who moves from UTC+14 to UTC-12 lives through the same date twice: those two
    "Mondays" never overlap, so a check-in from the first one must not be overwritten by the
    second. London and New York Mondays overlap, so they are the same day for the member.
    """
    if zone_a == zone_b:
        return True
    a_start, a_end = day_span(zone_a, day)
    b_start, b_end = day_span(zone_b, day)
    return a_start < b_end and b_start < a_end


def zone_choices(prefix: str, limit: int = CHOICES_MAX) -> list[str]:
    """Autocomplete: zones matching what the member typed, best first, at most ``limit``.

    Matching ignores case, spaces, underscores and hyphens and looks at every part of the name,
    so "london" finds Europe/London and "new york" finds America/New_York. Ranking: an exact
    match, then zones whose city or area starts with the text, then any zone containing it;
    common zones come first within each group.
    """
    limit = max(0, min(limit, CHOICES_MAX))
    if limit == 0:
        return []
    query = _normalize(prefix or "")
    entries = _suggestable()
    if not query:
        return [name for name, _, _ in entries[:limit]]

    groups: list[list[str]] = [[], [], [], []]
    seen: set[str] = set()
    for name, norm, parts in entries:
        if norm == query or (parts and parts[-1] == query):
            groups[0].append(name)
        elif any(p.startswith(query) for p in parts) or norm.startswith(query):
            groups[2].append(name)
        elif query in norm:
            groups[3].append(name)
    for word, names in _ALIASES.items():
        if len(query) >= 2 and word.startswith(query):
            groups[1].extend(n for n in names if n in _zones())
    if (abbreviated := zone_for_abbreviation(query)) is not None:
        groups[0].insert(0, abbreviated)  # "est": America/New_York first, never the fixed "EST"

    result: list[str] = []
    for group in groups:
        for name in group:
            if name not in seen:
                seen.add(name)
                result.append(name)
                if len(result) >= limit:
                    return result
    return result


_CLOCK = re.compile(
    r"""^\s*
    (?P<hour>\d{1,2})
    (?:\s*[:.h]\s*(?P<minute>\d{2}))?
    \s*(?P<half>a\.?\s*m\.?|p\.?\s*m\.?|a|p)?
    \s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_COMPACT = re.compile(r"^\s*(?P<hour>\d{1,2})(?P<minute>\d{2})\s*(?P<half>a\.?m\.?|p\.?m\.?)?\s*$", re.I)


_PERIODS = (("in the morning", "am"), ("in the afternoon", "pm"), ("in the evening", "pm"), ("at night", "pm"),
            ("tonight", "pm"), ("this evening", "pm"), ("morning", "am"), ("evening", "pm"))
_SPOKEN = re.compile(r"^(?:(half|quarter) (past|to) )?(\d{1,2}|[a-z]+)(?: ?o ?clock)?(?: (am|pm))?$")


def _spoken_to_clock(text: str) -> str:
    """"half past seven", "quarter to 8 in the evening", "seven o'clock" -> "7:30", "19:45",
    "7:00" (a spoken hour without a period is read like a bare hour: morning); anything else
    unchanged, for the numeric patterns."""
    spoken = re.sub(r"[’']", "", text)
    spoken = re.sub(r"\s+", " ", spoken).strip()
    for words, half in _PERIODS:
        if spoken.endswith(" " + words):
            spoken = f"{spoken[: -len(words) - 1]} {half}"
            break
    match = _SPOKEN.match(spoken)
    if not match or not (match[1] or "clock" in spoken or match[3] in NUMBER_WORDS or match[4]):
        return text
    hour = NUMBER_WORDS.get(match[3]) or (int(match[3]) if match[3].isdigit() else None)
    if hour is None or not 1 <= hour <= 12:
        return text
    minute = {None: 0, "half": 30, "quarter": 15}[match[1]]
    if match[2] == "to":
        if match[1] != "quarter":  # "half to seven" is not a time
            return text
        hour, minute = hour - 1 or 12, 45
    return f"{hour}:{minute:02d}{match[4] or ''}"


def parse_clock(text: str) -> time | None:
    """A reminder time from what a member types, or None when it is not a time.

    Accepts "8pm", "8 pm", "8:30 am", "8.30pm", "20:00", "20h30", "0830", "830", "noon",
    "midnight", and spoken times: "half past seven", "quarter to 8 in the evening", "seven
    o'clock", "9 at night". A bare hour ("8") is read as 08:00. Returns None rather than guessing for
    "25:00", "13pm" or "0am".
    """
    if not isinstance(text, str):
        return None
    cleaned = _spoken_to_clock(text.strip().casefold())
    if cleaned in {"noon", "midday"}:
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = _CLOCK.match(cleaned) or _COMPACT.match(cleaned)
    if not match:
        return None
    hour = int(match["hour"])
    minute = int(match["minute"] or 0)
    half = (match["half"] or "").replace(".", "").replace(" ", "")
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)  # 12am is 00, 12pm is 12
    elif hour > 23:
        return None
    return time(hour, minute)
