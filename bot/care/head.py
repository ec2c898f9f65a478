"""A logistic-regression head per flagged level, fitted on the reviewed exemplar bank.

Why: the nearest-exemplar margin judges a message by its few closest exemplars, so it is only as
good as the bank's coverage of that exact wording: a member's new way of saying it, far from
every exemplar of its family, gets a small margin. A linear head weighs every exemplar of a level
against every benign one and learns the directions that separate them, which carries over to
wordings the bank does not hold. Measured on the bank itself with whole families held out (five
folds by family, so no paraphrase of a held-out text is seen in fitting; ``bench/triage_head.py``),
adding the head's log-odds to the margin separated crisis from benign texts better than the margin
alone: crisis recall at 5 % false alarms 0.66 -> 0.71 at weight 0.001, 0.76 at 0.004 (the weight
in force), 0.80 at 0.008; urgent and clinician texts gained too.

The head is explainable as the margin is: one weight vector per level, fitted on reviewed texts
only, deterministically (Newton's method from zero, with a small L2 penalty so that it converges
on a bank the levels separate completely). It is fitted when the bank loads, and remembered per
bank in this process (tests and reloads load the same bank many times).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

L2 = 0.01  # penalty on the weights (not the bias); weights stay finite on separable banks
_MAX_STEPS = 50
_TOLERANCE = 1e-8
_FITTED: dict[str, np.ndarray] = {}  # bank digest -> fitted heads (small: levels x (dim + 1) floats)
_REMEMBER = 8


class HeadFitError(ValueError):
    """The head could not be fitted on this bank (a level with no texts, or no convergence)."""


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights and bias (last) of an L2-penalised logistic regression of ``y`` (0/1) on ``x``."""
    if not (y.any() and (~y.astype(bool)).any()):
        raise HeadFitError("the head needs texts of both kinds")
    xb = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    penalty = np.full(xb.shape[1], l2)
    penalty[-1] = 0.0
    w = np.zeros(xb.shape[1])
    for _ in range(_MAX_STEPS):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if float(np.abs(step).max()) < _TOLERANCE:
            break
    if not np.isfinite(w).all():
        raise HeadFitError("the head did not converge")
    return w


def fit_heads(vectors: np.ndarray, levels: Sequence[str], flagged: Sequence[str], benign: str) -> np.ndarray:
    """One row per ``flagged`` level: that level's texts against the ``benign`` ones.

    Row ``i`` holds the weights then the bias; a level with no texts gets a zero row (it never
    fires by its head). Remembered by a digest of the vectors and labels."""
    labels = np.array(levels)
    digest = hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()
                            + "\0".join([*levels, "|", *flagged, benign]).encode()).hexdigest()
    if digest in _FITTED:
        return _FITTED[digest]
    rows = np.zeros((len(flagged), vectors.shape[1] + 1))
    # One BLAS thread: a threaded fit leaves the library's threads spinning and each holding a
    # buffer, which slowed the encoder's next calls and added tens of MB to the process.
    with threadpool_limits(limits=1):
        for i, level in enumerate(flagged):
            keep = (labels == level) | (labels == benign)
            if (labels == level).any() and (labels == benign).any():
                rows[i] = fit_logistic(vectors[keep], (labels[keep] == level).astype(np.float64))
    if len(_FITTED) >= _REMEMBER:
        _FITTED.pop(next(iter(_FITTED)))
    _FITTED[digest] = rows
    return rows


def log_odds(heads: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Each head's log-odds for each vector: shape ``(len(vectors), len(heads))``.

    einsum, not ``@``: a product this small must not go to the BLAS thread pool (see
    :class:`bot.faq.hybrid.SemanticRanker`)."""
    return np.einsum("ij,kj->ik", vectors.astype(np.float64), heads[:, :-1]) + heads[:, -1]
