"""FAQ search and autocomplete latency, over the real pack and over 500 generated entries.

Prints p50/p99 for each, then one JSON object as the last line:
``{"search_p99_ms": ..., "autocomplete_p99_ms": ...}`` measured over the 500-entry set.
``--quick`` runs fewer rounds (well under 30 s).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from bot.faq.library import FaqLibrary  # noqa: E402
from bot.faq.models import FaqEntry, FrontMatter  # noqa: E402
from bot.faq.search import SearchIndex  # noqa: E402


def generated_entries(base: list[FaqEntry], count: int, rng: random.Random) -> list[FaqEntry]:
    """Entries shaped like real ones: real sentences recombined, with fresh ids and wording."""
    words = sorted({w for e in base for w in e.body.split() if w.isalpha() and len(w) > 3})
    out: list[FaqEntry] = []
    for index in range(count):
        src = base[index % len(base)]
        extra = " ".join(rng.sample(words, 2))
        data = src.meta.model_dump()
        data.update(id=f"{src.id}-{index}", question=f"{src.question[:150]} {extra}"[:200],
                    aliases=[f"{a} {rng.choice(words)}"[:100] for a in src.meta.aliases], related=[])
        body = " ".join(rng.sample(src.body.split(), min(len(src.body.split()), 250)))
        out.append(FaqEntry(meta=FrontMatter.model_validate(data), body=body or src.body, pack="generated"))
    return out


def measure(index: SearchIndex, queries: list[str], rounds: int) -> dict[str, float]:
    search: list[float] = []
    complete: list[float] = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            index._search(query)  # uncached: the cost of a question nobody asked before
            search.append((time.perf_counter() - start) * 1000)
            cut = max(1, len(query) * 2 // 3)
            start = time.perf_counter()
            index.autocomplete(query[:cut])
            complete.append((time.perf_counter() - start) * 1000)
    return {
        "search_p50_ms": round(statistics.median(search), 3), "search_p99_ms": round(percentile(search, 0.99), 3),
        "autocomplete_p50_ms": round(statistics.median(complete), 3),
        "autocomplete_p99_ms": round(percentile(complete, 0.99), 3), "samples": len(search),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rng = random.Random(7)
    library = FaqLibrary(ROOT / "content")
    library.load()
    real = library.published()
    dev = ROOT / "tests" / "data" / "faq_queries.jsonl"
    queries = [json.loads(line)["q"] for line in dev.read_text().splitlines() if line.strip()]
    queries += ["fibromyalga", "amitriptilyne dose", "", "x" * 500, "what's a flare?!"]
    rounds = 2 if args.quick else 10
    start = time.perf_counter()
    big = SearchIndex(generated_entries(real, 500, rng))
    build_ms = (time.perf_counter() - start) * 1000
    measure(library.index, queries[:20], 1)  # warm caches
    real_stats = measure(library.index, queries, rounds)
    big_stats = measure(big, queries, rounds)
    print(f"real pack ({len(real)} entries): {real_stats}")
    print(f"generated pack (500 entries, index built in {build_ms:.0f} ms): {big_stats}")
    print(json.dumps({"search_p99_ms": big_stats["search_p99_ms"], "autocomplete_p99_ms": big_stats["autocomplete_p99_ms"]}))


if __name__ == "__main__":
    main()
