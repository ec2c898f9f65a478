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

# One worker runs every test that embeds the tuning cases, so the vectors the shared triage
# remembers (tests/unit/conftest.py) are computed once, not once per worker.
pytestmark = pytest.mark.xdist_group("triage-vectors")

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
    rebuilt = SemanticLayer(layer.encoder, layer.exemplars, layer.bank_vectors(), thresholds=thresholds,
                            gentle=layer.gentle, k=s.k, tolerance=s.tolerance)
    return SafetyTriage(base.rules, rebuilt)


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
    # Other K, higher bars, a larger sentence extra and a wide crisis tolerance: the replay and a
    # real layer built with them must still agree, and must differ from the settings in force.
    other = Setting(k=5, crisis=0.02, urgent=0.03, clinician=0.035, sentence_extra=0.02, tolerance=0.03)
    monkeypatch.setattr(semantic, "SENTENCE_EXTRA", other.sentence_extra)
    replayed = triage_tune.replay(feats, other)
    real = _real(_engine(layered_triage, other), cases)
    assert (replayed == real).all(), _disagreements(replayed, real, cases)
    assert (replayed != triage_tune.replay(feats, Setting.in_force(layered_triage))).any()


def test_figures_count_recall_by_level_or_more_urgent_and_false_alarms() -> None:
    gold = np.array([0, 0, 1, 1, 2, 2, 3, 3, 3, 3])
    final = np.array([0, 1, 0, 3, 2, 2, 3, 2, 3, 3])
    got = triage_tune.figures(final, gold)
    assert got["crisis_recall"] == 0.5 and got["urgent_recall"] == 0.5
    assert got["clinician_recall"] == 1.0 and got["false_alarm"] == 0.25
    assert got["escalated_to_crisis"] == 0.25  # one of four urgent or clinician cases got crisis


def test_a_crisis_tolerance_only_adds_crisis_answers(feats: Features) -> None:
    base = Setting(k=3, crisis=0.0025, urgent=0.0125, clinician=0.01, sentence_extra=0.005)
    strict = triage_tune.replay(feats, base)
    wide = triage_tune.replay(feats, Setting(**{**_fields(base), "tolerance": 0.05}))
    assert ((wide == strict) | (wide == 0)).all()  # nothing else changes: crisis is only ever added
    assert (wide == 0).sum() > (strict == 0).sum()


def test_the_escalation_cap_is_honoured(feats: Features) -> None:
    # A small grid (the script's own is larger): with no escalation allowed the widest tolerance
    # cannot be chosen, and the chosen setting's replay is the final ranks the search reports.
    # No escalation at all may be out of reach (the rules answer "is it possible to overdose on
    # magnesium" with crisis lines whatever the margins): then the search says so instead of
    # returning a setting that breaks the cap.
    train = feats.part == "train"
    chosen_tolerance = {}
    for cap in (0.05, 1.0):
        chosen, final = triage_tune.choose(feats, 0.04, cap, step=0.01, ks=(3,), extras=(0.005,),
                                           tolerances=(0.0, 0.1))
        assert triage_tune.figures(final[train], feats.gold[train])["escalated_to_crisis"] <= cap
        assert (triage_tune.replay(feats, chosen) == final).all()
        chosen_tolerance[cap] = chosen.tolerance
    assert chosen_tolerance[0.05] == 0.0  # the widest tolerance escalates too much
    with pytest.raises(triage_tune.NoAllowedSetting):
        triage_tune.choose(feats, 0.04, -1.0, step=0.01, ks=(3,), extras=(0.005,), tolerances=(0.0,))


def test_the_layer_lets_crisis_fire_within_its_tolerance_of_the_closest_level(layered_triage: SafetyTriage) -> None:
    layer = layered_triage.semantic
    assert layer is not None
    near = {e.level: e for e in layer.exemplars}
    found = semantic.Assessment({Level.CRISIS: 0.05, Level.URGENT: -0.02, Level.CLINICIAN: 0.06}, near)
    strict = SemanticLayer(layer.encoder, layer.exemplars, layer.bank_vectors(), tolerance=0.0)
    tolerant = SemanticLayer(layer.encoder, layer.exemplars, layer.bank_vectors(), tolerance=0.02)
    assert strict.decide(found).level is Level.CLINICIAN  # type: ignore[union-attr]
    assert tolerant.decide(found).level is Level.CRISIS  # type: ignore[union-attr]
    farther = semantic.Assessment({Level.CRISIS: 0.03, Level.URGENT: -0.02, Level.CLINICIAN: 0.06}, near)
    assert tolerant.decide(farther).level is Level.CLINICIAN  # type: ignore[union-attr]


def _fields(s: Setting) -> dict[str, float]:
    return {name: getattr(s, name) for name in Setting.__slots__}
