"""The FAQ's classification head: a deterministic fit, remembered per set of vectors, that places a
paraphrase the bank does not hold; and its place in the search (it may reorder, never answer)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import faq_tune
from bot.faq import head as head_module
from bot.faq import hybrid
from bot.faq.head import EntryHead, HeadError
from bot.faq.hybrid import SemanticRanker
from bot.faq.models import FaqEntry, FrontMatter
from bot.faq.search import SearchIndex
from bot.semantic import load_encoder

# A tiny bank written for this test: three entries, a few phrasings each.
BANK = {
    "sleep": ["why do i wake up so stiff and sore every morning",
              "cant get comfy in bed, any tips for sleeping with pain",
              "waking up at 3am every night because of the aching"],
    "pacing": ["how do i stop overdoing it on good days and crashing after",
               "what does pacing mean, boom and bust cycle",
               "i keep doing too much then paying for it for a week"],
    "work": ["can i ask my boss for adjustments at work because of my back",
             "struggling to keep my job with chronic pain what are my rights",
             "should i tell hr about my fibro diagnosis"],
}
SUMMARIES = {
    "sleep": "Pain and poor sleep feed each other; a wind-down routine and support in bed can help you rest.",
    "pacing": "Pacing means doing a steady amount each day, even on good days, to avoid the boom and bust.",
    "work": "You can ask your employer for reasonable adjustments; you choose what to share about your health.",
}
# Paraphrases in none of the bank's words.
HELD_OUT = {
    "sleep": "lying awake half the night with my hips throbbing, mattress advice?",
    "pacing": "had a decent day, cleaned the whole house, now im wiped out for days lol",
    "work": "my manager wont let me sit down on shift and my spine is killing me",
}


def synthetic(seed: int = 3, classes: int = 4, per_class: int = 6, dim: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around a shared direction (as sentence vectors are), one cluster per class."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=dim)
    centres = rng.normal(size=(classes, dim))
    rows = [3 * common + centres[c] + 0.3 * rng.normal(size=dim) for c in range(classes) for _ in range(per_class)]
    vectors = np.asarray(rows, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, np.repeat(np.arange(classes), per_class)


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


def entry(key: str, phrasings: list[str]) -> FaqEntry:
    meta = FrontMatter.model_validate({
        "id": key, "question": phrasings[0], "aliases": phrasings[1:], "category": "living",
        "tags": [key], "summary": SUMMARIES[key],
        "status": "published",
        "sources": [{"title": "A guide", "publisher": "A charity", "year": 2024, "url": "https://example.org"}]})
    return FaqEntry(meta=meta, body="Some vetted guidance.", pack="test")


def test_the_fit_is_deterministic() -> None:
    vectors, labels = synthetic()
    query = vectors[5] + 0.01
    first = EntryHead.fit(vectors, labels, 4).probabilities(query / np.linalg.norm(query))
    head_module._fits.clear()  # forget it, so the second is a real fit too
    second = EntryHead.fit(vectors, labels, 4).probabilities(query / np.linalg.norm(query))
    assert np.array_equal(first, second)
    assert first.sum() == pytest.approx(1.0, abs=1e-5)


def test_a_synthetic_held_out_vector_goes_to_its_class() -> None:
    vectors, labels = synthetic(per_class=7)
    held = np.arange(len(labels)) % 7 == 0  # one of each class left out of the fit
    fitted = EntryHead.fit(vectors[~held], labels[~held], 4)
    assert [int(np.argmax(fitted.probabilities(v))) for v in vectors[held]] == labels[held].tolist()


def test_a_refit_of_the_same_vectors_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, labels = synthetic(seed=11)
    calls = []
    real = head_module._fit
    monkeypatch.setattr(head_module, "_fit", lambda *a: calls.append(1) or real(*a))
    EntryHead.fit(vectors, labels, 4)
    EntryHead.fit(vectors.copy(), labels.copy(), 4)
    assert len(calls) == 1
    changed = vectors.copy()
    changed[0] = -changed[0]
    EntryHead.fit(changed, labels, 4)  # other vectors: fitted again
    assert len(calls) == 2


@pytest.mark.parametrize(("labels", "classes"), [([0, 1, 2], 2), ([0, 0, 0], 2), ([0, -1, 1], 2), ([0, 1], 2)])
def test_labels_that_describe_no_problem_are_refused(labels: list[int], classes: int) -> None:
    vectors = synthetic()[0][:3]
    with pytest.raises(HeadError):
        EntryHead.fit(vectors, labels, classes)


def test_the_head_ranks_a_held_out_paraphrase_of_an_entry_first(encoder) -> None:
    entries = [entry(k, v) for k, v in BANK.items()]
    ranker = SemanticRanker(encoder, entries)
    for position, key in enumerate(BANK):
        head = ranker.similarities(HELD_OUT[key], with_head=True)[3]
        assert int(np.argmax(head)) == position, key
        assert head.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_same_pack_loaded_twice_fits_once(encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hybrid, "HEAD_ORDER_WEIGHT", 0.1)  # the head in use
    entries = [entry(k, v) for k, v in BANK.items()]
    SearchIndex(entries, encoder=encoder).search(HELD_OUT["work"])
    calls = []
    real = head_module._fit
    monkeypatch.setattr(head_module, "_fit", lambda *a: calls.append(1) or real(*a))
    again = SearchIndex(entries, encoder=encoder)
    assert again.search(HELD_OUT["sleep"]).ranked and calls == []
    other = SearchIndex(entries[:2], encoder=encoder)  # a different pack: its own head...
    assert calls == []  # ... fitted when first asked, not while the index is built (on the event loop)
    other.search(HELD_OUT["pacing"])
    other.search(HELD_OUT["sleep"])
    assert calls == [1]


def test_a_head_with_no_say_is_never_fitted(encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both weights 0 (the head left off): searching costs no fit and gives the same answers as a
    search that computed the head and gave it weight 0."""
    monkeypatch.setattr(hybrid, "HEAD_WEIGHT", 0.0)
    monkeypatch.setattr(hybrid, "HEAD_ORDER_WEIGHT", 0.0)
    monkeypatch.setattr(head_module, "_fits", type(head_module._fits)())  # no fit remembered
    calls = []
    real = head_module._fit
    monkeypatch.setattr(head_module, "_fit", lambda *a: calls.append(1) or real(*a))
    entries = [entry(k, v) for k, v in BANK.items()][:3]
    index = SearchIndex(entries, encoder=encoder)
    off = [index._search(q) for q in HELD_OUT.values()]
    assert calls == []
    assert index.semantic is not None and index.semantic._head is None
    computed = [[c[:6] for c in index.candidates(q, with_head=True)[1]] for q in HELD_OUT.values()]
    assert calls == [1]
    assert computed == [[c[:6] for c in index.candidates(q)[1]] for q in HELD_OUT.values()]
    assert [index._search(q) for q in HELD_OUT.values()] == off


def test_the_ranking_term_reorders_but_never_changes_a_confidence(hybrid_index: SearchIndex) -> None:
    """HEAD_ORDER_WEIGHT decides which candidate is first; every hit's confidence (what answers
    are decided on) stays the blend."""
    questions = ["my legs feel like lead after the school run", "is it normal to cry from the pain",
                 "can i still drive on these tablets", "why am i so forgetful lately"]
    changed = False
    for question in questions:
        off = hybrid_index._search(question)
        with faq_tune.constants({"HEAD_ORDER_WEIGHT": 5.0}):
            on = hybrid_index._search(question)
        assert {h.entry_id: h.confidence for h in on.ranked} == {h.entry_id: h.confidence for h in off.ranked}
        changed |= [h.entry_id for h in on.ranked] != [h.entry_id for h in off.ranked]
    assert changed


def test_without_words_the_head_gives_nothing(hybrid_index: SearchIndex) -> None:
    assert hybrid_index.semantic is not None
    for blank in ("", "   \n\t"):
        assert not hybrid_index.semantic.similarities(blank)[3].any()
