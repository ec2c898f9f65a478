"""The sentence encoder loads offline from the installed package and gives usable vectors."""

from __future__ import annotations

import numpy as np
import pytest

from bot.semantic import Encoder, EncoderError, load_encoder


def test_vectors_are_normalised_rows() -> None:
    enc = load_encoder()
    assert isinstance(enc, Encoder)
    rows = enc.encode(["I want to die", "how does pacing work", ""])
    assert rows.shape == (3, enc.dim) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    assert enc.encode([]).shape == (0, enc.dim)


def test_meaning_beats_wording() -> None:
    enc = load_encoder()
    a, b, c = enc.encode(["I want to end my life", "i dont want to be alive anymore", "what is a good pillow"])
    assert a @ b > a @ c


def test_same_model_is_shared() -> None:
    assert load_encoder() is load_encoder()


def test_unknown_model_is_a_domain_error() -> None:
    with pytest.raises(EncoderError, match="unknown sentence model"):
        load_encoder("no-such-model")
