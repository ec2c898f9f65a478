"""Safety triage latency per cold text, on the tuning texts only, and what a long message costs.

Why a separate benchmark: ``bench/triage.py`` times texts from both splits, and the blind split may
only be read by whoever runs that benchmark after a merge. This one reads only the tuning cases
(tests/data/triage_cases.jsonl), so it can be run while changing how the triage embeds a message.

The p99 is the messages of several sentences: the triage screens the message and each sentence
(see ``bot/care/engine.py``), from one encoder call on the sentences (``sentences_only`` below,
the way chosen with this benchmark). Besides the real triage (``engine``), it times the encoder
calls of three ways to get those vectors, on the same texts, so the choice can be checked again:

* ``two_calls``: the whole message, then its sentences in a second call;
* ``one_call``: the whole message and its sentences in one batched call;
* ``sentences_only``: the sentences only (the whole-message vector would be their mean).

Every timing is cold: the triage's classification cache is new and the encoder's memory of recent
texts is cleared before each call, so no text is answered from memory; the ways are timed in a
rotating order, text by text, so load on a shared host falls on all of them alike.
Last line: one JSON object, ``{"p50_ms", "p99_ms", "multi_p50_ms", "multi_p99_ms", ...}`` for
the engine, and ``{way}_p50_ms`` / ``{way}_p99_ms`` for each way. ``--quick``: every third text
(every long one kept).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import load_layered_triage, percentile  # noqa: E402
from bench.triage_tune import read_cases  # noqa: E402
from bot.care.engine import SafetyTriage, sentences  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every third text, every long one kept")
    args = parser.parse_args()
    triage = load_layered_triage()
    encoder = triage.semantic.encoder
    forget: Callable[[], None] = getattr(encoder, "forget_recent", lambda: None)
    texts = list(dict.fromkeys(c["text"] for c in read_cases()))  # each text once
    parts = {t: sentences(t, triage.rules.normalize) for t in texts}
    if args.quick:
        texts = [t for i, t in enumerate(texts) if i % 3 == 0 or parts[t]]
    ways: dict[str, Callable[[str], object]] = {
        "engine": lambda t: SafetyTriage(triage.rules, triage.semantic).classify(t),
        "two_calls": lambda t: (encoder.encode([t]), parts[t] and encoder.encode(parts[t])),
        "one_call": lambda t: encoder.encode([t, *parts[t]]),
        "sentences_only": lambda t: encoder.encode(parts[t] or [t]),
    }
    names = list(ways)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i, text in enumerate(texts):
        for name in names[i % len(names):] + names[: i % len(names)]:
            forget()
            start = time.perf_counter()
            ways[name](text)
            times[name].append((time.perf_counter() - start) * 1000)
    multi = [i for i, t in enumerate(texts) if parts[t]]
    out: dict[str, float | int] = {"texts": len(texts), "multi_sentence_texts": len(multi)}
    for name in names:
        prefix = "" if name == "engine" else f"{name}_"
        out[f"{prefix}p50_ms"] = round(percentile(times[name], 0.5), 1)
        out[f"{prefix}p99_ms"] = round(percentile(times[name], 0.99), 1)
        long_ones = [times[name][i] for i in multi]
        out[f"{prefix}multi_p50_ms"] = round(percentile(long_ones, 0.5), 1)
        out[f"{prefix}multi_p99_ms"] = round(percentile(long_ones, 0.99), 1)
        print(f"{name}: all p50 {out[f'{prefix}p50_ms']} ms, p99 {out[f'{prefix}p99_ms']} ms; "
              f"several sentences p50 {out[f'{prefix}multi_p50_ms']} ms, p99 {out[f'{prefix}multi_p99_ms']} ms")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
