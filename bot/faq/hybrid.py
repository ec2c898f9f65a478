"""The semantic half of FAQ search: sentence-embedding similarity between a question and every
phrasing (question and aliases) and the summary of every entry.

Why a hybrid: the lexical index is precise when members use the entries' words, and helpless when
they don't ("my head is full of cotton wool"); a sentence model links paraphrases but cannot tell
"fibro fog" jargon or an uncovered detail ("teeth") on its own. Blending the two confidences and
answering only when the blend is confident beat either alone on the tuning set, above all on
abstention. The constants below were chosen on the train part of the tuning questions only
(``bench/faq_tune.py``); the blind set is never used to choose them.

Vectors for phrasings and summaries are cached in ``content/faq-embeddings.npz`` keyed by model
and text, so a restart re-embeds only edited texts; the cache is rewritten only for the files' own entries
(never for drafts published from Discord, which are embedded in memory).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.faq.head import EntryHead
from bot.faq.models import FaqEntry
from bot.faq.text import strip_noise
from bot.semantic import Encoder
from bot.semantic.cache import embed_cached

CACHE_FILE = "faq-embeddings.npz"
# Chosen by ``bench/faq_tune.py`` on the train part of the tuning questions (both files, split by
# entry, so no question about a dev entry is seen while choosing): among settings that leave at
# least 92 % of out-of-scope train questions unanswered (the target 0.90 plus a margin), the most
# right answers (one answer either way counted as a tie), then the fewest false abstentions, then
# the closest to the previous setting. Train: top-1 0.939 -> 0.946, abstention 0.912 -> 0.930,
# false abstention 0.011 -> 0.007; dev (only looked at): 0.924 -> 0.937, 0.88 -> 0.88,
# 0.038 -> 0.025. What moved: an entry's similarity is now 0.7 x its best phrasing's cosine +
# 0.3 x its summary's, on a tighter cosine scale (0.85-0.96), with a slightly lower threshold.
LEXICAL_WEIGHT = 0.6  # blend: 0.6 x lexical confidence + 0.4 x scaled similarity
LEXICAL_FLOOR = 0.4  # and the answer's own lexical confidence must reach this: a high cosine alone
# cannot answer a question about something the pack never covers ("is cbd oil good for fibro")
COSINE_FLOOR = 0.85  # similarity at or below this counts as none (e5 cosines sit high)
COSINE_CEILING = 0.96  # similarity at or above this counts as a perfect paraphrase
ANSWER_THRESHOLD = 0.475  # the blend answers at or above this
SUMMARY_WEIGHT = 0.3  # an entry's similarity: its best phrasing's cosine, moved this far toward
# its summary's (an entry whose own short answer is about the question beats a neighbour with one
# alias worded like it)
# Tried and not adopted (0 = off; ``bench/faq_tune.py --explore`` searches them): each gained at
# most one train question and cost out-of-scope abstention on dev.
SECOND_WEIGHT = 0.0  # ... and this far toward its second best phrasing's
MARGIN_WEIGHT = 0.0  # the answer decision adds this x (best blend - second best blend)
# The classification head (``bot/faq/head.py``): its probability for the entry, p, enters either
# the similarity (HEAD_WEIGHT x (p - 1): an entry the head is sure of keeps its similarity, the
# others lose up to HEAD_WEIGHT on the cosine scale, so a question the head cannot place loses
# confidence everywhere) or only the ranking order (HEAD_ORDER_WEIGHT x p is added to the blend
# to choose the best candidate; whether it is answered is still decided on its blend alone).
# Both are searched by ``bench/faq_tune.py``; 0 is off. Measured and left off: with every constant
# free the grid takes HEAD_WEIGHT 0.08 and re-fits the blend around it (train top-1 0.957 -> 0.971,
# dev 0.937 -> 0.911, dev abstention 0.88 -> 0.84); with the rest held (``--head-only``) it takes
# HEAD_ORDER_WEIGHT 0.1: one train question more (within the tie tolerance), dev unchanged, and on
# held-out phrasings (``bench/faq_heldout.py``) search top-1 0.878 -> 0.891. Train/dev do not show
# a gain beyond one question, so neither is in force; the head is fitted and measured regardless.
# HEAD_ORDER_WEIGHT 0.1 measured once on the blind split changed none of its figures.
HEAD_WEIGHT = 0.0
HEAD_ORDER_WEIGHT = 0.0


def head_in_use() -> bool:
    """Whether the head has any say in the search. While both its weights are 0, a search neither
    fits it (about 120 ms on a server's first question) nor asks it; the tuning benchmarks ask
    for it explicitly."""
    return bool(HEAD_WEIGHT or HEAD_ORDER_WEIGHT)


def scaled(cosine: float) -> float:
    """A cosine as a 0..1 similarity on the scale the blend uses."""
    return min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))


def similarity(best: float, second: float, summary: float, head: float = 1.0) -> float:
    """An entry's semantic similarity (on the cosine scale) from its three cosines and the head's
    probability for it (1, no change, where there is no head)."""
    return best + SECOND_WEIGHT * (second - best) + SUMMARY_WEIGHT * (summary - best) + HEAD_WEIGHT * (head - 1.0)


def ranking(confidence: float, head: float) -> float:
    """The value candidates are ordered by: the blend, plus the head's say in *which* entry."""
    return confidence + HEAD_ORDER_WEIGHT * head


def answers(confidence: float, lexical: float, runner_up: float) -> bool:
    """Whether the best candidate is answered: its blend plus a share of its lead over the next
    candidate reaches the threshold, and its own lexical confidence reaches the floor.

    Why the lead: an out-of-scope question near the pack's topics ("does alcohol make fibro
    worse") tends to sit about equally close to several entries, while a question in new words
    about one entry stands clearly above its neighbours even when its own blend is modest."""
    return confidence + MARGIN_WEIGHT * (confidence - runner_up) >= ANSWER_THRESHOLD and lexical >= LEXICAL_FLOOR


def blend(lexical: float, cosine: float) -> float:
    """The answer confidence from a lexical score and a (rescaled) cosine."""
    return LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * scaled(cosine)


class SemanticRanker:
    """Per-entry similarities between a question and the entry: its best phrasing, its second
    best phrasing and its summary, and the classification head's probability for the entry.

    Why more than the best phrasing: one alias that happens to share a question's shape can pull
    a neighbour entry ahead ("is there a blood test that shows fibro" matched a tests-and-scans
    alias more closely than any how-diagnosed one); an entry that several phrasings and its own
    summary agree on is the safer answer. The weights of the three are tuned like the rest.

    Phrasings are stored grouped by entry in a padded (entries x most phrasings) table, so one
    matrix product and one partial sort give all three for every entry: no Python loop per entry.
    """

    def __init__(self, encoder: Encoder, entries: Sequence[FaqEntry], *, cache: Path | None = None,
                 persist: bool = False) -> None:
        self.encoder = encoder
        texts: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(entries):
            for text in dict.fromkeys([entry.question, *entry.meta.aliases]):
                texts.append(text)
                owners.append(index)
        summaries = [entry.meta.summary or entry.question for entry in entries]
        # One call for phrasings and summaries: the cache file keeps only the texts of its last call.
        vectors = embed_cached(encoder, texts + summaries, cache, persist=persist)
        self._vectors = vectors  # phrasings, then one summary per entry
        self._count = len(entries)
        self._phrasings = len(texts)
        width = max(2, max((owners.count(i) for i in range(len(entries))), default=0))
        slots = np.full((len(entries), width), len(texts) + len(entries), dtype=np.int64)  # padding
        fill = [0] * len(entries)
        for row, owner in enumerate(owners):
            slots[owner, fill[owner]] = row
            fill[owner] += 1
        for index, count in enumerate(fill):
            if count == 1:  # an entry with one phrasing: its second best is its best
                slots[index, 1] = slots[index, 0]
        self._slots = slots
        self._labels = owners + list(range(len(entries)))  # the head's classes: phrasings, then summaries
        self._head: EntryHead | None = None
        self._head_lock = threading.Lock()

    @property
    def head(self) -> EntryHead | None:
        """The classification head over every phrasing and summary (one class per entry), None
        without entries. Fitted on first use, not when the ranker is built: indexes are built on
        the event loop (a reload, a draft published from Discord, every server's revisions at
        start), searches in worker threads, so the fit (about 120 ms) never blocks the bot, and a
        server nobody asks costs nothing. A fit is remembered per set of vectors (``head.py``)."""
        if self._head is None and self._count:
            with self._head_lock:
                if self._head is None:
                    self._head = EntryHead.fit(self._vectors, self._labels, self._count)
        return self._head

    def similarities(self, text: str, *, with_head: bool | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(best phrasing, second best phrasing, summary) cosine and head probability per entry,
        in the order of the entries given; -1 cosines and 0 probabilities when the question has no
        words. ``with_head`` (default: :func:`head_in_use`) False gives probability 1 for every
        entry, which changes neither the similarity nor the order, without fitting the head."""
        empty = np.full(self._count, -1.0, dtype=np.float32)
        cleaned = " ".join(strip_noise(text).split())
        if not (cleaned and len(self._vectors)):
            return empty, empty.copy(), empty.copy(), np.zeros(self._count, dtype=np.float32)
        if with_head is None:
            with_head = head_in_use()
        head = self.head if with_head else None
        query = self.encoder.encode([cleaned])[0]
        # einsum, not ``@``: a matrix-vector product this small goes to the BLAS library's thread
        # pool, which on a busy two-core host waits for its threads (about 10 ms, measured)
        # where one core needs 0.2 ms.
        all_cos = np.append(np.einsum("ij,j->i", self._vectors, query), np.float32(-1.0))
        table = all_cos[self._slots]
        top2 = -np.partition(-table, 1, axis=1)[:, :2]
        summary = all_cos[self._phrasings:self._phrasings + self._count]
        probabilities = head.probabilities(query) if head is not None else np.ones(self._count, dtype=np.float32)
        return top2[:, 0], top2[:, 1], summary, probabilities

    def cosines(self, text: str) -> np.ndarray:
        """Best phrasing cosine per entry (index order of the entries given), -1 where none."""
        return self.similarities(text)[0]
