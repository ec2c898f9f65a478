"""FAQ search and autocomplete latency, over the real pack and over 500 generated entries.

Every measured query starts cold: the search-result cache is bypassed and the per-word caches
(spelling correction, stemming) are emptied before each one, so a figure is the cost of a
question in words the bot has not met since start-up. The same queries with the per-word caches
warm (a bot that has been running a while) are reported apart.

Prints p50/p99 for each, then one JSON object as the last line, measured over the 500-entry set:
``{"search_p99_ms", "autocomplete_p99_ms", "search_warm_p99_ms", "autocomplete_warm_p99_ms"}``
(the first two cold), plus answer quality and the hybrid's latency: ``"hybrid_search_p99_ms"``
(the real pack with the sentence model, every question new to it), ``"blind_top1"``,
``"blind_top3"``, ``"blind_abstention"``, ``"blind_false_abstention"`` (hybrid, blind set) and
``"lexical"`` / ``"hybrid"``: the same four figures on the tuning and the blind set, and
``"autocomplete_typing"``: where the expected entry stands in the autocomplete list as each
question is typed a letter at a time (tuning and blind; :func:`bench.faq_accuracy.typing_score`). Targets (blind,
hybrid): top-1 >= 0.95, top-3 >= 0.99, abstention >= 0.90, false abstention <= 0.05, hybrid
search p99 <= 30 ms. Quality figures are aggregates only. ``--quick`` runs fewer rounds.
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
from bench.faq_accuracy import both_sets, load_indexes, typing_sets  # noqa: E402
from bot.faq.library import FaqLibrary  # noqa: E402
from bot.faq.models import FaqEntry, FrontMatter  # noqa: E402
from bot.faq.search import SearchIndex  # noqa: E402
from bot.faq.text import stem  # noqa: E402


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


def cold(index: SearchIndex) -> None:
    """Forget everything a query could reuse: the result cache is bypassed by calling
    ``_search``; this empties the per-word caches (spelling correction and stemming) too."""
    index._correct.cache_clear()
    stem.cache_clear()


def measure(index: SearchIndex, queries: list[str], rounds: int, *, warm: bool) -> dict[str, float]:
    """Search and autocomplete latency. ``warm=False``: every query starts with every cache empty
    (a question in words the bot has not seen since start-up). ``warm=True``: per-word caches kept
    from earlier queries, as in a bot that has been running a while; the result cache is still
    bypassed, so a repeated query is still searched."""
    search: list[float] = []
    complete: list[float] = []
    for _ in range(rounds):
        for query in queries:
            if not warm:
                cold(index)
            start = time.perf_counter()
            index._search(query)
            search.append((time.perf_counter() - start) * 1000)
            cut = max(1, len(query) * 2 // 3)
            if not warm:
                cold(index)
            start = time.perf_counter()
            index.autocomplete(query[:cut])
            complete.append((time.perf_counter() - start) * 1000)
    return {
        "search_p50_ms": round(statistics.median(search), 3), "search_p99_ms": round(percentile(search, 0.99), 3),
        "autocomplete_p50_ms": round(statistics.median(complete), 3),
        "autocomplete_p99_ms": round(percentile(complete, 0.99), 3), "samples": len(search),
    }


def hybrid_latency(index: SearchIndex, queries: list[str]) -> dict[str, float]:
    """Uncached hybrid searches (the encoder embeds each question afresh)."""
    assert index.semantic is not None
    forget = getattr(index.semantic.encoder, "forget_recent", lambda: None)
    times: list[float] = []
    for query in queries:
        forget()  # accuracy() already searched these questions: the encoder must not remember them
        start = time.perf_counter()
        index._search(query)
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(times), 2), "p99_ms": round(percentile(times, 0.99), 2),
            "samples": len(times)}


def accuracy() -> tuple[dict[str, object], SearchIndex]:
    """Tuning and blind figures, lexical only and hybrid (aggregates only: never single cases)."""
    lexical, hybrid = load_indexes()
    return {"lexical": both_sets(lexical), "hybrid": both_sets(hybrid)}, hybrid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rng = random.Random(7)
    library = FaqLibrary(ROOT / "content", semantic=False)  # the lexical index's latency, as before
    library.load()
    real = library.published()
    dev = ROOT / "tests" / "data" / "faq_queries.jsonl"
    queries = [json.loads(line)["q"] for line in dev.read_text().splitlines() if line.strip()]
    queries += ["fibromyalga", "amitriptilyne dose", "", "x" * 500, "what's a flare?!"]
    rounds = 2 if args.quick else 10
    start = time.perf_counter()
    big = SearchIndex(generated_entries(real, 500, rng))
    build_ms = (time.perf_counter() - start) * 1000
    real_cold = measure(library.index, queries, rounds, warm=False)
    big_cold = measure(big, queries, rounds, warm=False)
    measure(big, queries, 1, warm=True)  # fill the per-word caches once
    big_warm = measure(big, queries, rounds, warm=True)
    print(f"real pack ({len(real)} entries), caches cold: {real_cold}")
    print(f"generated pack (500 entries, index built in {build_ms:.0f} ms), caches cold: {big_cold}")
    print(f"generated pack, per-word caches warm (reported apart): {big_warm}")
    quality, hybrid_index = accuracy()
    unique = list(dict.fromkeys(q for q in queries if q.strip()))
    hybrid = hybrid_latency(hybrid_index, unique[: 60 if args.quick else len(unique)])
    print(f"hybrid search on the real pack: {hybrid}")
    for mode, sets in quality.items():
        for name, figures in sets.items():  # type: ignore[attr-defined]
            print(f"{mode:7} {name:6} {figures}")
    typing = typing_sets(library.index)
    for name, figures in typing.items():
        print(f"autocomplete while typing, {name}: {figures}")
    blind = quality["hybrid"].get("blind", {})  # type: ignore[attr-defined]
    print(json.dumps({
        "search_p99_ms": big_cold["search_p99_ms"], "autocomplete_p99_ms": big_cold["autocomplete_p99_ms"],
        "search_warm_p99_ms": big_warm["search_p99_ms"], "autocomplete_warm_p99_ms": big_warm["autocomplete_p99_ms"],
        "hybrid_search_p99_ms": hybrid["p99_ms"],
        **{f"blind_{k}": blind.get(k) for k in ("top1", "top3", "abstention", "false_abstention")},
        **quality,
        "autocomplete_typing": typing,
    }))

if __name__ == "__main__":
    main()
