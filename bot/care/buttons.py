"""Care's custom ids: the "let a moderator know I'd like support" button."""

from __future__ import annotations

from dataclasses import dataclass

from bot.customid import Family, Kind


@dataclass(frozen=True, slots=True)
class AskForSupport:
    """The member asked for a moderator (``/help-now`` and crisis replies); carries nothing, so
    nothing the member typed ever travels in the id."""


ALERT = Kind(AskForSupport, "care:alert")
CARE_IDS = Family("care", [ALERT], "That button has expired. `/help-now` works any time.")
