"""Honest review states, per entry and per server.

The content files are a starter pack written from sources. Whether an entry has been *reviewed*
is a fact about one community: its moderators checked the question, short answer, detail and
sources, on a day, and a new review falls due a year later. So the state is computed per server:

* ``drafted``: written from its sources, not yet reviewed by this server's moderators;
* ``reviewed``: signed off by a named moderator of this server (protected entries by two);
* ``due``: it was reviewed, but the review date has passed.

A sign-off covers exactly what was checked (:func:`review_hash`): an alias or tag edit keeps it,
a change to the text or the sources makes the entry read as not reviewed again. Review metadata in
a content file counts only for the *home* server, whose moderators own the files.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.faq.models import FaqEntry

ReviewState = Literal["drafted", "reviewed", "due"]
STATE_WORDS: dict[str, str] = {"drafted": "drafted", "reviewed": "reviewed", "due": "review due"}
# How long a review holds: crisis and safety entries (lines, numbers, what to do) go out of date
# fastest and are checked every 3 months, as the starter pack planned; everything else yearly.
PROTECTED_REVIEW_MONTHS = 3
REVIEW_MONTHS = 12


def review_hash(entry: FaqEntry) -> str:
    """A fingerprint of what a reviewer checks: question, short answer, detail and sources.
    Aliases, tags, related entries and the category are not health claims."""
    data = {
        "question": entry.meta.question,
        "summary": entry.meta.summary,
        "body": entry.body,
        "sources": [s.model_dump(mode="json") for s in entry.meta.sources],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_protected(entry: FaqEntry) -> bool:
    """Safety entries (``protected: true``): signing them off, like approving or retiring them,
    needs a second moderator."""
    return entry.meta.protected


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(entry: FaqEntry, reviewed_on: date) -> date:
    """When a review signed off on ``reviewed_on`` falls due."""
    return months_after(reviewed_on, PROTECTED_REVIEW_MONTHS if is_protected(entry) else REVIEW_MONTHS)


@dataclass(slots=True, frozen=True)
class SignOff:
    """A server's completed sign-off of an entry (see ``faq_signoffs``)."""

    entry_id: str
    review_hash: str
    by_name: str
    reviewed_on: date
    review_due: date
    second_by_name: str | None = None

    @property
    def reviewers(self) -> str:
        """Who signed it off, as members read it ("Ann" or "Ann and Bo")."""
        return self.by_name + (f" and {self.second_by_name}" if self.second_by_name else "")


@dataclass(slots=True, frozen=True)
class ReviewStatus:
    """Where an entry's review stands (reviewed, due, overdue) in one server."""

    state: ReviewState
    by: str | None = None
    on: date | None = None
    due: date | None = None

    @property
    def reviewed(self) -> bool:
        return self.state != "drafted"


DRAFTED = ReviewStatus("drafted")


def review_status(entry: FaqEntry, signoff: SignOff | None, file_entry: FaqEntry | None, *, home: bool,
                  today: date, hasher: Callable[[FaqEntry], str] = review_hash) -> ReviewStatus:
    """This server's review state of ``entry`` as it is served to it."""
    if signoff is None and not (home and file_entry is not None and file_entry.meta.review == "reviewed"):
        return DRAFTED  # nothing could make it reviewed: no fingerprint to compute
    current = hasher(entry)
    if signoff is not None and signoff.review_hash == current:
        return _dated(signoff.reviewers, signoff.reviewed_on, signoff.review_due, today)
    meta = file_entry.meta if file_entry is not None else None
    if (home and meta is not None and meta.review == "reviewed" and meta.reviewed_on is not None
            and meta.review_due is not None and hasher(file_entry) == current):  # type: ignore[arg-type]
        return _dated(meta.reviewed_by, meta.reviewed_on, meta.review_due, today)
    return DRAFTED


def _dated(by: str | None, on: date, due: date, today: date) -> ReviewStatus:
    return ReviewStatus("due" if due <= today else "reviewed", by, on, due)
