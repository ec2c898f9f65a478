"""The FAQ search bugs members hit: mentions and fillers breaking perfect matches, intent words
dropped, synonyms hard-coded, one vague word answered at full confidence, unrelated safety
suggestions, and the dead rank blend. Lexical index and hybrid both."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq import search as search_module
from bot.faq.library import FaqLibrary
from bot.faq.search import SearchIndex
from bot.faq.text import words
from bot.faq.vocabulary import parse_vocabulary
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def lexical() -> SearchIndex:
    library = FaqLibrary(CONTENT, semantic=False)
    library.load()
    return library.index


@pytest.fixture(scope="module")
def hybrid(hybrid_index: SearchIndex) -> SearchIndex:
    return hybrid_index


@pytest.fixture(params=["lexical", "hybrid"])
def index(request: pytest.FixtureRequest) -> SearchIndex:
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize("noisy", ["@everyone what is pacing", "<@123> what is pacing", "<@!42> <#7> what is pacing",
                                   "hey all, what is pacing exactly", "hi everyone! quick question: what is pacing?",
                                   "what is pacing https://example.com/x"])
def test_mentions_and_fillers_never_break_a_match(index: SearchIndex, noisy: str) -> None:
    clean = index.search("what is pacing")
    result = index.search(noisy)
    assert result.kind == "answer" and result.best is not None and result.best.entry_id == "pacing"
    assert clean.best is not None and result.best.confidence >= clean.best.confidence - 0.05


def test_intent_words_are_kept(lexical: SearchIndex) -> None:
    assert "whi" in lexical.terms("why did this happen to me")
    assert {"get", "tell"} <= set(lexical.terms("get my doctor to tell me"))


def test_synonyms_live_in_content_not_code() -> None:
    # without the pack's vocabulary, shorthand stays as typed ...
    assert words("meds for fibro from my gp") == ["meds", "fibro", "gp"]
    # ... and the content vocabulary maps it, phrases included
    library = FaqLibrary(CONTENT, semantic=False)
    library.load()
    vocabulary = library.index.vocabulary
    assert words("meds for fibro from my gp", vocabulary=vocabulary) == ["medication", "fibromyalgia", "doctor"]
    assert words("working out with bloods due", vocabulary=vocabulary) == ["exercise", "blood", "test", "due"]


def test_my_brain_is_foggy_finds_fibro_fog(index: SearchIndex) -> None:
    result = index.search("my brain is foggy")
    assert result.kind == "answer" and result.best is not None and result.best.entry_id == "fibro-fog"


def test_take_me_seriously_is_about_being_believed_not_a_filler(index: SearchIndex) -> None:
    """"seriously" is a filler in "seriously, what is pacing", but "my gp won't take me seriously"
    is the commonest complaint in chronic pain: it led to an entry on a GP not starting pregabalin."""
    assert "believ" in index.terms("my gp wont take me seriously")
    assert index.search("seriously what is pacing").best.entry_id == "pacing"
    result = index.search("my gp wont take me seriously what do i do")
    assert result.kind == "answer" and result.best.entry_id == "is-fibromyalgia-real"


def test_one_vague_word_is_not_answered_at_full_confidence(index: SearchIndex) -> None:
    result = index.search("tired")
    assert result.kind == "no_match" or (result.best is not None and result.best.entry_id != "starting-exercise")
    assert result.ranked and result.ranked[0].confidence < 0.95
    greeting = index.search("good morning everyone")
    assert greeting.best is None or greeting.best.confidence < 0.95


def test_suggestions_never_offer_safety_entries_for_other_questions(index: SearchIndex) -> None:
    safety = {e.id for e in index.entries if e.meta.category == "safety"}
    for question in ("is swimming in a heated pool good for me", "best mattress for back pain",
                     "can my cat tell when im in pain", "recipe for banana bread"):
        result = index.search(question)
        assert not safety & set(result.suggestions), question
        assert not safety & set(result.related), question


def test_an_unrelated_question_gets_no_unrelated_suggestions(index: SearchIndex) -> None:
    result = index.search("what is the best banana bread")
    assert result.kind == "no_match" and result.suggestions == []


def test_crisis_questions_still_find_the_safety_entries(index: SearchIndex) -> None:
    result = index.search("suicide hotline number")
    assert result.best is not None and result.best.entry_id == "crisis-lines"


def test_the_rank_blend_is_live() -> None:
    assert 0 < search_module.RANK_CONF < 1


def test_hybrid_blends_both_confidences(hybrid: SearchIndex) -> None:
    from bot.faq.hybrid import blend

    result = hybrid.search("do opiates help fibromyalgia pain")
    assert result.kind == "answer" and result.best is not None and result.best.entry_id == "opioids"
    best = result.best
    assert best.lexical is not None and best.cosine is not None
    assert abs(best.confidence - blend(best.lexical, best.cosine)) < 1e-3


def test_hybrid_suggestions_skip_a_top_ranked_safety_entry(hybrid: SearchIndex) -> None:
    result = hybrid.search("will this ever end")
    assert result.kind == "no_match" and result.ranked[0].entry_id == "suicidal-thoughts"
    assert "suicidal-thoughts" not in result.suggestions and "is-it-damaging" in result.suggestions


def test_a_bad_vocabulary_file_is_reported_with_file_and_field(tmp_path: Path) -> None:
    text = "words:\n  medication: [meds, 'x' , doctor]\n  doctor: [meds, gp]\n  '': [a]\n  pain: oops\n"
    mapping, problems = parse_vocabulary(text, "content/pack/vocabulary.yaml")
    messages = [f"{p.field}: {p.message}" for p in problems]
    assert any(m.startswith("words.doctor.0:") and "already means" in m for m in messages)
    assert any(m.startswith("words.pain:") for m in messages)
    assert any("is itself a variant" in m for m in messages)
    assert all(p.file == "content/pack/vocabulary.yaml" for p in problems)
    assert mapping["meds"] == "medication"
