"""A triage whose encoder maps chosen texts to chosen vectors, over a four-exemplar bank, so a test
of how messages are cut up (sentences, clauses) says exactly which piece sits where."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.care.engine import SafetyTriage
from bot.care.rule_loader import load_rules
from bot.care.semantic import Exemplar, SemanticLayer
from bot.care.triage import Level

ROOT = Path(__file__).resolve().parents[2]
DIM = 8
CRISIS, URGENT, CLIN, BENIGN = (np.eye(DIM, dtype=np.float32)[i] for i in range(4))


class ChosenVectors:
    """Each text's vector is looked up; anything not listed sits on the benign exemplar."""

    name, dim, size_mb = "chosen", DIM, 0.0

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        rows = np.stack([self.vectors.get(t, BENIGN) for t in texts])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def chosen_triage(vectors: dict[str, np.ndarray]) -> tuple[SafetyTriage, ChosenVectors]:
    """The shipped rules, and a semantic layer (K 1) whose bank is one exemplar per level."""
    rules, problems = load_rules(ROOT / "content" / "safety")
    assert rules is not None, problems
    encoder = ChosenVectors(vectors)
    bank = [Exemplar("a", Level.CRISIS, "fam-crisis", None, None, "f"),
            Exemplar("b", Level.URGENT, "fam-urgent", "emergency", "what was seen", "f"),
            Exemplar("c", Level.CLINICIAN, "fam-clin", "medications-overview", "a dose", "f"),
            Exemplar("d", Level.NONE, "fam-none", None, None, "f")]
    layer = SemanticLayer(encoder, bank, np.stack([CRISIS, URGENT, CLIN, BENIGN]), k=1)
    return SafetyTriage(rules, layer), encoder
