"""A longer message is screened sentence by sentence as well as whole: a crisis sentence inside
everyday pain talk must not be diluted away. The encoder here maps chosen texts to chosen vectors,
so each test says exactly which sentence sits where."""

from __future__ import annotations

import numpy as np
import pytest

from bot.care import semantic
from bot.care.engine import MAX_SENTENCES, sentences
from bot.care.triage import Level
from tests.unit.chosen_vectors import BENIGN, CLIN, CRISIS, URGENT, chosen_triage


def test_sentences_split_join_short_pieces_and_stay_bounded() -> None:
    norm = str.lower
    assert sentences("just one sentence with some words", norm) == []
    assert sentences("the mri is on tuesday. physio said my core is weak! ok. the cat is asleep", norm) == [
        "the mri is on tuesday.", "physio said my core is weak!", "ok. the cat is asleep"]
    assert sentences("first line has words\nsecond line has words too", norm) == [
        "first line has words", "second line has words too"]
    many = " ".join(f"sentence number {i} here." for i in range(30))
    parts = sentences(many, norm)
    assert len(parts) <= MAX_SENTENCES and " ".join(parts) == many


def test_a_crisis_sentence_inside_pain_talk_is_found() -> None:
    buried = "i wrote the kids letters in case i am not here."
    text = f"the mri is next tuesday finally. {buried} hope everyone has a better day."
    found, encoder = chosen_triage({buried: CRISIS})
    result = found.classify(text)
    assert result.level is Level.CRISIS and result.layer == "semantic" and result.family == "fam-crisis"
    # One encoder call, on the sentences: the whole message is not embedded a second time.
    assert encoder.calls == [["the mri is next tuesday finally.", buried, "hope everyone has a better day."]]


def test_a_one_sentence_message_is_embedded_whole() -> None:
    text = "the mri is next tuesday finally and i am nervous"
    found, encoder = chosen_triage({text: CRISIS})
    assert found.classify(text).level is Level.CRISIS and encoder.calls == [[text]]


def test_the_whole_message_vector_comes_from_its_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    # No sentence may fire alone (a huge extra margin), so only the whole-message vector, the
    # word-weighted mean of the sentences' vectors, can find this crisis.
    monkeypatch.setattr(semantic, "SENTENCE_EXTRA", 1.0)
    first, second = "this first sentence leans one way.", "and this second one leans the same way."
    leaning = CRISIS * 0.6 + BENIGN * 0.4
    found, _ = chosen_triage({first: leaning, second: leaning})
    assert found.classify(f"{first} {second}").level is Level.CRISIS
    found, _ = chosen_triage({first: leaning, second: BENIGN})  # the mean is now on the benign side
    assert found.classify(f"{first} {second}").level is not Level.CRISIS


def test_whole_vector_weights_sentences_by_their_words() -> None:
    vectors = np.stack([CRISIS, BENIGN])
    long_first = semantic.whole_vector(vectors, ["one two three four five six", "one two"])
    assert abs(float(np.linalg.norm(long_first)) - 1.0) < 1e-6
    assert long_first @ CRISIS > long_first @ BENIGN  # six words outweigh two
    even = semantic.whole_vector(vectors, ["one two three", "four five six"])
    assert abs(float(even @ CRISIS - even @ BENIGN)) < 1e-6


def test_the_most_urgent_sentence_decides_and_benign_messages_stay_benign() -> None:
    dose = "can i take two more of my tablets tonight."
    worrying = "my foot keeps slapping when i walk now."
    found, _ = chosen_triage({dose: CLIN, worrying: URGENT})
    assert found.classify(f"{dose} {worrying} the weather is grim.").level is Level.URGENT
    assert found.classify(f"{dose} the weather is grim today.").level is Level.CLINICIAN
    assert found.classify("the weather is grim today. the cat is asleep on me.").level is Level.NONE


def test_a_sentence_needs_the_extra_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    # Past the crisis bar for a whole message (margin about 0.28): flagged alone, but not as one
    # sentence of several once sentences must clear a larger extra margin.
    mixed = CRISIS * 0.6 + BENIGN * 0.4
    sentence = "this one sentence sits near the line."
    found, _ = chosen_triage({sentence: mixed})
    text = f"first part is ordinary. {sentence}"
    assert found.classify(text).level is Level.CRISIS
    monkeypatch.setattr(semantic, "SENTENCE_EXTRA", 1.0)
    found, _ = chosen_triage({sentence: mixed})
    assert found.classify(text).level is not Level.CRISIS
    assert found.classify(sentence).level is Level.CRISIS  # the same words as a whole message
