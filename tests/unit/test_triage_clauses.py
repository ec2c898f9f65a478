"""A long sentence is screened clause by clause too, for a crisis only: members write in one run
without stops, and a clause of pain talk must not dilute a crisis clause away. The first tests
use an encoder that maps chosen texts to chosen vectors (as in test_triage_sentences); the last
use the shipped bank on the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.care import semantic
from bot.care.engine import CLAUSE_WORDS, MAX_CLAUSES, SafetyTriage, clauses
from bot.care.triage import Level
from tests.unit.chosen_vectors import CLIN, CRISIS, URGENT, chosen_triage

# One worker runs every test that embeds the tuning cases, so the vectors the shared triage
# remembers (tests/unit/conftest.py) are computed once, not once per worker.
pytestmark = pytest.mark.xdist_group("triage-vectors")

ROOT = Path(__file__).resolve().parents[2]

TALK = "ugh my back has been bad all week"
CRISIS_CLAUSE = "the garden needs weeding soon"  # no rule matches it: its vector is chosen
RUN_ON = f"{TALK} and the physio cancelled again and honestly {CRISIS_CLAUSE}"


def test_clauses_split_long_units_only_and_join_short_pieces() -> None:
    norm = str.lower
    assert len(RUN_ON.split()) >= CLAUSE_WORDS
    assert clauses([RUN_ON], norm) == [TALK, "the physio cancelled again", f"honestly {CRISIS_CLAUSE}"]
    short = "my back hurts, and my hips, and my knees too today"
    assert len(short.split()) < CLAUSE_WORDS and clauses([short], norm) == []
    # a piece under three words joins the next one; a unit that does not split gives nothing
    assert clauses(["ok so, the physio was lovely today and the exercises she gave me seem to help a bit"], norm) == [
        "ok so the physio was lovely today", "the exercises she gave me seem to help a bit"]
    assert clauses(["one long sentence without any break at all in it from start to the very end"], norm) == []
    many = " and ".join(f"clause number {i} here" for i in range(40))
    assert len(clauses([many], norm)) == MAX_CLAUSES


def test_a_crisis_clause_in_a_run_on_sentence_is_found() -> None:
    found, encoder = chosen_triage({f"honestly {CRISIS_CLAUSE}": CRISIS})
    result = found.classify(RUN_ON)
    assert result.level is Level.CRISIS and result.layer == "semantic" and result.family == "fam-crisis"
    # The whole text alone first (so the FAQ search can reuse its vector), then its clauses.
    assert encoder.calls == [[RUN_ON], [TALK, "the physio cancelled again", f"honestly {CRISIS_CLAUSE}"]]


def test_without_clauses_the_run_on_sentence_would_be_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.care.engine.CLAUSE_WORDS", 10_000)
    found, encoder = chosen_triage({f"honestly {CRISIS_CLAUSE}": CRISIS})
    assert found.classify(RUN_ON).level is Level.NONE and encoder.calls == [[RUN_ON]]


def test_a_clause_counts_only_for_a_crisis() -> None:
    for vector in (URGENT, CLIN):
        found, _ = chosen_triage({f"honestly {CRISIS_CLAUSE}": vector})
        assert found.classify(RUN_ON).level is Level.NONE


def test_a_clause_crisis_never_overrides_advice_but_adds_the_note() -> None:
    # The message as a whole reads as a red flag: the advice stands and the lines ride on it.
    found, _ = chosen_triage({RUN_ON: URGENT, f"honestly {CRISIS_CLAUSE}": CRISIS})
    result = found.classify(RUN_ON)
    assert result.level is Level.URGENT and result.gentle
    found, _ = chosen_triage({RUN_ON: CLIN, f"honestly {CRISIS_CLAUSE}": CRISIS})
    result = found.classify(RUN_ON)
    assert result.level is Level.CLINICIAN and result.gentle


def test_a_clause_crisis_rides_on_the_rules_advice_too() -> None:
    text = f"{TALK} and i took two extra naproxen by mistake is that bad and honestly {CRISIS_CLAUSE}"
    found, _ = chosen_triage({f"honestly {CRISIS_CLAUSE}": CRISIS})
    ruled = found.rules.classify(text)
    assert ruled.level is Level.CLINICIAN  # the rules read a dose question
    result = found.classify(text)
    assert result.level is Level.CLINICIAN and result.gentle


def test_a_clause_needs_its_own_extra_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "CLAUSE_EXTRA", 10.0)
    found, _ = chosen_triage({f"honestly {CRISIS_CLAUSE}": CRISIS})
    assert found.classify(RUN_ON).level is Level.NONE


def test_clauses_of_a_message_of_several_sentences_share_its_encoder_call() -> None:
    text = f"the mri is on tuesday. {RUN_ON}"
    found, encoder = chosen_triage({f"honestly {CRISIS_CLAUSE}": CRISIS})
    assert found.classify(text).level is Level.CRISIS
    assert encoder.calls == [["the mri is on tuesday.", RUN_ON, TALK, "the physio cancelled again",
                              f"honestly {CRISIS_CLAUSE}"]]


# Written for this test in the way members write (one run, pain talk first); the crisis clauses
# are of tuning families the rules do not match, so only the semantic layer can find them.
REAL_RUN_ONS = (
    "the physio cancelled again and my back is wrecked and honestly if i never woke up again id be ok with that",
    "the gp still hasnt rung about my bloods, my neck is agony and honestly not planning on being around much longer",
    "rough night with my hips, the new mattress is useless and honestly soon i wont be a problem for anyone",
)


@pytest.mark.parametrize("text", REAL_RUN_ONS)
def test_real_run_on_crisis_messages_get_the_crisis_reply(layered_triage: SafetyTriage, text: str) -> None:
    fresh = SafetyTriage(layered_triage.rules, layered_triage.semantic)
    assert fresh.rules.classify(text).level is Level.NONE  # the rules alone miss it
    result = fresh.classify(text)
    assert result.level is Level.CRISIS and result.layer == "semantic"


def test_a_real_stroke_sign_keeps_its_advice(layered_triage: SafetyTriage) -> None:
    # One clause of it reads as a crisis, but a clause alone never turns a stroke sign into the
    # crisis reply, which would put "call the emergency number now" below the crisis lines.
    fresh = SafetyTriage(layered_triage.rules, layered_triage.semantic)
    text = "out of nowhere i cant get my words out and my vision went funny"
    assert fresh.classify(text).level is Level.URGENT


def test_a_real_run_on_day_of_pain_talk_stays_benign(layered_triage: SafetyTriage) -> None:
    fresh = SafetyTriage(layered_triage.rules, layered_triage.semantic)
    text = "been on the sofa since 6am with a heat pad on my lower back and the dog is snoring next to me and the tea is cold"
    assert fresh.classify(text).level is Level.NONE


def test_check_in_notes_of_a_day_in_one_run_stay_benign(layered_triage: SafetyTriage) -> None:
    # Fifteen notes written as members describe a day. Three are flagged: a back that "seized up"
    # read as a red flag (as before the clause screen), and two crisis replies since it, from
    # clauses that are false alarms alone too ("took my tablets on time", "now i am completely
    # done in"); the README records them. The gate holds it there.
    fresh = SafetyTriage(layered_triage.rules, layered_triage.semantic)
    notes = [json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "triage_day_notes.jsonl").read_text().splitlines()]
    flagged = [n for n in notes if fresh.classify(n).level is not Level.NONE]
    assert len(notes) == 15 and len(flagged) <= 3, flagged
