"""The layered triage (rules + semantic layer), measured on text it was never tuned on.

The blind split (tests/data/triage_blind.jsonl) was written independently of the rules and the
exemplar bank and is never read while writing them. These tests may load it, but only aggregate
figures leave this file: no assertion message or print shows a blind text or which one was missed.
The gates below are what the layered triage measured on the blind split, minus a small margin for
the model's arithmetic on another CPU: they hold the line against regressions, they are not
targets (the README lists the targets and the measured figures side by side).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from bench.triage import evaluate
from bot.care.engine import SafetyTriage, combine
from bot.care.semantic import (
    ADVICE_GENTLE_BAND,
    Assessment,
    Exemplar,
    SemanticLayer,
    embed_bank,
    load_exemplars,
)
from bot.care.someone import about_someone_else
from bot.care.triage import Level, Triage
from bot.semantic import load_encoder

# One worker runs every test that embeds the tuning cases, so the vectors the shared triage
# remembers (tests/unit/conftest.py) are computed once, not once per worker.
pytestmark = pytest.mark.xdist_group("triage-vectors")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAFETY = ROOT / "content" / "safety"
BANK = SAFETY / "exemplars"

# Measured on the blind split (see the README), minus a margin: regressions fail, noise does not.
# The broader bank and the per-sentence screen raised crisis (0.855 -> 0.932) and urgent
# (0.846 -> 0.962) recall; clinician 0.964 -> 0.991; false alarms 0.117 -> 0.107.
# Crisis texts whose member sees the crisis lines (crisis reply or gentle note): 0.986.
BLIND_GATES = {"crisis_recall": 0.91, "urgent_recall": 0.94, "clinician_recall": 0.96, "crisis_lines_shown": 0.97}
# Held out at 0.078 since the bank-held-out selection of K, head weight and margins (was 0.096).
BLIND_MAX_FALSE_ALARM = 0.10
TUNING_GATES = {"crisis_recall": 0.95, "urgent_recall": 0.95, "clinician_recall": 0.95}
TUNING_MAX_FALSE_ALARM = 0.06


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.fixture(scope="module")
def triage(layered_triage: SafetyTriage) -> SafetyTriage:
    """The shipped triage, its vectors shared with the other triage tests (``tests/unit/conftest.py``)."""
    return layered_triage


# -- honest measurement -------------------------------------------------------------------

def test_blind_split_gates_recall_and_false_alarms(triage: SafetyTriage) -> None:
    blind = _read(DATA / "triage_blind.jsonl")
    assert len(blind) >= 400 and {c["level"] for c in blind} == {"crisis", "urgent", "clinician", "none"}
    figures = evaluate(SafetyTriage(triage.rules, triage.semantic), blind)
    print(f"\nblind split: {json.dumps(figures)}")  # aggregates only
    for key, gate in BLIND_GATES.items():
        assert figures[key] >= gate, (key, figures[key])
    assert figures["false_alarm"] <= BLIND_MAX_FALSE_ALARM, figures["false_alarm"]



def test_the_benchmark_counts_crisis_lines_shown_by_the_gentle_note_apart_from_recall() -> None:
    class Fixed:
        def __init__(self, results: dict[str, Triage]) -> None:
            self.results = results

        def classify(self, text: str) -> Triage:
            return self.results[text]

    cases = [{"text": "a", "level": "crisis"}, {"text": "b", "level": "crisis"}, {"text": "c", "level": "crisis"},
             {"text": "d", "level": "none"}]
    got = evaluate(Fixed({"a": Triage(Level.CRISIS, "r", None, None),
                          "b": Triage(Level.CLINICIAN, None, "t", "x", layer="semantic", gentle=True),
                          "c": Triage(Level.NONE, None, None, None),
                          "d": Triage(Level.NONE, None, None, None, layer="semantic", gentle=True)}), cases)  # type: ignore[arg-type]
    assert got["crisis_recall"] == round(1 / 3, 3) and got["crisis_lines_shown"] == round(2 / 3, 3)
    assert got["false_alarm"] == 0.0 and got["gentle_on_benign"] == 1.0

def test_tuning_split_figures(triage: SafetyTriage) -> None:
    tuning = _read(DATA / "triage_cases.jsonl")
    figures = evaluate(SafetyTriage(triage.rules, triage.semantic), tuning)
    print(f"\ntuning split: {json.dumps(figures)}")
    for key, gate in TUNING_GATES.items():
        assert figures[key] >= gate, (key, figures[key])
    assert figures["false_alarm"] <= TUNING_MAX_FALSE_ALARM


def test_the_semantic_layer_adds_to_the_rules_on_blind_text(triage: SafetyTriage) -> None:
    blind = _read(DATA / "triage_blind.jsonl")
    rules_only = evaluate(SafetyTriage(triage.rules, None), blind)
    layered = evaluate(SafetyTriage(triage.rules, triage.semantic), blind)
    assert layered["crisis_recall"] > rules_only["crisis_recall"]
    assert layered["urgent_recall"] > rules_only["urgent_recall"]


def test_no_blind_text_is_in_the_rules_or_the_exemplars() -> None:
    blind = {_key(c["text"]) for c in _read(DATA / "triage_blind.jsonl")}
    written: set[str] = set()
    for path in sorted(SAFETY.glob("*.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules", []):
            for name in ("examples", "not_examples", "patterns"):
                written.update(_key(t) for t in rule.get(name, []))
    exemplars, _ = load_exemplars(BANK)
    written.update(_key(e.text) for e in exemplars)
    written.update(_key(c["text"]) for c in _read(DATA / "triage_cases.jsonl"))
    leaked = len(blind & written)
    assert leaked == 0, f"{leaked} blind text(s) appear verbatim in rules, exemplars or tuning cases"


def test_no_family_is_on_both_sides() -> None:
    blind = {c["family"] for c in _read(DATA / "triage_blind.jsonl")}
    tuning = {c["family"] for c in _read(DATA / "triage_cases.jsonl")}
    exemplars, _ = load_exemplars(BANK)
    shared = blind & (tuning | {e.family for e in exemplars})
    assert not shared, f"{len(shared)} family name(s) are used on both the blind and the tuning side"


def test_dose_questions_are_not_escalated_to_crisis(triage: SafetyTriage) -> None:
    tuning = _read(DATA / "triage_cases.jsonl")
    figures = evaluate(SafetyTriage(triage.rules, triage.semantic), tuning)
    assert figures["escalated_to_crisis"] <= 0.05
    assert triage.classify("how much amitriptyline should i take").level is Level.CLINICIAN


def test_every_tuning_case_has_a_family() -> None:
    assert all(c.get("family") for c in _read(DATA / "triage_cases.jsonl"))


# -- how the layers combine ---------------------------------------------------------------

def test_the_semantic_layer_never_lowers_a_rule_result(triage: SafetyTriage) -> None:
    rank = {Level.CRISIS: 0, Level.URGENT: 1, Level.CLINICIAN: 2, Level.NONE: 3}
    for case in _read(DATA / "triage_cases.jsonl")[::3]:
        ruled = triage.rules.classify(case["text"])
        layered = triage.classify(case["text"])
        assert rank[layered.level] <= rank[ruled.level], case["text"]
        if ruled.level is not Level.NONE and layered.level is ruled.level:
            assert layered.layer == "rule" and layered.confidence == 1.0 and layered.rule == ruled.rule


def _layer(margins: dict[Level, float]) -> SemanticLayer:
    encoder = load_encoder()
    bank = [Exemplar("a", Level.CRISIS, "fam-crisis", None, None, "f"),
            Exemplar("b", Level.URGENT, "fam-urgent", "emergency", "what was seen", "f"),
            Exemplar("c", Level.CLINICIAN, "fam-clin", "medications-overview", "a dose", "f"),
            Exemplar("d", Level.NONE, "fam-none", None, None, "f")]
    layer = SemanticLayer(encoder, bank, np.eye(4, encoder.dim, dtype=np.float32))
    layer._test_margins = margins  # type: ignore[attr-defined]
    return layer


def _decide(margins: dict[Level, float]):  # type: ignore[no-untyped-def]
    layer = _layer(margins)
    nearest = {e.level: e for e in layer.exemplars}
    return layer.decide(Assessment(margins, nearest))


def test_decisions_follow_the_thresholds_most_urgent_first() -> None:
    crisis = _decide({Level.CRISIS: 0.05, Level.URGENT: 0.05, Level.CLINICIAN: 0.05})
    assert crisis is not None and crisis.level is Level.CRISIS and crisis.layer == "semantic"
    assert crisis.family == "fam-crisis" and crisis.confidence is not None and crisis.confidence > 0.5
    urgent = _decide({Level.CRISIS: -0.05, Level.URGENT: 0.05, Level.CLINICIAN: 0.05})
    assert urgent is not None and urgent.level is Level.URGENT
    assert urgent.topic == "emergency" and urgent.detail == "what was seen"
    clinician = _decide({Level.CRISIS: -0.05, Level.URGENT: -0.05, Level.CLINICIAN: 0.08})
    assert clinician is not None and clinician.level is Level.CLINICIAN and clinician.topic == "medications-overview"
    assert _decide({Level.CRISIS: -0.05, Level.URGENT: -0.05, Level.CLINICIAN: -0.05}) is None


def test_the_gentle_tier_sits_just_below_the_crisis_threshold() -> None:
    layer = _layer({})
    just_below = (layer.thresholds[Level.CRISIS] + layer.gentle) / 2
    gentle = _decide({Level.CRISIS: just_below, Level.URGENT: -0.05, Level.CLINICIAN: -0.05})
    assert gentle is not None and gentle.level is Level.NONE and gentle.gentle
    assert gentle.confidence is not None and gentle.confidence < 0.5
    assert _decide({Level.CRISIS: layer.gentle - 0.01, Level.URGENT: -0.05, Level.CLINICIAN: -0.05}) is None



def test_advice_that_wins_only_just_over_crisis_carries_the_gentle_note() -> None:
    layer = _layer({})
    bar = layer.thresholds[Level.CRISIS]
    # crisis over its bar but a little nearer a dose question: the advice, with the note
    close = _decide({Level.CRISIS: bar + 0.02, Level.URGENT: -0.05, Level.CLINICIAN: bar + 0.02 + ADVICE_GENTLE_BAND / 2})
    assert close is not None and close.level is Level.CLINICIAN and close.gentle
    # a dose question far nearer its own bank than crisis: no note (most dose questions sit here)
    far = _decide({Level.CRISIS: bar + 0.02, Level.URGENT: -0.05, Level.CLINICIAN: bar + 0.02 + ADVICE_GENTLE_BAND * 3})
    assert far is not None and far.level is Level.CLINICIAN and not far.gentle
    # the same for urgent advice
    urgent = _decide({Level.CRISIS: bar + 0.02, Level.URGENT: bar + 0.025, Level.CLINICIAN: -0.05})
    assert urgent is not None and urgent.level is Level.URGENT and urgent.gentle


def test_the_wide_gentle_band_never_rides_on_advice() -> None:
    ruled = Triage(Level.URGENT, "cauda-equina", "emergency", "loss of bladder control")
    wide = Triage(Level.NONE, None, None, None, layer="semantic", gentle=True)
    assert not combine(ruled, wide).gentle
    assert combine(Triage(Level.NONE, None, None, None), wide).gentle
    close = Triage(Level.URGENT, None, "emergency", "x", layer="semantic", gentle=True)
    joined = combine(ruled, close)
    assert joined.gentle and joined.rule == "cauda-equina"


# -- asking for someone else ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "other"), [
    ("my friend says she wants to kill herself", True),
    ("how do i help my son who is self harming", True),
    ("my partner keeps talking about ending it", True),
    ("my mum took too many pills on purpose", True),
    ("my wife would be better off without me", False),
    ("i want to die", False),
    ("my mum died last year and i want to die too", False),
])
def test_about_someone_else(text: str, other: bool) -> None:
    assert about_someone_else(text) is other


# -- the exemplar bank as content -----------------------------------------------------------

def test_shipped_bank_is_clean_and_large() -> None:
    exemplars, problems = load_exemplars(BANK)
    assert [p for p in problems if p.severity == "error"] == []
    by_level = {lv: sum(e.level is lv for e in exemplars) for lv in Level}
    assert by_level[Level.CRISIS] >= 200 and by_level[Level.NONE] >= 200
    assert by_level[Level.URGENT] >= 80 and by_level[Level.CLINICIAN] >= 35


def _bank_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "exemplars"
    shutil.copytree(BANK, copy)
    return copy


def test_broken_family_is_reported_with_file_and_field(tmp_path: Path) -> None:
    bank = _bank_copy(tmp_path)
    path = bank / "urgent.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    topic: emergency\n", "", 1), encoding="utf-8")
    _, problems = load_exemplars(bank)
    assert any(p.file == str(path) and p.field == "families.0" and "topic" in p.message for p in problems), problems


def test_special_files_symlinks_and_big_files_are_per_file_errors(tmp_path: Path) -> None:
    bank = _bank_copy(tmp_path)
    os.mkfifo(bank / "fifo.yaml")
    outside = tmp_path / "outside.yaml"
    outside.write_text((bank / "benign.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (bank / "link.yaml").symlink_to(outside)
    (bank / "big.yaml").write_text("# " + "x" * 600_000 + "\n", encoding="utf-8")
    (bank / "deep.yaml").write_text("families: " + "[" * 400 + "]" * 400 + "\n", encoding="utf-8")
    exemplars, problems = load_exemplars(bank, tmp_path / "exemplars")
    messages = {Path(p.file).name: p.message for p in problems if p.severity == "error"}
    assert "not a regular file" in messages["fifo.yaml"]
    assert "outside the content folder" in messages["link.yaml"]
    assert "limited to" in messages["big.yaml"]
    assert "nests deeper" in messages["deep.yaml"]
    assert len(exemplars) > 400  # the good files still load


def test_embedding_cache_is_keyed_by_text_and_model(tmp_path: Path) -> None:
    encoder = load_encoder()
    cache = tmp_path / "embeddings.npz"
    first = embed_bank(encoder, ["i want to die", "how do i pace"], cache)
    assert cache.is_file()
    again = embed_bank(encoder, ["how do i pace", "a new text"], cache)
    assert np.allclose(again[0], first[1], atol=2e-3)
    fresh = encoder.encode(["a new text"])[0]
    assert float(again[1] @ fresh) > 0.99
    cache.write_bytes(b"not a numpy file")
    assert embed_bank(encoder, ["how do i pace"], cache).shape == (1, encoder.dim)  # a damaged cache is ignored


@pytest.mark.parametrize("text", ["x", "ok", "n1577247719901102088", "hello", "12345", "lol ok"])
def test_very_short_texts_are_left_to_the_rules(triage: SafetyTriage, text: str) -> None:
    result = triage.classify(text)
    assert result.level is Level.NONE and not result.gentle and result.layer is None


@pytest.mark.parametrize("text", ["quiero morir", "Me quiero morir", "quero morrer", "voglio morire", "je veux mourir",
                                  "ich will sterben", "ik wil dood", "chcę umrzeć", "no quiero vivir"])
def test_two_word_crisis_messages_in_other_languages_get_the_crisis_reply(triage: SafetyTriage, text: str) -> None:
    """Longer messages in other languages reach the multilingual semantic layer; two or three words
    are below its minimum (MIN_WORDS), so "quiero morir" had no reply at all. A reviewed rule
    catches the common short forms."""
    found = triage.classify(text)
    assert found.level is Level.CRISIS and found.layer == "rule", (text, found)


@pytest.mark.parametrize("text", ["ich will schlafen", "I will be there at eight on monday", "me duele la espalda hoy",
                                  "je suis fatiguée", "voglio dormire"])
def test_everyday_words_in_those_languages_are_not_crisis_by_rule(triage: SafetyTriage, text: str) -> None:
    assert triage.rules.classify(text).level is Level.NONE, text
