"""A linear classification head over the FAQ's sentence vectors: which entry a question is about.

Why: the hybrid's semantic side compares a question with each entry's phrasings one by one and
keeps the closest (moved toward the summary's cosine). That lets one alias that happens to share a
question's shape pull a neighbour ahead, and it cannot learn that some directions of the vector
space matter more than others for telling entries apart. A multinomial logistic regression fitted
on every phrasing and summary vector (one class per entry) learns exactly that, from the pack
alone, so it needs no tuning question and changes with the content.

Measured on the pack's own phrasings (``bench/faq_heldout.py``: five folds by a hash of the text,
each fold's phrasings held out and the index built from the rest): the ranker's best-phrasing/
summary similarity puts the right entry first for 0.871 of 1,384 held-out phrasings, this head
alone for 0.933 (scale 20, L2 0.01, 40 preconditioned steps; plain gradient descent needed 400
steps for 0.935). Its constants were chosen on those held-out phrasings, never on tuning or blind
questions. Cost (``bench/faq_head.py``): a fit of the 60-entry pack about 120 ms, the step per
question p50 0.017 ms, p99 0.03 ms.

How it is fitted: full-batch gradient descent on the softmax loss, each step preconditioned with
the inverse of the (damped) covariance of the inputs. e5 vectors share one dominant direction
(their cosines sit at 0.8-0.96), which makes plain gradient descent crawl; the fixed metric
makes 40 steps enough (about 0.12 s for 60 entries), so the head is refitted for every ranker
(every load, every draft published from Discord; the ranker fits it on first use, in the worker
thread of a search, never on the event loop). Everything is numpy and
deterministic (fixed step count, no randomness). A fit is remembered per set of vectors and labels,
so reloading the same pack (tests, a reload with no content change) does not fit again.

A softmax always sums to 1: an out-of-scope question still gets a "best" entry. The head is meant
to decide *which* entry; whether to answer stays with the blend's guards (lexical floor, threshold).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

SCALE = 20.0  # inputs are unit vectors times this (the softmax needs logits wider than cosines)
L2 = 1e-2  # ridge penalty on the weights (not the bias)
DAMPING = 0.1  # the preconditioner: covariance + this x its mean eigenvalue (keeps steps stable)
STEPS = 40
REMEMBERED = 16  # fitted heads kept in-process (one per distinct pack or server revision set)

_fits: OrderedDict[bytes, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_lock = threading.Lock()


class HeadError(ValueError):
    """The vectors and labels given to the head do not describe a classification problem."""


def _digest(vectors: np.ndarray, labels: np.ndarray, classes: int) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{vectors.shape}|{classes}|{SCALE}|{L2}|{DAMPING}|{STEPS}".encode())
    h.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    h.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return h.digest()


def _fit(vectors: np.ndarray, labels: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(weights as classes x dim with SCALE folded in, bias per class)."""
    x = np.hstack([vectors.astype(np.float32) * np.float32(SCALE), np.ones((len(vectors), 1), np.float32)])
    count, dim = x.shape
    target = np.eye(classes, dtype=np.float32)[labels]
    penalty = np.ones((dim, 1), np.float32)
    penalty[-1] = 0.0  # the bias is not shrunk
    covariance = (x.T @ x / count).astype(np.float64)
    metric = 0.5 * covariance + DAMPING * np.trace(covariance) / dim * np.eye(dim)
    step = np.linalg.inv(metric).astype(np.float32)
    weights = np.zeros((dim, classes), np.float32)
    for _ in range(STEPS):
        logits = x @ weights
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        gradient = x.T @ (prob - target) / count + L2 * penalty * weights
        weights -= step @ gradient
    return np.ascontiguousarray(weights[:-1].T * np.float32(SCALE)), weights[-1].copy()


class EntryHead:
    """Per-entry probabilities for a question vector, from a head fitted on the entries' vectors."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self._weights = weights  # (classes, dim), input scale folded in
        self._bias = bias

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: np.ndarray | list[int], classes: int) -> EntryHead:
        """Fit (or recall) a head: row ``i`` of ``vectors`` is an example of class ``labels[i]``."""
        labels = np.asarray(labels, dtype=np.int64)
        if vectors.ndim != 2 or len(vectors) != len(labels):
            raise HeadError(f"{len(labels)} labels for vectors of shape {vectors.shape}")
        if classes < 1 or (len(labels) and (labels.min() < 0 or labels.max() >= classes)):
            raise HeadError(f"labels must lie in 0..{classes - 1}")
        if not set(range(classes)) <= set(labels.tolist()):
            raise HeadError("every class needs at least one example")
        key = _digest(vectors, labels, classes)
        with _lock:
            known = _fits.get(key)
            if known is not None:
                _fits.move_to_end(key)
                return cls(*known)
        fitted = _fit(vectors, labels, classes)
        with _lock:
            _fits[key] = fitted
            while len(_fits) > REMEMBERED:
                _fits.popitem(last=False)
        return cls(*fitted)

    @property
    def classes(self) -> int:
        return len(self._bias)

    def probabilities(self, query: np.ndarray) -> np.ndarray:
        """The softmax over entries for one unit question vector (sums to 1).

        einsum, not ``@``: like the ranker's cosines, a product this small must not wait for the
        BLAS thread pool."""
        logits = np.einsum("ij,j->i", self._weights, query.astype(np.float32, copy=False)) + self._bias
        logits -= logits.max()
        prob = np.exp(logits)
        return prob / prob.sum()


def remembered() -> int:
    """How many fitted heads are remembered in-process (for tests and diagnostics)."""
    with _lock:
        return len(_fits)
