"""Words and small helpers every part of moderation shares: custom-id prefix, status words,
dates as moderators read them, and fitting lists and cards into Discord's limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.ui import (
    EMBED_TOTAL_MAX,
    Card,
    Reply,
    clip,
)

PREFIX = "mod"
DUE_WINDOW = timedelta(days=30)
DIGEST_EVERY = timedelta(days=7)
DIGEST_SLACK = timedelta(minutes=30)  # an hourly check may run a little early; still once a week
REVIEW_PAGE = 5  # drafts per /faq-admin review: one row of buttons each
HISTORY_PAGE = 10
KIND_WORDS = {"create": "new entry", "edit": "edit", "retire": "retirement"}
STATUS_WORDS = {"pending": "waiting for review", "approved": "approved", "rejected": "rejected",
                "superseded": "superseded"}

STALE = "That button no longer works. Please run the command again."
SELF_APPROVAL = (
    "You wrote draft #{rev}, so another moderator needs to approve it: health information never goes "
    "live on one person's say-so. Ask a fellow moderator to look at `/faq-admin review`. Thank you for "
    "writing it!"
)
STALE_BASE = (
    "The live entry `{entry}` changed after draft #{rev} was written, so approving it could undo that "
    "change. I've marked the draft as superseded (it stays in the history). Please propose the change "
    "again with `/faq-admin edit {entry}`."
)
PROTECTED_SELF = (
    "`{entry}` is a protected safety entry, so draft #{rev} needs another moderator's approval, even on "
    "servers that allow self-approval. Members keep getting the current answer until then."
)
PROTECTED_RETIRE = (
    "`{entry}` is a protected safety entry, so retiring it needs a second moderator: Draft #{rev} is waiting "
    "in `/faq-admin review`. Members keep getting it until another moderator approves."
)



def when(moment: datetime) -> str:
    """A moment as moderators read it in history and audit posts."""
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def day(value: date) -> str:
    """A date as moderators read it."""
    return f"{value.day} {value:%b %Y}"


def join_lines(lines: list[str], limit: int) -> str:
    """Whole lines while they fit in ``limit`` characters, then how many were left out."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        more = f"…and {len(lines) - index} more."
        if used + len(line) + 1 + len(more) > limit:
            kept.append(more)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join(kept)


def fit_cards(cards: list[Card]) -> list[Card]:
    """Keep cards, in order, while the message stays within Discord's 6,000-character total."""
    kept: list[Card] = []
    total = 0
    for card in cards:
        if total + card.char_count() > EMBED_TOTAL_MAX:
            break
        kept.append(card)
        total += card.char_count()
    return kept


def no_pending(ref: str) -> Reply:
    """The reply when nothing waits for review under ``ref``."""
    return Reply.text(f"There is no draft waiting for review for `{clip(ref, 80)}`. "
                      "`/faq-admin review` lists them.")

