"""Fixtures shared by the unit tests of the safety triage and the FAQ search."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.care.engine import SafetyTriage
from bot.care.service import load_safety_content
from bot.faq.library import FaqLibrary
from bot.faq.search import SearchIndex
from bot.semantic import Encoder
from tests.conftest import CONTENT


class RememberingEncoder:
    """The real model, but each text embedded once per test session.

    Every triage figure is a function of the same model's vectors for the same ~2,000 texts (the
    tuning and blind cases and their sentences), and each test builds a fresh triage (so no test
    reads another's classification cache). Embedding every text again in each test module was the
    largest share of the whole suite's time; the vectors are the model's own, one text per call,
    exactly as the bot embeds them (the engine gives the same vector for a text alone or in a batch)."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self._known: dict[str, np.ndarray] = {}
        self.name, self.dim, self.size_mb = encoder.name, encoder.dim, encoder.size_mb

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self._encoder.encode([])
        for text in texts:
            if text not in self._known:
                self._known[text] = self._encoder.encode([text])[0]
        return np.stack([self._known[t] for t in texts])


@pytest.fixture(scope="session")
def layered_triage() -> SafetyTriage:
    """The shipped rules and exemplar bank on the real model, its vectors remembered (see above)."""
    found, _, problems = load_safety_content(CONTENT)
    assert found is not None and found.semantic is not None, problems
    found.semantic.encoder = RememberingEncoder(found.semantic.encoder)
    return found


@pytest.fixture(scope="session")
def hybrid_index() -> SearchIndex:
    """The shipped FAQ pack's search index with the sentence model (lexical and semantic)."""
    library = FaqLibrary(CONTENT)
    library.load()
    assert library.index.semantic is not None, "the sentence model should load from its package"
    return library.index
