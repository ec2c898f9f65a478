"""Rank vetted entries for a free-text question, and know when not to answer.

Design (measured on the project's development set, see the README):

* Two fields, kept apart: **phrasings** (question, each alias, the tags) and the **body**
  (summary and detail). A long body must not drown a perfect question match, so each phrasing is
  its own BM25 document and an entry scores ``max(phrasing) + 0.3 × body``.
* Words are folded (accents, case, UK → US spelling) and stemmed; a word the pack has never used
  is corrected against the pack's own vocabulary ("fibromyalga" → "fibromyalgia").
* Abstention uses coverage, not raw BM25: the share of the question's information (IDF mass) that
  the best phrasing and the whole entry account for, plus fuzzy similarity to the best phrasing.
  A question about something the pack never mentions ("can fibro affect my teeth") leaves
  "teeth" uncovered, and the bot says honestly that it has no vetted answer.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.faq import hybrid
from bot.faq.hybrid import SemanticRanker, blend, ranking, similarity
from bot.faq.models import CATEGORY_ORDER, FaqEntry
from bot.faq.text import INTENT_WORDS, Vocabulary, normalise_question, stem, words
from bot.semantic import Encoder

K1 = 1.2
B = 0.75
BODY_WEIGHT = 0.3
SPELL_CUTOFF = 80
ANSWER_THRESHOLD = 0.5  # lexical only; the hybrid's own threshold is in bot/faq/hybrid.py
CANDIDATES = 8
# Lexical ordering: mostly confidence, with the BM25 score (relative to the best) to break the
# ties confidence leaves (a one-word question covers every phrasing holding that word fully).
RANK_CONF = 0.85
SEMANTIC_CANDIDATES = 5
TIE_CONFIDENCE = 0.95
AMBIGUOUS_TIES = 3
AMBIGUITY_FACTOR = 0.6
SUGGEST_MIN = 0.2  # a no-match suggestion must be at least this related to the question (hybrid)
SUGGEST_MIN_LEXICAL = 0.35  # the same without the sentence model (lexical confidences run higher)
SUGGEST_FUZZY_CUTOFF = 80  # else only a question close in letters to an entry question (typos) is offered
SAFETY_CATEGORY = "safety"
INTENT_WEIGHT = 0.3  # share of its IDF an intent word ("why", "how") counts for in confidence
_INTENT_STEMS = frozenset(stem(w) for w in INTENT_WORDS)
RELATED_MAX = 3
SUGGESTIONS_MAX = 3
AUTOCOMPLETE_MAX = 25
# An unfinished last word counts each completion's match times (its use in the pack relative to
# the most used completion) ** PARTIAL_PRIOR; a typed start of a question or alias counts from
# PREFIX_MIN characters. Chosen on the tuning questions typed a letter at a time (exponents 0.25
# to 1 scored alike; 0 is the old max over completions; a start of 4 beat 6 and 8).
PARTIAL_PRIOR = 0.5
PREFIX_MIN = 4


# (entry, BM25 score, lexical confidence, best phrasing cosine, second phrasing cosine, summary
# cosine, the classification head's probability); the last four are None without the sentence model.
Candidate = tuple[int, float, float, float | None, float | None, float | None, float | None]


@dataclass(slots=True, frozen=True)
class Hit:
    """One search result: the entry and the scores its answer is decided on."""

    entry_id: str
    score: float  # BM25 (phrasing + 0.3 x body)
    confidence: float  # what answers are decided on: lexical, or blended with the cosine
    lexical: float | None = None
    cosine: float | None = None  # the entry's semantic similarity (hybrid.similarity), cosine scale


@dataclass(slots=True)
class SearchResult:
    """Either a confident ``answer`` (with related ids) or ``no_match`` (with suggestions)."""

    kind: str  # "answer" | "no_match"
    best: Hit | None = None
    related: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    ranked: list[Hit] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Doc:
    entry: int
    tf: dict[str, int]
    length: int
    text: str  # stemmed terms joined, for fuzzy comparison


class _Field:
    """A BM25 field: documents, postings and average length.

    A term's BM25 contribution to a document depends only on the index, so it is computed once
    when the index is built: scoring a question is then one ``bincount`` over the postings of its
    terms, not a Python loop over every document holding "fibromyalgia" (the slowest part of a
    search before)."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.docs = docs
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, doc in enumerate(docs):
            for term, count in doc.tf.items():
                self.postings[term].append((index, count))
        n = max(1, len(docs))
        self.avg_len = sum(d.length for d in docs) / n if docs else 1.0
        self.idf = {
            term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in self.postings.items()
        }
        self._contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, postings in self.postings.items():
            idf = self.idf[term]
            indexes = np.fromiter((i for i, _ in postings), dtype=np.int64, count=len(postings))
            values = np.fromiter(
                (idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * docs[i].length / self.avg_len)) for i, tf in postings),
                dtype=np.float64, count=len(postings))
            self._contributions[term] = (indexes, values)

    def score_array(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 of every document for ``terms`` (0 where no term matches)."""
        found = [self._contributions[t] for t in terms if t in self._contributions]
        if not found:
            return np.zeros(len(self.docs))
        indexes = np.concatenate([i for i, _ in found])
        values = np.concatenate([v for _, v in found])
        return np.bincount(indexes, weights=values, minlength=len(self.docs))

    def coverage(self, weights: Mapping[str, float]) -> np.ndarray:
        """Per document, the summed weight of the terms it holds."""
        found = [(self._contributions[t][0], w) for t, w in weights.items() if t in self._contributions]
        if not found:
            return np.zeros(len(self.docs))
        indexes = np.concatenate([i for i, _ in found])
        values = np.concatenate([np.full(len(i), w) for i, w in found])
        return np.bincount(indexes, weights=values, minlength=len(self.docs))

    def scores(self, terms: Sequence[str]) -> dict[int, float]:
        """BM25 of the documents that match at all, by document index."""
        array = self.score_array(terms)
        return {int(i): float(array[i]) for i in np.flatnonzero(array)}


def _doc(entry: int, text: str, vocabulary: Vocabulary | None = None) -> _Doc:
    terms = [stem(w) for w in words(text, vocabulary=vocabulary)]
    tf: dict[str, int] = defaultdict(int)
    for term in terms:
        tf[term] += 1
    return _Doc(entry=entry, tf=dict(tf), length=max(1, len(terms)), text=" ".join(sorted(set(terms))))


def _confident(best: tuple[float, float, Hit], runner_up: float) -> bool:
    """Whether the best hit (ranking order, unrounded confidence, hit) is answered. Lexical only:
    its confidence reaches ANSWER_THRESHOLD. Hybrid: :func:`bot.faq.hybrid.answers` (blend, lead
    over the most confident other candidate, lexical floor), on the unrounded values: the head's
    ranking term chooses which candidate is best, never whether it is answered. Constants are read
    at call time, so ``bench/faq_tune.py`` can try other constants on the real code."""
    _, confidence, hit = best
    if hit.cosine is None:
        return hit.confidence >= ANSWER_THRESHOLD
    return hybrid.answers(confidence, hit.lexical or 0.0, runner_up)


class SearchIndex:
    """An immutable index over published entries; rebuild it when content changes (fast: ms)."""

    def __init__(self, entries: Sequence[FaqEntry], vocabulary: Mapping[str, str] | None = None, *,
                 encoder: Encoder | None = None, cache: Path | None = None, persist: bool = False) -> None:
        self.vocabulary = Vocabulary(dict(vocabulary or {}))
        order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
        self.entries: list[FaqEntry] = sorted(
            (e for e in entries if e.published), key=lambda e: (order.get(e.meta.category, 99), e.question)
        )
        self.by_id = {e.id: i for i, e in enumerate(self.entries)}
        self._by_question = {normalise_question(e.question): i for i, e in enumerate(self.entries)}
        phrasings: list[_Doc] = []
        bodies: list[_Doc] = []
        entry_terms: list[set[str]] = []
        vocab_count: dict[str, int] = defaultdict(int)
        prefixes: dict[str, set[str]] = defaultdict(set)
        for index, entry in enumerate(self.entries):
            texts = [entry.question, *entry.meta.aliases, " ".join(entry.meta.tags)]
            docs = [_doc(index, t, self.vocabulary) for t in texts if t.strip()]
            phrasings.extend(docs)
            body = _doc(index, f"{entry.meta.summary}\n{entry.body}", self.vocabulary)
            bodies.append(body)
            terms: set[str] = set(body.tf)
            for d in docs:
                terms.update(d.tf)
            entry_terms.append(terms)
            for text in (*texts, entry.meta.summary, entry.body):
                for word in words(text, vocabulary=self.vocabulary):
                    vocab_count[word] += 1
                    for cut in range(2, min(len(word), 12) + 1):
                        prefixes[word[:cut]].add(stem(word))
        self._phr = _Field(phrasings)
        self._body = _Field(bodies)
        self._entry_terms = entry_terms
        n = max(1, len(self.entries))
        df: dict[str, int] = defaultdict(int)
        for terms in entry_terms:
            for term in terms:
                df[term] += 1
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)
        self._vocab = sorted(vocab_count, key=lambda w: (-vocab_count[w], w))
        self._vocab_set = frozenset(self._vocab)
        self._stems = frozenset(stem(w) for w in self._vocab)
        stem_count: dict[str, int] = defaultdict(int)
        for word, count in vocab_count.items():
            stem_count[stem(word)] += count
        # An unfinished word's completions, the most used in the pack first, with each one's use
        # relative to the most used: "pa" is far more often "pain" or "pacing" than "parents".
        self._prefixes = {p: sorted(s, key=lambda t: (-stem_count[t], t)) for p, s in prefixes.items()}
        self._stem_count = stem_count
        # Each entry's question (rank 0) and aliases (rank 1) as words, stopwords kept, by their
        # first word: "did the member type the start of one" is then a look-up, not a scan
        # (and by their first two words, for a longer start)
        self._starts: dict[str | tuple[str, str], list[tuple[int, int, list[str]]]] = defaultdict(list)
        for index, entry in enumerate(self.entries):
            for rank, text in enumerate((entry.question, *entry.meta.aliases)):
                if spelled := words(text, keep_stopwords=True, vocabulary=self.vocabulary):
                    self._starts[spelled[0]].append((index, min(rank, 1), spelled))
                    if len(spelled) >= 2:
                        self._starts[(spelled[0], spelled[1])].append((index, min(rank, 1), spelled))
        self._questions = [e.question for e in self.entries]
        self._entry_phrasings: list[list[int]] = [[] for _ in self.entries]
        for index, doc in enumerate(phrasings):
            self._entry_phrasings[doc.entry].append(index)
        # The phrasings of each entry as one padded row (padding points one past the last
        # phrasing, where _rank puts a 0), so the best phrasing per entry is one argmax.
        width = max((len(p) for p in self._entry_phrasings), default=0) or 1
        self._phrasing_slots = np.full((len(self.entries), width), len(phrasings), dtype=np.int64)
        for entry, docs_ in enumerate(self._entry_phrasings):
            self._phrasing_slots[entry, :len(docs_)] = docs_
        self._safety = frozenset(i for i, e in enumerate(self.entries) if e.meta.category == SAFETY_CATEGORY)
        phrase_terms = [set(d.tf) for d in phrasings]
        other = set().union(*(t for t, d in zip(phrase_terms, phrasings, strict=True) if d.entry not in self._safety))
        # Words only the safety entries' phrasings use ("suicide", "helpline"): a question with one
        # of them is about crisis, and only then may a safety entry be offered as a suggestion.
        self._crisis_terms = frozenset(
            t for terms_, d in zip(phrase_terms, phrasings, strict=True) if d.entry in self._safety
            for t in terms_ if t not in other)
        self.semantic = SemanticRanker(encoder, self.entries, cache=cache, persist=persist) if encoder else None
        self._new_caches()

    def _new_caches(self) -> None:
        self._correct = lru_cache(maxsize=20_000)(self._correct_uncached)
        # Members ask the same things again and again; the index is immutable, so a result can be
        # reused until content changes (a reload builds a new index and so a new cache).
        self.search = lru_cache(maxsize=4096)(self._search)  # type: ignore[method-assign]

    def fresh(self) -> SearchIndex:
        """This index with empty result caches, sharing everything built (immutable): what a
        library gets when it indexes entries it has indexed before (see ``FaqLibrary._index``)."""
        twin = copy.copy(self)
        twin._new_caches()
        return twin

    def __len__(self) -> int:
        return len(self.entries)

    def by_question(self, text: str) -> FaqEntry | None:
        index = self._by_question.get(normalise_question(text))
        return None if index is None else self.entries[index]

    def get(self, entry_id: str) -> FaqEntry | None:
        index = self.by_id.get(entry_id)
        return None if index is None else self.entries[index]

    # -- query analysis ---------------------------------------------------------------------

    def _correct_uncached(self, word: str) -> str:
        """Map a word the pack never uses to a close pack word. Short words need to be closer:
        "tried" must not become "tired", but "fibromyalga" should become "fibromyalgia"."""
        if word in self._vocab_set or len(word) < 4 or word.isdigit() or stem(word) in self._stems:
            return word
        cutoff = 90 if len(word) <= 5 else 85 if len(word) <= 7 else SPELL_CUTOFF
        found = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff)
        return found[0] if found else word

    def terms(self, text: str) -> list[str]:
        """Stemmed, spelling-corrected terms of a question, de-duplicated in order."""
        seen: dict[str, None] = {}
        for word in words(text, vocabulary=self.vocabulary):
            seen.setdefault(stem(self._correct(word)), None)
        return list(seen)

    # -- ranking ----------------------------------------------------------------------------

    def _rank(self, terms: list[str]) -> list[tuple[int, float, int]]:
        """(entry, score, best phrasing doc) for every entry that matched at all, best first."""
        if not self.entries:
            return []
        phrasing = np.append(self._phr.score_array(terms), 0.0)[self._phrasing_slots]  # (entries, slots)
        column = phrasing.argmax(axis=1)
        rows = np.arange(len(self.entries))
        best = phrasing[rows, column]
        body = self._body.score_array(terms)
        total = best + BODY_WEIGHT * body
        matched = np.flatnonzero((best > 0) | (body > 0))
        order = matched[np.lexsort((matched, -total[matched]))]
        slots = self._phrasing_slots[order, column[order]]
        return [(int(e), float(total[e]), int(d) if best[e] > 0 else -1)
                for e, d in zip(order, slots, strict=True)]

    def _confidences(self, terms: list[str], entries: Sequence[int]) -> dict[int, float]:
        """Lexical confidence of each of ``entries`` for ``terms``. The fuzzy similarity to every
        phrasing of every candidate is one rapidfuzz ``cdist`` call (C, one pass) rather than a
        Python call per phrasing."""
        if not terms or not entries:
            return dict.fromkeys(entries, 0.0)
        weights = {t: self._idf.get(t, self._unknown_idf) * (INTENT_WEIGHT if t in _INTENT_STEMS else 1.0)
                   for t in terms}
        mass = sum(weights.values()) or 1.0
        query_text = " ".join(sorted(set(terms)))
        docs = [d for e in entries for d in self._entry_phrasings[e]]
        fuzzy = process.cdist([query_text], [self._phr.docs[d].text for d in docs], scorer=fuzz.token_set_ratio,
                              dtype=np.float64)[0] / 100 if docs else np.zeros(0)
        # Share of the question each phrasing covers: one weighted bincount over the terms' postings.
        covered = self._phr.coverage(weights) / mass
        out: dict[int, float] = {}
        start = 0
        for e in entries:
            count = len(self._entry_phrasings[e])
            covered_entry = sum(w for t, w in weights.items() if t in self._entry_terms[e]) / mass
            covered_phr = float(covered[self._entry_phrasings[e]].max()) if count else 0.0
            similarity = float(fuzzy[start:start + count].max()) if count else 0.0
            out[e] = 0.4 * similarity + 0.3 * covered_phr + 0.3 * covered_entry
            start += count
        return out

    def search(self, text: str) -> SearchResult:  # replaced per instance by a cached _search
        return self._search(text)

    def candidates(self, text: str, *, with_head: bool | None = None) -> tuple[list[str], list[Candidate]]:
        """The question's terms and its candidates as (entry, BM25 score, lexical confidence,
        then the best phrasing, second phrasing and summary cosines and the head's probability,
        or None without the model),
        before any threshold: what the answer decision is made from. Kept apart so
        ``bench/faq_tune.py`` can try other constants on exactly what the bot computes. Which
        entries are candidates depends on no tuned constant (the semantic ones are the best by
        best-phrasing cosine), so a replay over these decides as the search would. ``with_head``
        as in :meth:`SemanticRanker.similarities` (the tuner asks for the head even while it is off)."""
        terms = self.terms(text)
        ranked = self._rank(terms) if terms else []
        sims = (self.semantic.similarities(text, with_head=with_head)
                if self.semantic is not None and terms else None)
        candidates = {e: score for e, score, _ in ranked[:CANDIDATES]}
        if sims is not None:
            for e in np.argsort(-sims[0])[:SEMANTIC_CANDIDATES]:
                candidates.setdefault(int(e), 0.0)
        lexicals = self._confidences(terms, list(candidates))
        # A question that several entries cover completely ("tired", "good morning") is too vague
        # to answer from any one of them: its confidence drops, and the bot offers the candidates.
        ties = sum(1 for v in lexicals.values() if v >= TIE_CONFIDENCE)
        vague = AMBIGUITY_FACTOR if ties >= AMBIGUOUS_TIES else 1.0
        if sims is None:
            return terms, [(e, score, lexicals[e] * vague, None, None, None, None) for e, score in candidates.items()]
        best, second, summary, head = sims
        return terms, [(e, score, lexicals[e] * vague, float(best[e]), float(second[e]), float(summary[e]),
                        float(head[e])) for e, score in candidates.items()]

    def _search(self, text: str) -> SearchResult:
        """Rank entries for ``text``. The result is shared through a cache: treat it as read-only."""
        terms, candidates = self.candidates(text)
        top = max((c[1] for c in candidates), default=0.0) or 1.0
        scored: list[tuple[float, float, Hit]] = []
        for e, score, lexical, best_cos, second_cos, summary_cos, head in candidates:
            cosine = None
            if best_cos is None or second_cos is None or summary_cos is None or head is None:
                order, confidence = RANK_CONF * lexical + (1 - RANK_CONF) * score / top, lexical
            else:
                cosine = similarity(best_cos, second_cos, summary_cos, head)
                confidence = blend(lexical, cosine)
                order = ranking(confidence, head)
            hit = Hit(self.entries[e].id, round(score, 4), round(confidence, 4), round(lexical, 4),
                      None if cosine is None else round(cosine, 4))
            scored.append((order, confidence, hit))
        scored.sort(key=lambda item: (-item[0], -item[2].score))
        hits = [h for _, _, h in scored]
        about_crisis = bool(self._crisis_terms.intersection(terms))
        runner_up = max((c for _, c, _ in scored[1:]), default=0.0)
        if hits and _confident(scored[0], runner_up):
            best = hits[0]
            related = [r for r in self.entries[self.by_id[best.entry_id]].meta.related if r in self.by_id]
            for hit in hits[1:]:
                if hit.entry_id not in related and hit.entry_id != best.entry_id and hit.confidence >= 0.3 \
                        and self._offerable(hit.entry_id, about_crisis):
                    related.append(hit.entry_id)
            return SearchResult("answer", best, related[:RELATED_MAX], [], hits, terms)
        floor = SUGGEST_MIN if self.semantic is not None else SUGGEST_MIN_LEXICAL
        suggestions = [h.entry_id for h in hits if h.confidence >= floor
                       and self._offerable(h.entry_id, about_crisis)][:SUGGESTIONS_MAX]
        if not suggestions and text.strip():
            close = process.extract(text[:200], self._questions, scorer=fuzz.token_sort_ratio, processor=str.casefold,
                                    limit=SUGGESTIONS_MAX + len(self._safety), score_cutoff=SUGGEST_FUZZY_CUTOFF)
            suggestions = [i for i in (self.entries[index].id for _, _, index in close)
                           if self._offerable(i, about_crisis)][:SUGGESTIONS_MAX]
        return SearchResult("no_match", None, [], suggestions, hits, terms)

    def _offerable(self, entry_id: str, about_crisis: bool) -> bool:
        """Safety entries are offered as suggestions only for questions about crisis: a question
        about swimming pools must never be answered with "did you mean: crisis lines"."""
        return about_crisis or self.by_id[entry_id] not in self._safety

    # -- autocomplete -----------------------------------------------------------------------

    def _fuzzy_questions(self, text: str, limit: int, *, cutoff: int) -> list[str]:
        found = process.extract(
            text[:100], self._questions, scorer=fuzz.WRatio, processor=str.casefold, limit=limit, score_cutoff=cutoff
        )
        return [self.entries[index].id for _, _, index in found]

    def _started(self, text: str) -> list[int]:
        """Entries with a question or alias that begins with what was typed, word for word, the
        last word perhaps unfinished ("what is pa" is how "What is pacing…?" starts; "is fibro re"
        how "Is fibromyalgia real…" does, through the pack's vocabulary): the member is typing a
        question they know, so those come first, question before alias, shortest first."""
        if len(" ".join(text.split())) < PREFIX_MIN:
            return []
        typed = words(text, keep_stopwords=True, vocabulary=self.vocabulary)
        if not typed:
            return []
        complete, partial = (typed, "") if text[-1:].isspace() else (typed[:-1], typed[-1])
        size = len(complete)
        if size >= 2:
            bucket = self._starts.get((complete[0], complete[1]), [])
        elif size == 1:
            bucket = self._starts.get(complete[0], [])
        else:
            bucket = [item for word, items in self._starts.items() if isinstance(word, str)
                      and word.startswith(partial) for item in items]
        found: dict[int, tuple[int, int]] = {}
        for index, rank, spelled in bucket:
            if spelled[:size] == complete and (not partial or (len(spelled) > size and spelled[size].startswith(partial))):
                key = (rank, len(spelled))
                found[index] = min(found.get(index, key), key)
        return sorted(found, key=lambda e: (found[e], e))

    def autocomplete(self, text: str, limit: int = AUTOCOMPLETE_MAX) -> list[FaqEntry]:
        """Entries whose question best fits what the member has typed so far (the last word may
        be unfinished). Empty input lists entries in a stable, browsable order."""
        limit = max(0, min(limit, AUTOCOMPLETE_MAX))
        if not text.strip():
            return self.entries[:limit]
        typed = words(text, vocabulary=self.vocabulary)
        complete, partial = (typed, "") if text[-1:].isspace() or not typed else (typed[:-1], typed[-1])
        terms = [stem(self._correct(w)) for w in complete]
        scores: dict[int, float] = defaultdict(float)
        body_only: dict[int, float] = {}
        for entry, score, doc in self._rank(terms) if terms else []:
            if doc >= 0:
                scores[entry] += score
            elif entry not in self._safety:
                body_only[entry] = score
        if partial:
            expansions = self._prefixes.get(partial[:12], [])
            if not expansions and len(partial) >= 4:
                expansions = [stem(self._correct(partial))]
            best: dict[int, float] = defaultdict(float)
            top = max((self._stem_count.get(t, 0) for t in expansions[:30]), default=0) or 1
            for term in expansions[:30]:
                prior = (max(self._stem_count.get(term, 0), 1) / top) ** PARTIAL_PRIOR
                for doc_index, score in self._phr.scores([term]).items():
                    entry = self._phr.docs[doc_index].entry
                    best[entry] = max(best[entry], score * prior)
            for entry, score in best.items():
                scores[entry] += score
        started = self._started(text)  # typed the start of their question or alias: first
        ordered = [*started, *(e for e in sorted(scores, key=lambda e: (-scores[e], e)) if e not in started)][:limit]
        # Entries whose question and aliases do not match, only their body ("brain" is in many
        # answers), and loose fuzzy matches come after, and never a safety entry: typing "brain
        # fog" must not offer "I'm having thoughts of suicide" at the foot of the list.
        ordered += [e for e in sorted(body_only, key=lambda e: (-body_only[e], e)) if e not in scores]
        ordered = ordered[:limit]
        if len(ordered) < limit:
            for entry_id in self._fuzzy_questions(text, limit, cutoff=50):
                index = self.by_id[entry_id]
                if index in self._safety and not scores.get(index):
                    continue
                if index not in ordered:
                    ordered.append(index)
                if len(ordered) >= limit:
                    break
        return [self.entries[i] for i in ordered]
