"""The semantic layer's logistic-regression heads: fitted deterministically on the reviewed bank,
remembered per bank, added to the nearest-exemplar margin, and able to carry a level to a wording
that no single exemplar sits close to."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.care import head
from bot.care.head import HeadFitError, fit_heads, fit_logistic, log_odds
from bot.care.semantic import FLAGGED, Exemplar, SemanticLayer
from bot.care.triage import Level

DIM = 16


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


class Table:
    """An encoder that looks each text up in a table of vectors."""

    name, dim, size_mb = "table", DIM, 0.0

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return _unit(np.stack([self.vectors[t] for t in texts]))


def _bank(seed: int = 3) -> tuple[list[Exemplar], np.ndarray]:
    """Crisis texts share a direction (axis 0) beside their own scattered topics; benign texts
    scatter without it. Urgent and clinician texts sit on their own axes."""
    rng = np.random.default_rng(seed)
    rows, bank = [], []
    for i in range(30):
        v = rng.normal(size=DIM) * 0.6
        v[0] = 0.0
        if i < 12:
            v[0] = 1.6
            level, family = Level.CRISIS, f"crisis-{i % 4}"
        elif i < 16:
            v[1] = 2.0
            level, family = Level.URGENT, "urgent-a"
        elif i < 20:
            v[2] = 2.0
            level, family = Level.CLINICIAN, "clin-a"
        else:
            level, family = Level.NONE, f"none-{i % 5}"
        rows.append(v)
        topic = "emergency" if level is Level.URGENT else None
        detail = "seen" if level is Level.URGENT else None
        bank.append(Exemplar(f"text {i}", level, family, topic, detail, "f"))
    return bank, _unit(np.stack(rows))


def test_a_logistic_fit_is_deterministic_and_separates_its_classes() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 5))
    y = (x[:, 0] + 0.3 * x[:, 1] > 0).astype(float)
    first, second = fit_logistic(x, y), fit_logistic(x.copy(), y.copy())
    assert np.array_equal(first, second)
    assert np.isfinite(first).all() and first.shape == (6,)
    predicted = (np.hstack([x, np.ones((80, 1))]) @ first > 0).astype(float)
    assert (predicted == y).mean() >= 0.95


def test_a_fit_needs_texts_of_both_kinds() -> None:
    with pytest.raises(HeadFitError):
        fit_logistic(np.ones((4, 3)), np.ones(4))


def test_heads_are_remembered_per_bank_and_a_missing_level_gets_a_zero_row() -> None:
    bank, vectors = _bank()
    levels = [e.level.value for e in bank]
    flagged = [lv.value for lv in FLAGGED]
    heads = fit_heads(vectors, levels, flagged, "none")
    assert fit_heads(vectors.copy(), list(levels), flagged, "none") is heads  # remembered, not refitted
    assert heads.shape == (3, DIM + 1)
    no_clinician = [lv if lv != "clinician" else "none" for lv in levels]
    other = fit_heads(vectors, no_clinician, flagged, "none")
    assert other is not heads and not other[2].any() and other[0].any()
    assert len(head._FITTED) <= head._REMEMBER


def test_the_margin_adds_the_head_log_odds_times_its_weight() -> None:
    bank, vectors = _bank()
    query = _unit(np.eye(DIM)[[0]] + 0.5 * np.eye(DIM)[[5]])[0]
    encoder = Table({"q": query})
    plain = SemanticLayer(encoder, bank, vectors, head_weight=0.0).assess("q").margins
    weighted = SemanticLayer(encoder, bank, vectors, head_weight=0.01).assess("q").margins
    odds = SemanticLayer(encoder, bank, vectors).head_log_odds(query[None, :])[0]
    for i, level in enumerate(FLAGGED):
        assert weighted[level] == pytest.approx(plain[level] + 0.01 * odds[i], abs=1e-6)
    assert odds[0] > 0 > odds[2]  # on the crisis direction, away from the clinician one


def test_the_head_carries_crisis_to_a_wording_far_from_every_crisis_exemplar() -> None:
    """A new text on the crisis texts' shared direction but with a topic no crisis exemplar has:
    with the crisis bar just above its nearest-exemplar margin, the margin alone misses it and the
    head's log-odds (positive: it lies on the crisis side) carry it over."""
    bank, vectors = _bank()
    new = np.zeros(DIM)
    new[0], new[9] = 1.0, 1.2  # the shared direction, plus a topic of its own
    encoder = Table({"new": new})
    plain_margin = SemanticLayer(encoder, bank, vectors, head_weight=0.0).assess("new").margins[Level.CRISIS]
    odds = SemanticLayer(encoder, bank, vectors).head_log_odds(_unit(new[None, :]))[0, 0]
    assert odds > 0
    weight = 0.01
    thresholds = {Level.CRISIS: plain_margin + 0.5 * weight * odds, Level.URGENT: 5.0, Level.CLINICIAN: 5.0}
    plain = SemanticLayer(encoder, bank, vectors, thresholds=thresholds, head_weight=0.0)
    headed = SemanticLayer(encoder, bank, vectors, thresholds=thresholds, head_weight=weight)
    missed = plain.classify("new")
    assert missed is None or missed.level is not Level.CRISIS
    found = headed.classify("new")
    assert found is not None and found.level is Level.CRISIS and found.layer == "semantic"


def test_log_odds_are_one_column_per_head() -> None:
    heads = np.array([[1.0, 0.0, 0.5], [0.0, 2.0, -1.0]])
    got = log_odds(heads, np.array([[1.0, 1.0], [0.0, 0.0]]))
    assert got.tolist() == [[1.5, 1.0], [0.5, -1.0]]


def test_a_head_that_cannot_be_fitted_fails_the_safety_load_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from bot.care import semantic
    from bot.care.service import SafetyLoadError, load_safety_content

    def broken(*_args: object) -> np.ndarray:
        raise HeadFitError("the head did not converge")

    monkeypatch.setattr(semantic, "fit_heads", broken)
    triage, _, problems = load_safety_content(Path(__file__).resolve().parents[2] / "content")
    assert triage is not None and triage.semantic is None  # no semantic layer pretending to triage
    assert any("heads could not be fitted" in p.message for p in problems)
    assert "exemplars" in str(SafetyLoadError([p for p in problems if "heads" in p.message]))
