"""The FAQ no-match path's "might be close" matching: what it adds to a question nothing answered.

Builds the matcher over the shipped content once (as the bot does per search index), then times
``offer`` for unique questions made up here, never taken from the question sets: a few topic
words from the entries' own titles and tags, each misspelt at random (a letter dropped, doubled
or swapped), mixed with filler words. Every question is new, so nothing is answered from a cache.
Last line: ``{"questions", "build_ms", "offer_p50_ms", "offer_p99_ms", "offer_max_ms"}``.
``--quick``: 2,000 questions instead of 20,000.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot.faq.close import CloseEntries, offer  # noqa: E402
from bot.faq.loader import load_entries  # noqa: E402

FILLER = ["my", "really", "bad", "today", "and", "how", "do", "i", "with", "so", "any", "tips", "for", "the",
          "week", "since", "ages", "again", "at", "night", "pls", "mate", "honestly", "idk"]


def misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4 or rng.random() < 0.4:
        return word
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap"))
    if how == "drop":
        return word[:i] + word[i + 1:]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 questions instead of 20,000")
    args = parser.parse_args()
    count = 2_000 if args.quick else 20_000
    loaded = load_entries(ROOT / "content").entries
    entries = list(loaded.values()) if isinstance(loaded, dict) else list(loaded)
    started = time.perf_counter()
    matcher = CloseEntries(entries)
    build_ms = (time.perf_counter() - started) * 1000
    topic = sorted(matcher.keywords)
    rng = random.Random(20261202)
    seen: set[str] = set()
    timings: list[float] = []
    while len(timings) < count:
        words = [misspell(rng.choice(topic), rng) for _ in range(rng.randint(1, 3))]
        words += rng.sample(FILLER, rng.randint(0, 5))
        rng.shuffle(words)
        question = " ".join(words) + f" {len(timings)}"  # unique, so no cache could answer it
        if question in seen:
            continue
        seen.add(question)
        started = time.perf_counter()
        offer(matcher, question, [])
        timings.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"questions": count, "build_ms": round(build_ms, 3),
                      "offer_p50_ms": round(percentile(timings, 0.5), 4),
                      "offer_p99_ms": round(percentile(timings, 0.99), 4),
                      "offer_max_ms": round(max(timings), 4)}))


if __name__ == "__main__":
    main()
