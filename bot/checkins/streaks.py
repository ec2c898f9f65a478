"""Check-in streaks that are kind to flares.

People with chronic pain cannot always check in: a flare, a bad night or an appointment can take a
day. A streak that resets on the first missed day would punish exactly the members who most need
support, so missed days are treated as rest days, up to a per-server allowance.

The rules, precisely (all days are the member's LOCAL calendar days):

* **Calendar.** Paused days without a check-in are removed from the calendar, as if they did not
  exist: they are neither missed nor counted, and they do not take up room in the 7-day window.
  A check-in made on a paused day counts like any other: a pause only ever protects, so pausing
  right after checking in today (or checking in once during a pause) never lowers anything, and
  a pause freezes ``current`` and ``longest`` exactly for as long as it lasts.
  A day is *missed* only when it is over: before ``today``, not paused and without a check-in.
  Today (and any later day) without a check-in is *pending*: it is left out, so not having
  checked in yet never breaks anything. A check-in dated after ``today`` (possible right after a
  member moves west across time zones) is kept rather than dropped.
* **Window rule.** A *run* is a stretch of calendar days that starts and ends with a check-in and
  in which every 7 consecutive calendar days, counted only over days inside the run, hold at most
  ``rest_allowance`` missed days. Walking back from the newest day, the current run continues
  through a missed day only while that still holds; equivalently, the streak breaks at a missed
  day ``d`` when the 7 calendar days starting at ``d`` hold more than ``rest_allowance`` missed
  days. Missed days after the newest check-in (up to yesterday) count towards that window too:
  they are rest days while the rule holds and break the streak when it does not.
* **Value.** A streak's value is the number of check-in days in its run; rest days neither add to
  it nor break it. Missed days at a run's old end are not part of it.
* ``current`` is the value of the run reaching the newest day (0 when that run has no check-in).
  ``longest`` is the best value the current streak has ever had on any day, so later missed days
  never lower it and ``longest >= current`` always.
* ``rest_days_left_this_week`` is ``rest_allowance`` minus the missed days of the current run among
  the 6 calendar days before today; missing today keeps the streak exactly when it is at least 1.
  With no current run, the full allowance is available to the next one.
* ``welcome_back`` is true when there are check-ins before the current run (an earlier run ended
  with a break) and the current run has at most one check-in, so the bot can greet a returning
  member warmly instead of mentioning what was lost.

Everything is computed in one pass over the days between the first and the newest check-in, with
integer day ordinals, so a year of daily check-ins takes well under a millisecond.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.checkins.models import plural

DEFAULT_REST_ALLOWANCE = 2
MIN_REST_ALLOWANCE = 0
MAX_REST_ALLOWANCE = 6  # 7 would mean a streak can never break
WINDOW_DAYS = 7
MAX_PAUSE_DAYS = 30
CONSISTENCY_DAYS = 28
WELCOME_BACK_MAX_RUN = 1

Pause = tuple[date, date]


@dataclass(frozen=True, slots=True)
class StreakSummary:
    """What the stats reply and the check-in reply show; see the module docstring for the rules."""

    current: int
    longest: int
    consistency_28: int  # check-in days among the 28 local days ending today, today included
    total: int  # distinct check-in days ever
    checked_in_today: bool
    rest_days_left_this_week: int
    welcome_back: bool


def pause_problems(start: date, end: date) -> list[str]:
    """Kind messages for a pause the member asked for; empty when it can be saved.

    Both ends are included: a pause from Monday to Monday is 8 days.
    """
    if end < start:
        return ["The pause should end on or after the day it starts."]
    length = (end - start).days + 1
    if length > MAX_PAUSE_DAYS:
        return [
            f"A pause can last up to {MAX_PAUSE_DAYS} days (this one is {length}). "
            "You can start another one when it ends."
        ]
    return []


def _paused_ordinals(pauses: Sequence[Pause]) -> frozenset[int]:
    """All paused days as ordinals; overlapping pauses simply merge."""
    paused: set[int] = set()
    for start, end in pauses:
        problems = pause_problems(start, end)
        if problems:
            raise ValueError(f"Invalid pause {start}..{end}: {problems[0]}")
        paused.update(range(start.toordinal(), end.toordinal() + 1))
    return frozenset(paused)


def _add_gap(lo: int, hi: int, slot: int, paused: frozenset[int], misses: list[int]) -> int:
    """Record days ``lo`` .. ``hi - 1`` (all before today, none checked in) as missed slots.

    Returns the next free slot index. Paused days take no slot at all.
    """
    if lo >= hi:
        return slot
    if not paused:
        misses.extend(range(slot, slot + hi - lo))
        return slot + hi - lo
    for ordinal in range(lo, hi):
        if ordinal not in paused:
            misses.append(slot)
            slot += 1
    return slot


def summarize(
    days: Iterable[date],
    today: date,
    *,
    rest_allowance: int = DEFAULT_REST_ALLOWANCE,
    pauses: Sequence[Pause] = (),
) -> StreakSummary:
    """Streak figures for one member from the local days they checked in on.

    ``days`` may hold duplicates and be in any order. ``today`` is the member's local date in
    their current time zone. Raises ValueError for an allowance outside 0..6 or a malformed pause
    (stored pauses are checked with :func:`pause_problems` first).
    """
    if not MIN_REST_ALLOWANCE <= rest_allowance <= MAX_REST_ALLOWANCE:
        raise ValueError(
            f"rest_allowance must be {MIN_REST_ALLOWANCE}..{MAX_REST_ALLOWANCE}, not {rest_allowance}"
        )
    t = today.toordinal()
    checked = {d.toordinal() for d in days}
    paused = _paused_ordinals(pauses) if pauses else frozenset()
    total = len(checked)
    checked_in_today = t in checked
    consistency = sum(1 for o in range(t - CONSISTENCY_DAYS + 1, t + 1) if o in checked)

    streak_days = sorted(checked)
    if not streak_days:
        return StreakSummary(0, 0, consistency, total, checked_in_today, rest_allowance, False)

    # Lay the calendar out as slots 0..n-1 (pending days and paused days without a check-in take
    # none). Only the slot
    # indices of missed days and of check-ins are kept.
    misses: list[int] = []
    check_slots: list[int] = []
    slot = 0
    previous = streak_days[0] - 1
    for ordinal in streak_days:
        if ordinal - previous > 1:
            slot = _add_gap(previous + 1, min(ordinal, t), slot, paused, misses)
        check_slots.append(slot)
        slot += 1
        previous = ordinal
    slot = _add_gap(previous + 1, t, slot, paused, misses)  # missed days up to yesterday

    # Missed slot misses[j] breaks every run reaching misses[j + r] or later when the
    # (r + 1)-th missed day counted from it falls inside its 7-day window. Those activation
    # points only grow with j, so one forward sweep finds each stretch between breaks; the
    # streak is best on the last day before the next break takes effect.
    r = rest_allowance
    longest = 0
    break_slot = -1
    for j in range(len(misses) - r):
        activates = misses[j + r]
        if activates - misses[j] < WINDOW_DAYS:
            value = bisect_left(check_slots, activates) - bisect_right(check_slots, break_slot)
            longest = max(longest, value)
            break_slot = misses[j]

    first_in_run = bisect_right(check_slots, break_slot)
    current = len(check_slots) - first_in_run
    longest = max(longest, current)

    if current == 0:
        rest_left = r
    else:
        run_start = streak_days[first_in_run]
        used = seen = 0
        ordinal = t - 1
        while seen < WINDOW_DAYS - 1 and ordinal >= run_start:
            if ordinal in checked or ordinal not in paused:
                seen += 1
                if ordinal not in checked:
                    used += 1
            ordinal -= 1
        rest_left = max(0, r - used)

    welcome_back = first_in_run > 0 and current <= WELCOME_BACK_MAX_RUN
    return StreakSummary(current, longest, consistency, total, checked_in_today, rest_left, welcome_back)


def encouragement(summary: StreakSummary, *, updated: bool = False, just_logged: bool = False) -> str:
    """One short, warm line for the check-in and stats replies.

    Never mentions a lost or broken streak: a member coming back after a hard stretch is greeted,
    not scored. Missed days are always called rest days. ``updated`` says the reply is for a
    check-in that changed an earlier one, so it is never thanked as a "first" check-in;
    ``just_logged`` says the member has just saved one, so a first check-in back-filled for an
    earlier day is welcomed too, rather than told that resting today is fine.
    """
    s = summary
    if s.welcome_back:
        return "Welcome back — it's good to see you."
    if just_logged and s.total == 1 and not updated and not s.checked_in_today:
        return "Thank you for your first check-in — it's good to have you here."
    if s.current == 0:
        if s.checked_in_today:
            return "Thank you for checking in. Your streak is paused, so rest as much as you need."
        if s.total == 0:
            return "Whenever you're ready, a check-in takes about a minute."
        return "Whenever you're ready, your next check-in starts a new streak."
    days = plural(s.current, "day")
    if s.checked_in_today:
        if s.total == 1 and not updated:
            return "Thank you for your first check-in — it's good to have you here."
        if s.current == s.longest and s.current >= WINDOW_DAYS:
            return f"Thank you for checking in — {days}, your longest streak so far."
        return f"Thank you for checking in — your streak is {days}."
    if s.rest_days_left_this_week > 0:
        rest = plural(s.rest_days_left_this_week, "rest day")
        return f"Your streak is {days}. Resting today is fine: you have {rest} left this week."
    return (
        f"Your streak is {days}. This week's rest days are used, so a check-in today would keep "
        "it going — whenever suits you."
    )
