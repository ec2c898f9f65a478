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


def test_texts_embedded_side_by_side_match_one_at_a_time() -> None:
    """Several worker threads share the handles: every vector is the one a lone call gives."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.semantic.encoder import E5Encoder

    enc = load_encoder()
    assert isinstance(enc, E5Encoder) and enc.handles >= 1
    texts = [f"question number {i} about pacing and sleep after a flare" for i in range(12)]
    alone = np.stack([enc.encode([t])[0] for t in texts])
    enc.forget_recent()  # so the threads below run the model, not the memory of the calls above
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = np.stack([row[0] for row in pool.map(lambda t: enc.encode([t]), texts)])
    assert np.allclose(alone, together, atol=1e-6)


def test_handle_count_setting() -> None:
    from bot.semantic.encoder import DEFAULT_HANDLES, MAX_HANDLES, handle_count

    assert handle_count("1") == 1
    assert handle_count(str(MAX_HANDLES)) == MAX_HANDLES
    assert 1 <= handle_count("") <= DEFAULT_HANDLES  # unset: at most the default, fewer on one core
    for bad in ("0", "-2", "two", str(MAX_HANDLES + 1)):
        with pytest.raises(EncoderError, match="ENCODER_THREADS"):
            handle_count(bad)


class _CountingHandle:
    """A stand-in engine handle: one known row per text, and a record of what it was given."""

    dim = 4

    def __init__(self, name: str, fail: bool = False) -> None:
        self.name, self.fail = name, fail
        self.given: list[str] = []

    def query(self, texts: str | list[str]) -> np.ndarray:
        items = [texts] if isinstance(texts, str) else list(texts)
        self.given.extend(items)
        if self.fail:
            raise RuntimeError("engine failed")
        return np.array([[len(t), 1.0, 0.0, float(t[-1].isdigit())] for t in items], dtype=np.float32)


def test_several_texts_share_a_free_second_handle_and_keep_their_order() -> None:
    from bot.semantic.encoder import E5Encoder

    first, second = _CountingHandle("a"), _CountingHandle("b")
    enc = E5Encoder([first, second], "counting", 0.0)
    texts = ["one", "three 3", "fifty five", "x9", "seven"]
    rows = enc.encode(texts)
    expected = np.array([[len(t), 1.0, 0.0, float(t[-1].isdigit())] for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(rows, expected)
    assert first.given and second.given and sorted(first.given + second.given) == sorted(texts)
    # Both handles are back in the pool: two more calls side by side do not block.
    assert enc.encode(["again"]).shape == (1, 4) and enc.encode(["again", "and again"]).shape == (2, 4)


def test_a_busy_second_handle_is_not_waited_for_and_a_failure_returns_both() -> None:
    from bot.semantic.encoder import E5Encoder

    alone = _CountingHandle("a")
    enc = E5Encoder([alone], "counting", 0.0)
    enc.encode(["one", "two", "three"])
    assert alone.given == ["one", "two", "three"]
    failing = E5Encoder([_CountingHandle("a"), _CountingHandle("b", fail=True)], "counting", 0.0)
    with pytest.raises(RuntimeError, match="engine failed"):
        failing.encode(["one", "two", "three", "four"])
    assert failing._free.qsize() == 2
