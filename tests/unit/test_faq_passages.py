"""Answer passages for the hybrid FAQ search: how an entry's answer is cut, embedded with the
passage prefix, cached apart from query vectors, and turned into one cosine per entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.faq import hybrid
from bot.faq.hybrid import CHUNK_WORDS, SemanticRanker, answer_passages
from bot.faq.search import SearchIndex
from bot.semantic import Encoder, PassageEncoder, load_encoder
from bot.semantic.cache import embed_cached, text_key

BODY = """Fibro is diagnosed by a doctor talking with you. There is no blood test for it.

**What usually happens**

- **Your story.** The doctor asks where you hurt.
- **An exam.** The doctor checks your body.

""" + " ".join(f"Sentence number {i} says one more thing about sleep." for i in range(30))


def test_an_answer_becomes_the_summary_then_chunks_of_its_body() -> None:
    passages = answer_passages("There is no single test.", BODY)
    assert passages[0] == "There is no single test."
    assert passages[1] == "Fibro is diagnosed by a doctor talking with you. There is no blood test for it."
    # a heading joins the paragraph after it; list marks and bold marks are removed
    assert passages[2] == "What usually happens: Your story. The doctor asks where you hurt. An exam. The doctor checks your body."
    assert all("**" not in p and not p.startswith("-") for p in passages)
    # a paragraph longer than the limit is cut between sentences, and nothing is lost
    long_parts = passages[3:]
    assert len(long_parts) > 1 and all(len(p.split()) <= CHUNK_WORDS for p in long_parts)
    assert " ".join(long_parts).split() == " ".join(
        f"Sentence number {i} says one more thing about sleep." for i in range(30)).split()


def test_an_empty_summary_gives_no_empty_passage() -> None:
    assert answer_passages("  ", "One short body line that is long enough to stand alone here.") == [
        "One short body line that is long enough to stand alone here."]


class _Recorder:
    """An encoder that says what it was asked, with different vectors for the two prefixes."""

    name, dim, size_mb = "recorder", 4, 0.0

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.passages: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.queries.extend(texts)
        return np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (len(texts), 1))

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages.extend(texts)
        return np.tile(np.array([0.0, 1.0, 0.0, 0.0], np.float32), (len(texts), 1))


class _QueryOnly:
    name, dim, size_mb = "query-only", 4, 0.0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.tile(np.array([0.0, 0.0, 1.0, 0.0], np.float32), (len(texts), 1))


def test_query_and_passage_vectors_of_one_text_never_share_a_cache_entry(tmp_path: Path) -> None:
    assert text_key("m", "pacing") != text_key("m", "pacing", passage=True)
    cache = tmp_path / "vectors.npz"
    first = _Recorder()
    vectors = embed_cached(first, ["pacing"], cache, passages=["pacing"])
    assert first.queries == ["pacing"] and first.passages == ["pacing"]
    assert vectors[0] @ vectors[1] == pytest.approx(0.0)
    again = _Recorder()
    cached = embed_cached(again, ["pacing"], cache, passages=["pacing"])
    assert again.queries == [] and again.passages == []  # both came from the file, each its own
    np.testing.assert_allclose(cached, vectors, atol=1e-3)


def test_an_encoder_without_passages_still_works_and_embeds_them_as_queries(tmp_path: Path) -> None:
    encoder = _QueryOnly()
    assert isinstance(encoder, Encoder) and not isinstance(encoder, PassageEncoder)
    vectors = embed_cached(encoder, ["a"], tmp_path / "v.npz", passages=["b", "c"])
    assert vectors.shape == (3, 4)


def test_the_real_model_embeds_passages_with_their_own_prefix() -> None:
    encoder = load_encoder()
    assert isinstance(encoder, PassageEncoder)
    text = "A GP or family doctor can often diagnose fibro without a specialist."
    as_query, as_passage = encoder.encode([text])[0], encoder.encode_passages([text])[0]
    assert np.linalg.norm(as_passage) == pytest.approx(1.0, abs=1e-4)
    assert float(as_query @ as_passage) < 0.999  # a different prefix, a different vector
    assert float(encoder.encode([text])[0] @ as_query) == pytest.approx(1.0, abs=1e-5)  # memory keyed by prefix
    question = encoder.encode(["can my normal doctor diagnose fibro or do i need a specialist"])[0]
    unrelated = encoder.encode_passages(["Heat can ease back pain for a short while."])[0]
    assert float(question @ as_passage) > float(question @ unrelated)


def test_each_entry_gets_its_best_passage_cosine(hybrid_index: SearchIndex) -> None:
    ranker = hybrid_index.semantic
    assert isinstance(ranker, SemanticRanker)
    best, _, summary, passage = ranker.similarities("who can diagnose fibro, a gp or only a specialist")
    assert passage.shape == best.shape == summary.shape
    assert np.all(passage > -1.0)  # every entry has at least its summary as a passage
    diagnosed = hybrid_index.by_id["how-diagnosed"]
    assert int(np.argmax(passage)) == diagnosed
    empty = ranker.similarities("   ")
    assert all(np.all(part == -1.0) for part in empty)


def test_the_passage_pool_averages_the_best_passages(hybrid_index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    ranker = hybrid_index.semantic
    assert ranker is not None
    question = "what should go in a plan for a bad flare day"
    best_one = ranker.similarities(question)[3]
    monkeypatch.setattr(hybrid, "PASSAGE_POOL", 2)
    mean_two = ranker.similarities(question)[3]
    assert np.all(mean_two <= best_one + 1e-6) and np.any(mean_two < best_one)
