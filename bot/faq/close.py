"""Entries that might be close, for a question the search could not answer with confidence.

The search (``bot.faq.search``, ``bot.faq.hybrid``) decides whether a question has an answer; it
is tuned and measured on held-out questions and nothing here changes it. When it abstains, a
member who typed one word ("sleep"), or misspelt one ("fatige"), should still see the entries
that plainly are about that word. This module matches the question's words against each entry's
question and tags only, tolerant of typos (``rapidfuzz``), and offers what it finds before the
search's own suggestions.

Two rules keep it safe and kind:

- Safety entries (crisis lines, emergency numbers) are never offered unless the search itself
  judged the question to be about crisis (it then offers one): "did you mean: crisis lines" under
  a question about sleep would frighten, not help.
- A question that lands on low mood or loneliness (entries tagged so) is offered both of those
  entries, and a gentle pointer to ``/help-now``: someone typing "feeling low, nobody gets it"
  is not asking for a leaflet alone.

The titles and tags are few (about sixty entries), so matching is a handful of C-speed fuzzy
comparisons per word: well under a millisecond (``bench/faq_close.py``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz, process

from bot.faq.models import FaqEntry
from bot.faq.search import SAFETY_CATEGORY

CLOSE_MAX = 3  # as many as the search suggests: the ``ask --json`` contract says "up to 3"
# Entries on low mood and on loneliness or peer support carry these tags (content/*.md).
LOW_MOOD_TAGS = frozenset({"mood", "depression", "mental health", "loneliness", "peer support"})
LOW_MOOD_POINTER = ("It sounds like today is heavy. You don't have to carry it alone: `/help-now` lists people "
                    "you can talk to, any time.")

# Words that say nothing about a topic: in questions ("how do i ...") and in nearly every title
# ("... with fibromyalgia?"). Only these are ignored; every other word may match.
_STOP = frozenset("""
a about after again all also am an and any anyone anything are as at be been being but by can cant
could did do does doing dont down even ever feel feeling feels for from get gets getting go going got
had has have having help helps how i if im in into is isnt it its ive just know like lot me more most
much my myself need no nobody not now of off on one or other our out over really should so some
someone something still than that the their them then there these they thing things this those to
today too up us very want was way we were what when where which who why will with without would you
your fibromyalgia fibro fm fms normal
""".split())
# A hyphenated word stays one word: "low-dose" is not about feeling low.
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SHORT = 3  # words this short match exactly only ("low", "gp", "cbt"): one letter off is another word
CUTOFF_SHORT_WORDS, CUTOFF = 86, 80  # ratio for 4-5 letters ("slep"), and for longer ("fatige")


def _words(text: str) -> list[str]:
    return [w.replace("-", "") for w in _WORD.findall(text.casefold().replace("'", "")) if w not in _STOP]


@dataclass(slots=True)
class _Keyword:
    entries: dict[int, float]  # entry -> 2 when the word is in its question, else 1 (a tag)
    weight: float  # rarer words say more: "sleep" points at two entries, "pain" at a dozen


class CloseEntries:
    """Title and tag words of one set of entries, for typo-tolerant matching."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.entries = list(entries)
        found: dict[str, dict[int, float]] = defaultdict(dict)
        for index, entry in enumerate(self.entries):
            for word in _words(" ".join(entry.meta.tags)):
                found[word][index] = 1.0
            for word in _words(entry.question):  # the title says what the entry is about
                found[word][index] = 2.0
        total = max(len(self.entries), 1)
        self.keywords = {w: _Keyword(ids, math.log(1 + total / len(ids))) for w, ids in found.items()}
        self._vocab = list(self.keywords)
        self._safety = frozenset(i for i, e in enumerate(self.entries) if e.meta.category == SAFETY_CATEGORY)
        self._safety_ids = frozenset(self.entries[i].id for i in self._safety)
        self._low_mood = [i for i, e in enumerate(self.entries) if LOW_MOOD_TAGS.intersection(e.meta.tags)]

    def match(self, question: str, *, allow_safety: bool = False, limit: int = CLOSE_MAX) -> list[str]:
        """Ids of the entries whose question or tags share the question's words, best first."""
        scores: dict[int, float] = defaultdict(float)
        for word in dict.fromkeys(_words(question[:300])):
            for keyword, ratio in self._similar(word):
                hit = self.keywords[keyword]
                for index, place in hit.entries.items():
                    scores[index] += place * hit.weight * ratio / 100
        ranked = sorted((i for i in scores if allow_safety or i not in self._safety), key=lambda i: (-scores[i], i))
        return [self.entries[i].id for i in ranked[:limit]]

    def _similar(self, word: str) -> list[tuple[str, float]]:
        if len(word) <= SHORT:
            return [(word, 100.0)] if word in self.keywords else []
        found = process.extract(word, self._vocab, scorer=fuzz.ratio, score_cutoff=CUTOFF, limit=8)
        # Both words must be long for the looser cut-off: "number" is not "numb".
        return [(keyword, score) for keyword, score, _ in found if len(keyword) > SHORT
                and score >= (CUTOFF_SHORT_WORDS if min(len(word), len(keyword)) <= 5 else CUTOFF)]

    def low_mood(self) -> list[str]:
        """The entries on low mood, loneliness and peer support, in pack order."""
        return [self.entries[i].id for i in self._low_mood]

    def is_safety(self, entry_id: str) -> bool:
        return entry_id in self._safety_ids


@dataclass(slots=True)
class Offer:
    """What a no-match reply offers: entry ids for buttons, and whether to point to ``/help-now``."""

    ids: list[str]
    low_mood: bool = False


_CACHE: WeakKeyDictionary[object, CloseEntries] = WeakKeyDictionary()


def close_entries(index: object, entries: Sequence[FaqEntry]) -> CloseEntries:
    """The matcher for one search index, built once: an index never changes (content reloads
    build a new one), so its titles and tags are read once per index."""
    matcher = _CACHE.get(index)
    if matcher is None:
        matcher = _CACHE[index] = CloseEntries(entries)
    return matcher


def offer(matcher: CloseEntries, question: str, suggested: Sequence[str], *, limit: int = CLOSE_MAX) -> Offer:
    """The entries a no-match reply offers: those sharing the question's words first, then the
    search's own suggestions; the low-mood entries together when the question lands on one.

    Safety entries come only from the search, which offers them for questions about crisis.
    """
    about_crisis = any(matcher.is_safety(s) for s in suggested)
    ids = list(dict.fromkeys([*matcher.match(question, allow_safety=about_crisis, limit=limit), *suggested]))
    mood = matcher.low_mood()
    low_mood = any(i in mood for i in ids[:limit])
    if low_mood:
        first = next(n for n, i in enumerate(ids) if i in mood)  # the one the question landed on stays first
        ids = list(dict.fromkeys([*ids[:first + 1], *mood, *ids[first + 1:]]))
    return Offer(ids[:limit], low_mood)
