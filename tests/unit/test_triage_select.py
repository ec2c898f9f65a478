"""The selection of the semantic layer's settings by the bank's held-out families
(``bench/triage_select.py``): its held-out figures are the layer's own decision, it never returns
a setting worse than the reference on any held-out or tuning-dev figure, and the settings in force
are where it stops (else the constants would not be what the procedure chose)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import triage_tune
from bench.triage_select import Bank, bank_figures, no_worse, select
from bench.triage_tune import Features, Setting
from bot.care.engine import SafetyTriage

# One worker runs every test that embeds the tuning cases, so the vectors the shared triage
# remembers (tests/unit/conftest.py) are computed once, not once per worker.
pytestmark = pytest.mark.xdist_group("triage-vectors")

# The settings in force before the selection (K 3, head weight 0.001): the reference it started from.
BEFORE = Setting(k=3, crisis=0.0025, urgent=0.0125, clinician=0.015, sentence_extra=0.005, tolerance=0.0,
                 head_weight=0.001)


@pytest.fixture(scope="module")
def bank(layered_triage: SafetyTriage) -> Bank:
    layer = layered_triage.semantic
    assert layer is not None
    return Bank(layer.bank_vectors().astype(np.float64), np.array([e.level.value for e in layer.exemplars]),
                np.array([e.family for e in layer.exemplars]), (3, 4))


@pytest.fixture(scope="module")
def feats(layered_triage: SafetyTriage) -> Features:
    return triage_tune.features(layered_triage, triage_tune.read_cases())


def test_held_out_figures_count_the_texts_over_each_bar() -> None:
    levels = np.array(["crisis", "crisis", "urgent", "clinician", "none", "none"])
    bank = Bank.__new__(Bank)
    bank.levels = levels
    zero = np.zeros(6)
    margin = {"crisis": np.array([0.05, -0.05, 0.0, 0.0, 0.05, -0.05]),
              "urgent": np.array([0.0, 0.0, 0.05, 0.0, 0.0, 0.0]),
              "clinician": np.array([0.0, 0.0, 0.0, -0.05, 0.0, 0.0])}
    bank.scores = {3: (margin, {"crisis": zero, "urgent": zero, "clinician": zero})}
    got = bank_figures(bank, 3, 0.0, 0.01, 0.01, 0.01)
    assert {k: float(v) for k, v in got.items()} == {
        "crisis_recall": 0.5, "urgent_recall": 1.0, "clinician_recall": 0.0, "false_alarm": 0.5}
    # the head's log-odds count times the weight: +10 x 0.01 lifts the missed clinician text
    odds = {"crisis": zero, "urgent": zero, "clinician": np.full(6, 10.0)}
    bank.scores = {3: (margin, odds)}
    assert float(bank_figures(bank, 3, 0.01, 0.01, 0.01, 0.01)["clinician_recall"]) == 1.0


def test_no_worse_needs_every_figure() -> None:
    ref = {"crisis_recall": 0.9, "urgent_recall": 0.9, "clinician_recall": 0.9, "false_alarm": 0.1}
    got = {"crisis_recall": np.array([0.95, 0.95, 0.89]), "urgent_recall": np.array([0.9, 0.9, 1.0]),
           "clinician_recall": np.array([0.9, 0.9, 1.0]), "false_alarm": np.array([0.1, 0.11, 0.0])}
    assert no_worse(got, ref).tolist() == [True, False, False]


def test_the_selection_from_the_earlier_settings_is_no_worse_anywhere(feats: Features, bank: Bank) -> None:
    chosen, found = select(feats, bank, BEFORE, 0.04, 0.05, 0.98, ks=(3, 4), head_weights=(0.001, 0.004),
                           extras=(0.005, 0.01))
    assert chosen != BEFORE
    ref = {k: float(v) for k, v in bank_figures(bank, 3, 0.001, BEFORE.crisis, BEFORE.urgent, BEFORE.clinician).items()}
    held = found["held_out"]
    assert held["crisis_recall"] > ref["crisis_recall"]
    assert all(held[k] >= round(ref[k], 3) for k in ("urgent_recall", "clinician_recall"))
    assert held["false_alarm"] <= round(ref["false_alarm"], 3)
    assert found["train"]["false_alarm"] <= 0.04 and found["train"]["crisis_recall"] >= 0.98
    # its reported figures are the replay's of that setting
    final = triage_tune.replay(feats, chosen)
    dev = feats.part == "dev"
    assert found["dev"] == {k: round(float(v), 3) for k, v in triage_tune.figures(final[dev], feats.gold[dev]).items()}


def test_the_settings_in_force_are_where_the_selection_stops(layered_triage: SafetyTriage, feats: Features,
                                                              bank: Bank) -> None:
    now = Setting.in_force(layered_triage)
    assert now.k in bank.scores
    chosen, _ = select(feats, bank, now, 0.04, 0.05, 0.98, ks=(now.k,), head_weights=(now.head_weight,),
                       extras=(now.sentence_extra,))
    assert chosen == now
