"""The FAQ's custom ids: open an entry, and vote an answer helpful or not."""

from __future__ import annotations

from dataclasses import dataclass

from bot.customid import SLUG, Family, Flag, Kind


@dataclass(frozen=True, slots=True)
class OpenEntry:
    """A related or suggested entry's button (also sent by care's replies)."""

    entry: str


@dataclass(frozen=True, slots=True)
class Vote:
    """"Helpful" / "Not helpful" under an answer."""

    helpful: bool
    entry: str


OPEN = Kind(OpenEntry, "faq:open:{entry}", entry=SLUG)
VOTE = Kind(Vote, "faq:vote:{helpful}:{entry}", helpful=Flag("up", "down"), entry=SLUG)
EXPIRED = "That button no longer works. Try the command again."
FAQ_IDS = Family("faq", [OPEN, VOTE], EXPIRED)
