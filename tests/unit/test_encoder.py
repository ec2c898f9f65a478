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


def _rows(texts: list[str]) -> np.ndarray:
    rows = np.array([[len(t), 1.0, 0.0, float(t[-1].isdigit())] for t in texts], dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_call_borrows_the_free_handles_and_runs_on_their_threads() -> None:
    """An idle host: the one call in flight holds every handle and asks for as many threads."""
    from bot.semantic.encoder import E5Encoder

    threads: list[int] = []
    first, second = _CountingHandle("a"), _CountingHandle("b")
    enc = E5Encoder([first, second], "counting", 0.0, threads.append, lambda: True)
    texts = ["one", "three 3", "fifty five", "x9", "seven"]
    assert np.allclose(enc.encode(texts), _rows(texts))
    assert threads == [2]
    assert sorted(first.given + second.given) == sorted(texts) and not (first.given and second.given)
    assert enc._free.qsize() == 2  # both handles are back


def test_a_busy_handle_is_not_waited_for_and_a_failure_returns_every_handle() -> None:
    from bot.semantic.encoder import E5Encoder

    threads: list[int] = []
    enc = E5Encoder([_CountingHandle("a"), _CountingHandle("b")], "counting", 0.0, threads.append, lambda: True)
    held = enc._free.get()  # another question is being embedded on this handle
    assert np.allclose(enc.encode(["one", "two 2"]), _rows(["one", "two 2"]))
    assert threads == [1] and enc._free.qsize() == 1
    enc._free.put(held)
    failing = E5Encoder([_CountingHandle("a", fail=True), _CountingHandle("b", fail=True)], "counting", 0.0,
                        threads.append, lambda: True)
    with pytest.raises(RuntimeError, match="engine failed"):
        failing.encode(["one", "two", "three", "four"])
    assert failing._free.qsize() == 2
    no_control = E5Encoder([_CountingHandle("a"), _CountingHandle("b")], "counting", 0.0)
    no_control.encode(["one", "two"])  # where threads cannot be set, one handle and one thread
    assert no_control._free.qsize() == 2
    busy_host = E5Encoder([_CountingHandle("a"), _CountingHandle("b")], "counting", 0.0, threads.append,
                          lambda: False)
    threads.clear()
    busy_host.encode(["one", "two"])  # other processes keep the cores busy: one thread
    assert threads == [1]


def test_the_installed_engine_runs_on_several_threads_with_the_same_vectors() -> None:
    """The bundled OpenMP runtime is found (so an idle host uses its cores), and the vectors of a
    call on one thread and on two are the same."""
    from bot.semantic.encoder import E5Encoder

    enc = load_encoder()
    assert isinstance(enc, E5Encoder) and enc._set_threads is not None
    texts = [f"my back is sore tonight number {i}, is that fibro or something else" for i in range(3)]
    enc._set_threads(2)
    both = [enc._free.get() for _ in range(enc.handles)]
    try:
        enc._set_threads(1)
        one = np.asarray(both[0].query(texts), dtype=np.float32)
        enc._set_threads(2)
        two = np.asarray(both[0].query(texts), dtype=np.float32)
    finally:
        for handle in both:
            enc._free.put(handle)
    assert np.allclose(one, two, atol=1e-5)


def test_host_load_counts_other_processes_not_this_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A second engine thread only while other work leaves a core free: the load average less
    this process's own decayed CPU use."""
    import os

    from bot.semantic.encoder import HostLoad

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    host = HostLoad()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert host() is True
    monkeypatch.setattr(os, "getloadavg", lambda: (2.1, 1.0, 0.5))
    assert host() is False  # this process has used no CPU, so the load is other work
    host._own = 1.9  # as after a minute of this process's own two engine threads
    host._at += 10.0  # no new sample this call
    assert host() is True
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert host() is False  # one core: never a second thread
