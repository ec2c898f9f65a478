"""Why a check-in command was refused: domain errors, rendered by :func:`bot.errors.reply_for`."""

from __future__ import annotations

from bot.checkins.streaks import MAX_PAUSE_DAYS
from bot.errors import InvalidInput, SupportError

NOT_ENROLLED = (
    "You haven't started check-ins. `/checkin start` explains what is stored and asks for your "
    "agreement first — nothing is saved before that."
)
STOPPED_NOTICE = (
    "Your check-ins are stopped, so there are no reminders and nothing new is logged; what you kept "
    "is still here, for you alone. `/checkin start` turns them back on."
)


class NotEnrolled(SupportError):
    """The member never agreed to check-ins, so nothing of theirs exists to read or change."""

    text = NOT_ENROLLED


class CheckinsStopped(SupportError):
    """The member stopped check-ins: what they kept is readable, nothing new is logged."""

    text = STOPPED_NOTICE


class UnknownTimeZone(InvalidInput):
    """Neither an IANA zone nor a city the zone list knows."""

    def __init__(self, typed: str) -> None:
        super().__init__(
            f"I don't recognise the time zone {typed[:60]!r}. Start typing your city (for example London or "
            "New York) and pick it from the list."
        )


class UnreadableTime(InvalidInput):
    """A reminder time that is not a clock time ("8pm", "20:00")."""

    def __init__(self, typed: str) -> None:
        super().__init__(f"I couldn't read {typed[:30]!r} as a time. Try something like 8pm or 20:00.")


class PauseLength(InvalidInput):
    """A pause outside 1 to :data:`~bot.checkins.streaks.MAX_PAUSE_DAYS` days."""

    text = f"A pause can last from 1 to {MAX_PAUSE_DAYS} days."
