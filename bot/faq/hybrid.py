"""The semantic half of FAQ search: sentence-embedding similarity between a question and every
phrasing (question and aliases) and the summary of every entry.

Why a hybrid: the lexical index is precise when members use the entries' words, and helpless when
they don't ("my head is full of cotton wool"); a sentence model links paraphrases but cannot tell
"fibro fog" jargon or an uncovered detail ("teeth") on its own. Blending the two confidences and
answering only when the blend is confident beat either alone on the tuning set, above all on
abstention. The constants below were chosen on the train part of the tuning questions only
(``bench/faq_tune.py``); the blind set is never used to choose them.

The entry's answer counts too: its summary and body, cut into passages of a paragraph or so and
embedded with e5's "passage: " prefix (the model was trained to bring a question close to the
passage that answers it), each led by the entry's question as a title; an entry's passage cosine
is that of its best passage.

Vectors for phrasings, summaries and passages are cached in ``content/faq-embeddings.npz`` keyed by model
and text, so a restart re-embeds only edited texts; the cache is rewritten only for the files' own entries
(never for drafts published from Discord, which are embedded in memory).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
SUMMARY_WEIGHT = 0.2  # an entry's similarity: its best phrasing's cosine, moved this far toward
# its summary's (an entry whose own short answer is about the question beats a neighbour with one
# alias worded like it)
PASSAGE_WEIGHT = 0.2  # ... and this far toward its best answer passage's cosine (below). Chosen
# with ``bench/faq_tune.py --only SUMMARY_WEIGHT,PASSAGE_WEIGHT,ANSWER_THRESHOLD`` (the other
# constants held): summary 0.3 -> 0.2 and passage 0 -> 0.2; train top-1 0.951 -> 0.954, dev
# 0.950 -> 0.960, abstention and false abstention unchanged on both. One question each way, so
# it is evidence that the passages do no harm more than proof that they help. The full grid
# chose a re-tuned setting with passage 0.2 as well, but it lost out-of-scope abstention on dev
# (0.889 -> 0.778), so it was not taken.
# Tried and not adopted (0 = off; ``bench/faq_tune.py --explore`` searches them): each gained at
# most one train question and cost out-of-scope abstention on dev.
SECOND_WEIGHT = 0.0  # ... and this far toward its second best phrasing's
MARGIN_WEIGHT = 0.0  # the answer decision adds this x (best blend - second best blend)
PASSAGE_POOL = 1  # an entry's passage cosine: the mean of its best this many passages (2 measured
# no better on train)
CHUNK_WORDS = 80  # an answer passage is at most about this many words (the model reads ~512 tokens,
# and a shorter passage keeps one paragraph's topic from being averaged away by the others;
# 40 measured the same on the tuning questions, 130 one train answer fewer)
HEADING_WORDS = 8  # a block this short ("**What usually happens**") joins the block after it
_MARKUP = re.compile(r"\*\*|__|`|^\s*(?:[-*+]|\d+\.)\s+|^#+\s*", re.MULTILINE)


def scaled(cosine: float) -> float:
    """A cosine as a 0..1 similarity on the scale the blend uses."""
    return min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))


def similarity(best: float, second: float, summary: float, passage: float | None = None) -> float:
    """An entry's semantic similarity (on the cosine scale) from its cosines: best and second
    best phrasing, summary, and best answer passage (the best phrasing's stands in without one)."""
    passage = best if passage is None else passage
    return (best + SECOND_WEIGHT * (second - best) + SUMMARY_WEIGHT * (summary - best)
            + PASSAGE_WEIGHT * (passage - best))


def answer_passages(summary: str, body: str) -> list[str]:
    """An entry's answer as passages for the sentence model: the summary, then the body in chunks
    of at most about ``CHUNK_WORDS`` words, Markdown marks removed.

    Why: e5 was trained to bring a question ("query: ") close to the passage that answers it
    ("passage: "). A member's question in new words often matches no phrasing closely, but one
    paragraph of the right entry says what it asks about ("is a gp enough or do i need a
    specialist" and the paragraph on who makes the diagnosis). Paragraphs stay whole where they
    fit; a heading joins the paragraph after it; a long paragraph is cut between lines or
    sentences."""
    passages = [" ".join(summary.split())] if summary.strip() else []
    pieces: list[list[str]] = []  # per block, its lines or sentences
    carry = ""
    for block in re.split(r"\n\s*\n", body):
        text = _MARKUP.sub("", block).strip()
        if not text:
            continue
        if len(text.split()) < HEADING_WORDS and not carry:
            carry = text
            continue
        parts = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        if carry:
            parts[0] = f"{carry}: {parts[0]}" if not carry.endswith((".", ":", "?", "!")) else f"{carry} {parts[0]}"
            carry = ""
        pieces.append(parts)
    if carry:
        pieces.append([carry])
    for parts in pieces:
        sentences = [s for part in parts for s in (re.split(r"(?<=[.!?])\s+", part)
                                                   if len(part.split()) > CHUNK_WORDS else [part])]
        chunk: list[str] = []
        for sentence in sentences:
            if chunk and len(" ".join([*chunk, sentence]).split()) > CHUNK_WORDS:
                passages.append(" ".join(chunk))
                chunk = []
            chunk.append(sentence)
        if chunk:
            passages.append(" ".join(chunk))
    return passages


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
    best phrasing, its summary and its best answer passage.

    Why more than the best phrasing: one alias that happens to share a question's shape can pull
    a neighbour entry ahead ("is there a blood test that shows fibro" matched a tests-and-scans
    alias more closely than any how-diagnosed one); an entry that several phrasings and its own
    summary agree on is the safer answer. The weights of the three are tuned like the rest.

    Phrasings and passages are stored grouped by entry in padded (entries x most rows) tables, so
    one matrix product and one partial sort per table give all four for every entry: no Python
    loop per entry.
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
        passages: list[str] = []
        passage_owners: list[int] = []
        for index, entry in enumerate(entries):
            # Each passage leads with the entry's question, as a title: "Who makes the diagnosis.
            # A GP or family doctor can often..." alone could be about any referral; with its
            # question it is about diagnosing fibro (measured: the best titled passage alone
            # ranked the right entry first for 302 of 368 train questions, untitled 244).
            for text in dict.fromkeys(f"{entry.question} {chunk}"
                                      for chunk in answer_passages(entry.meta.summary, entry.body)):
                passages.append(text)
                passage_owners.append(index)
        # One call for phrasings, summaries and passages: the cache file keeps only the texts of
        # its last call. Passages are embedded with the passage prefix, under keys of their own.
        vectors = embed_cached(encoder, texts + summaries, cache, persist=persist, passages=passages)
        self._vectors = vectors  # phrasings, then one summary per entry, then the passages
        self._count = len(entries)
        self._phrasings = len(texts)
        padding = len(vectors)  # one past the last row, where the cosines get a -1
        self._slots, fill = _table(owners, len(entries), padding, base=0)
        for index, count in enumerate(fill):
            if count == 1:  # an entry with one phrasing: its second best is its best
                self._slots[index, 1] = self._slots[index, 0]
        self._passage_slots, passage_fill = _table(passage_owners, len(entries), padding,
                                                   base=len(texts) + len(entries))
        self._passage_width = np.maximum(1, np.asarray(passage_fill, dtype=np.int64))

    def similarities(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(best phrasing, second best phrasing, summary, answer passage) cosine per entry, in the
        order of the entries given; -1 everywhere when the question has no words. The passage
        cosine is the mean of the entry's best ``PASSAGE_POOL`` passages (read at call time, so
        ``bench/faq_tune.py`` can try others)."""
        empty = np.full(self._count, -1.0, dtype=np.float32)
        cleaned = " ".join(strip_noise(text).split())
        if not cleaned or not len(self._vectors):
            return empty, empty.copy(), empty.copy(), empty.copy()
        query = self.encoder.encode([cleaned])[0]
        # einsum, not ``@``: a matrix-vector product this small goes to the BLAS library's thread
        # pool, which on a busy two-core host waits for its threads (about 10 ms, measured)
        # where one core needs 0.2 ms.
        all_cos = np.append(np.einsum("ij,j->i", self._vectors, query), np.float32(-1.0))
        table = all_cos[self._slots]
        top2 = -np.partition(-table, 1, axis=1)[:, :2]
        summary = all_cos[self._phrasings:self._phrasings + self._count]
        return top2[:, 0], top2[:, 1], summary, self._pool(all_cos[self._passage_slots])

    def _pool(self, table: np.ndarray) -> np.ndarray:
        """Per entry, the mean of its best ``PASSAGE_POOL`` passage cosines (fewer where it has fewer)."""
        pool = max(1, min(int(PASSAGE_POOL), table.shape[1]))
        if pool == 1:
            return table.max(axis=1)
        top = -np.partition(-table, pool - 1, axis=1)[:, :pool]  # the best ``pool``, unordered
        count = np.minimum(self._passage_width, pool)
        return np.where(top > -1.0, top, 0.0).sum(axis=1) / count  # padding (-1) is left out

    def cosines(self, text: str) -> np.ndarray:
        """Best phrasing cosine per entry (index order of the entries given), -1 where none."""
        return self.similarities(text)[0]


def _table(owners: Sequence[int], entries: int, padding: int, *, base: int) -> tuple[np.ndarray, list[int]]:
    """Rows ``base + i`` grouped by owner into a padded (entries x most rows) table (at least two
    columns; padding points at ``padding``), and how many rows each entry has."""
    fill = [0] * entries
    for owner in owners:
        fill[owner] += 1
    slots = np.full((entries, max(2, max(fill, default=0))), padding, dtype=np.int64)
    seen = [0] * entries
    for row, owner in enumerate(owners):
        slots[owner, seen[owner]] = base + row
        seen[owner] += 1
    return slots, fill
