"""Cost of the FAQ classification head: its fit (paid on every load and every published draft)
and its step per question (one entries x 385 matrix-vector product and a softmax).

Fit: the real pack's vectors, and one fit per fold with a fifth of the phrasings left out (as
``bench/faq_heldout.py`` does), each a set of vectors fitted for the first time in this process
(the in-process memory of fits is cleared before each, so none is answered from it). Step: the
head's probabilities for each of the pack's phrasing vectors, each asked once, timed alone (the
sentence model's own encoding is not part of it). Target: step p99 under 0.5 ms.
``--quick``: two fits and 300 questions. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot.faq import head as head_module  # noqa: E402
from bot.faq.head import EntryHead  # noqa: E402
from bot.faq.library import FaqLibrary  # noqa: E402

STEP_TARGET_MS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two fits and 300 questions")
    args = parser.parse_args()
    library = FaqLibrary(ROOT / "content")
    library.load()
    ranker = library.index.semantic
    if ranker is None:
        raise SystemExit("the sentence model could not be loaded, so the head cannot be measured")
    entries = library.index.entries
    texts = [t for e in entries for t in dict.fromkeys([e.question, *e.meta.aliases])]
    labels = np.array([i for i, e in enumerate(entries) for _ in dict.fromkeys([e.question, *e.meta.aliases])]
                      + list(range(len(entries))))
    vectors = ranker._vectors
    folds = np.array([zlib.crc32(t.encode()) % 5 for t in texts] + [-1] * len(entries))
    fits: list[float] = []
    for fold in [-2, *range(1 if args.quick else 5)]:  # -2: the whole pack
        keep = folds != fold
        head_module._fits.clear()
        start = time.perf_counter()
        EntryHead.fit(vectors[keep], labels[keep], len(entries))
        fits.append((time.perf_counter() - start) * 1000)
    head = EntryHead.fit(vectors, labels, len(entries))
    queries = vectors[:len(texts)][: 300 if args.quick else None]
    steps: list[float] = []
    for query in queries:
        start = time.perf_counter()
        head.probabilities(query)
        steps.append((time.perf_counter() - start) * 1000)
    p99 = percentile(steps, 0.99)
    print(json.dumps({"entries": len(entries), "dim": int(vectors.shape[1]) + 1, "fits": len(fits),
                      "fit_ms_median": round(float(np.median(fits)), 1), "fit_ms_max": round(max(fits), 1),
                      "questions": len(steps), "step_ms_p50": round(percentile(steps, 0.5), 4),
                      "step_ms_p99": round(p99, 4), "step_target_ms": STEP_TARGET_MS,
                      "step_within_target": p99 < STEP_TARGET_MS}))


if __name__ == "__main__":
    main()
