"""The triage tuning script: its numpy replay must decide exactly as the real triage does, or the
K and margins it picks would be tuned for some other triage.

The replay of one setting (``bench.triage_tune.replay``) is compared, case by case, with what
``SafetyTriage.classify`` (rules, whole-message semantic layer and the per-sentence screen) returns
for every tuning case, under the settings in force and under a different one built into a real
``SemanticLayer``. The vectors are embedded once and shared with the other triage tests."""

from __future__ import annotations

import numpy as np
import pytest

from bench import triage_tune
from bench.triage_tune import Features, Setting
from bot.care import semantic
from bot.care.engine import SafetyTriage
from bot.care.semantic import SemanticLayer
from bot.care.triage import Level

_RANK = {Level.CRISIS: 0, Level.URGENT: 1, Level.CLINICIAN: 2, Level.NONE: 3}


@pytest.fixture(scope="module")
def cases() -> list[dict[str, str]]:
    return triage_tune.read_cases()


@pytest.fixture(scope="module")
def feats(layered_triage: SafetyTriage, cases: list[dict[str, str]]) -> Features:
    return triage_tune.features(layered_triage, cases)


def _engine(base: SafetyTriage, s: Setting) -> SafetyTriage:
    """A fresh triage (empty classification cache) running setting ``s`` on the same rules, bank
    and remembered vectors."""
    layer = base.semantic
    assert layer is not None
    thresholds = {Level.CRISIS: s.crisis, Level.URGENT: s.urgent, Level.CLINICIAN: s.clinician}
    rebuilt = SemanticLayer(layer.encoder, layer.exemplars, _bank_vectors(layer), thresholds=thresholds,
                            gentle=layer.gentle, k=s.k)
    return SafetyTriage(base.rules, rebuilt)


def _bank_vectors(layer: SemanticLayer) -> np.ndarray:
    vectors = np.zeros((len(layer.exemplars), layer.encoder.dim), dtype=np.float32)
    for matrix, idx in layer._groups.values():
        vectors[idx] = matrix
    return vectors


def _real(triage: SafetyTriage, cases: list[dict[str, str]]) -> np.ndarray:
    return np.array([_RANK[triage.classify(c["text"]).level] for c in cases])


def _disagreements(replayed: np.ndarray, real: np.ndarray, cases: list[dict[str, str]]) -> list[str]:
    names = {v: k.value for k, v in _RANK.items()}
    return [f"{c['text']!r}: replay {names[int(a)]}, triage {names[int(b)]}"
            for c, a, b in zip(cases, replayed, real, strict=True) if a != b][:5]


def test_the_replay_gives_every_tuning_case_the_level_the_triage_gives(
        layered_triage: SafetyTriage, feats: Features, cases: list[dict[str, str]]) -> None:
    now = Setting.in_force(layered_triage)
    replayed = triage_tune.replay(feats, now)
    real = _real(SafetyTriage(layered_triage.rules, layered_triage.semantic), cases)
    assert len(replayed) == len(cases)
    assert (replayed == real).all(), _disagreements(replayed, real, cases)
    # The comparison can fail: a crisis bar raised by 0.05 changes some decisions.
    raised = triage_tune.replay(feats, Setting(now.k, now.crisis + 0.05, now.urgent, now.clinician, now.sentence_extra))
    assert (raised != replayed).any()


def test_the_replay_agrees_under_another_setting(layered_triage: SafetyTriage, feats: Features,
                                                  cases: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    # Other K, higher bars and a larger sentence extra: the replay and a real layer built with
    # them must still agree, and must differ from the settings in force somewhere.
    other = Setting(k=5, crisis=0.02, urgent=0.03, clinician=0.035, sentence_extra=0.02)
    monkeypatch.setattr(semantic, "SENTENCE_EXTRA", other.sentence_extra)
    replayed = triage_tune.replay(feats, other)
    real = _real(_engine(layered_triage, other), cases)
    assert (replayed == real).all(), _disagreements(replayed, real, cases)
    assert (replayed != triage_tune.replay(feats, Setting.in_force(layered_triage))).any()


def test_figures_count_recall_by_level_or_more_urgent_and_false_alarms() -> None:
    gold = np.array([0, 0, 1, 1, 2, 3, 3, 3, 3])
    final = np.array([0, 1, 0, 3, 2, 3, 2, 3, 3])
    got = triage_tune.figures(final, gold)
    assert got["crisis_recall"] == 0.5 and got["urgent_recall"] == 0.5
    assert got["clinician_recall"] == 1.0 and got["false_alarm"] == 0.25
