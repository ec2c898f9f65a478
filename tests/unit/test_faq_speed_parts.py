"""The pieces that keep a cold FAQ search cheap behave exactly like the slow forms they replace:
the C stemmer gives the pure-Python stemmer's stems, and the vectorised BM25, coverage and
best-phrasing code gives what a plain loop over the postings gives."""

from __future__ import annotations

import math
import re
from collections import defaultdict

import pytest
from snowballstemmer.english_stemmer import EnglishStemmer

from bot.faq import search as search_module
from bot.faq import text as text_module
from bot.faq.library import FaqLibrary
from bot.faq.search import SearchIndex
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def lexical() -> SearchIndex:
    library = FaqLibrary(CONTENT, semantic=False)
    library.load()
    return library.index


def test_the_fast_stemmer_is_in_use_and_stems_like_the_reference() -> None:
    assert type(text_module._stemmer).__module__ == "Stemmer"  # PyStemmer, not the pure-Python fallback
    reference = EnglishStemmer()
    words = set()
    for path in sorted(CONTENT.glob("*/*.md")):
        words.update(re.findall(r"[a-z]+", path.read_text(encoding="utf-8").casefold()))
    assert len(words) > 1000
    assert [w for w in sorted(words) if text_module._stemmer.stemWord(w) != reference.stemWord(w)] == []


def _slow_scores(field: search_module._Field, terms: list[str]) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    for term in terms:
        idf = field.idf.get(term)
        if idf is None:
            continue
        for index, tf in field.postings[term]:
            norm = search_module.K1 * (1 - search_module.B + search_module.B * field.docs[index].length / field.avg_len)
            out[index] += idf * tf * (search_module.K1 + 1) / (tf + norm)
    return out


@pytest.mark.parametrize("question", ["does exercise help fibro pain", "what is pacing", "fibromyalgia fibromyalgia",
                                      "teeth", "brain fog and memory at work", "cauda equina numb"])
def test_vectorised_bm25_and_rank_match_the_plain_loop(lexical: SearchIndex, question: str) -> None:
    terms = lexical.terms(question)
    for field in (lexical._phr, lexical._body):
        slow = _slow_scores(field, terms)
        fast = field.scores(terms)
        assert fast.keys() == slow.keys()
        assert all(math.isclose(fast[k], slow[k], rel_tol=1e-9) for k in slow)
    phrasing, body = _slow_scores(lexical._phr, terms), _slow_scores(lexical._body, terms)
    best: dict[int, float] = {}
    for doc, score in phrasing.items():
        entry = lexical._phr.docs[doc].entry
        best[entry] = max(best.get(entry, 0.0), score)
    expected = sorted(((e, best.get(e, 0.0) + search_module.BODY_WEIGHT * body.get(e, 0.0))
                       for e in set(best) | set(body)), key=lambda item: (-item[1], item[0]))
    ranked = lexical._rank(terms)
    assert [e for e, _, _ in ranked] == [e for e, _ in expected]
    assert all(math.isclose(a, b, rel_tol=1e-9) for (_, a, _), (_, b) in zip(ranked, expected, strict=True))


def test_batched_confidence_matches_one_entry_at_a_time(lexical: SearchIndex) -> None:
    from rapidfuzz import fuzz

    terms = lexical.terms("why does pacing help with a flare on a bad day")
    weights = {t: lexical._idf.get(t, lexical._unknown_idf)
               * (search_module.INTENT_WEIGHT if t in search_module._INTENT_STEMS else 1.0) for t in terms}
    mass = sum(weights.values())
    query = " ".join(sorted(set(terms)))
    entries = list(range(len(lexical.entries)))
    batched = lexical._confidences(terms, entries)
    for entry in entries:
        covered_entry = sum(w for t, w in weights.items() if t in lexical._entry_terms[entry]) / mass
        phrasings = [lexical._phr.docs[d] for d in lexical._entry_phrasings[entry]]
        covered = max(sum(w for t, w in weights.items() if t in doc.tf) / mass for doc in phrasings)
        similarity = max(fuzz.token_set_ratio(query, doc.text) / 100 for doc in phrasings)
        assert math.isclose(batched[entry], 0.4 * similarity + 0.3 * covered + 0.3 * covered_entry, abs_tol=1e-12)
