"""End-to-end load: the real bot in its own process answering /faq through a local fake Discord.

The fake (in this process, request validation off so it is not the bottleneck) sends
INTERACTION_CREATE events at 10 in flight and times each one until the bot's callback arrives.

Every measured question is new to the bot: warm-up and measured questions are drawn from one
stream of distinct variants of the development questions (``bench/questions.py``), so neither the
search-result cache nor the triage cache (both keyed by the question) can answer one. The JSON
reports ``cache_hit_rate``: the share of measured questions the bot process had been sent before
(an upper bound on any per-question cache's hits; it must stay under 0.05).

The baseline (``bench/baseline_bot.py``) is a bare discord.py bot answering every /faq with a fixed
payload of the same shape as a typical supportbot answer: one embed of the same size and the same
buttons. ``ratio = faq_per_s / baseline_per_s`` is the share of that bare bot's throughput that
supportbot keeps; ``1 - ratio`` is supportbot's own work per answer.

Last line: ``{"faq_per_s", "baseline_per_s", "ratio", "p50_ms", "p99_ms", "baseline_p99_ms",
"rss_mb", "cache_hit_rate", "bot_cpu_ms", "encoder_ms", "encoder_threads"}`` (latencies of the
measured run; rss_mb the bot's peak RSS; bot_cpu_ms the bot process's CPU per measured interaction;
encoder_ms the sentence model's median time for one of the measured questions, timed in this
process after the runs on one thread, so ``bot_cpu_ms - encoder_ms`` is everything else the bot
does per answer; encoder_threads how many questions the bot embeds at once). ``--quick`` finishes
in about a minute on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.questions import key, split  # noqa: E402
from tests.e2e.fake_discord import CALLBACK_ROUTE, FakeDiscord  # noqa: E402

CONCURRENCY = 10
WARMUP = 300
MAX_CACHE_HIT_RATE = 0.05


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def typical_answer() -> dict[str, Any]:
    """What a typical /faq answer puts on the wire: the published entry whose rendered answer has
    the median embed size, with its related-entry and vote buttons, as Discord JSON."""
    from bot.discord_render import message_kwargs
    from bot.faq.library import FaqLibrary
    from bot.faq.service import FaqService

    library = FaqLibrary(ROOT / "content")
    library.load()
    service = FaqService(library, None)  # type: ignore[arg-type]  # rendering only: no store needed
    rendered = []
    for entry in library.published():
        kwargs = message_kwargs(service.answer_reply(entry, library.related_for(entry), private=False))
        embeds = [e.to_dict() for e in kwargs["embeds"]]  # type: ignore[attr-defined]
        rows = kwargs["view"].to_components() if "view" in kwargs else []  # type: ignore[attr-defined]
        rendered.append((len(json.dumps(embeds)), {"embeds": embeds, "components": rows}))
    rendered.sort(key=lambda item: item[0])
    return rendered[len(rendered) // 2][1]


def encoder_ms(questions: list[str]) -> float:
    """The model's median time for one never-seen question: the floor under ``bot_cpu_ms``
    (the safety triage embeds every question; the search reuses that vector)."""
    import time

    from bot.semantic import load_encoder

    encoder = load_encoder()
    forget = getattr(encoder, "forget_recent", lambda: None)
    times = []
    for question in questions:
        forget()
        start = time.perf_counter()
        encoder.encode([question])
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def body_bytes(fake: FakeDiscord) -> float:
    """Mean size of the interaction responses the bot sent (its answer's JSON)."""
    sizes = [len(json.dumps(r.json)) for r in fake.requests if r.route == CALLBACK_ROUTE and isinstance(r.json, dict)]
    return statistics.fmean(sizes) if sizes else 0.0


async def measure(fake: FakeDiscord, guild_id: int, argv: list[str], env: dict[str, str], warmup: list[str],
                  measured: list[str]) -> dict[str, float]:
    identified = fake.identify_count
    proc = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        await fake.wait_until(lambda: fake.identify_count > identified and guild_id in fake.guild_commands, 60,
                              "the bot to connect")
        await asyncio.sleep(0.3)
        await fake.run_load("faq", count=len(warmup), concurrency=CONCURRENCY,
                            option_sets=[{"question": q} for q in warmup])
        sent_before = {key(q) for q in warmup}
        repeats = 0
        for question in measured:  # measured questions this process was already sent
            k = key(question)
            repeats += k in sent_before
            sent_before.add(k)
        fake.reset_records()
        cpu_before = cpu_seconds(proc.pid)
        gc.collect()
        gc.disable()  # the fake records every request; its own collector pauses are not the bot's latency
        try:
            result = await fake.run_load("faq", count=len(measured), concurrency=CONCURRENCY,
                                         option_sets=[{"question": q} for q in measured], timeout=10)
        finally:
            gc.enable()
        cpu = cpu_seconds(proc.pid) - cpu_before
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        await proc.wait()
    if result["failure_count"]:
        raise RuntimeError(f"{result['failure_count']} interactions failed: {result['failures'][:3]}")
    latency = result["latency_s"]
    return {"per_s": result["per_second"], "p50_ms": latency["p50"] * 1000, "p90_ms": latency["p90"] * 1000,
            "p99_ms": latency["p99"] * 1000, "rss_mb": rss, "cpu_ms": cpu * 1000 / len(measured),
            "cpu_share": cpu / result["elapsed_s"], "hit_rate": repeats / len(measured),
            "body_bytes": body_bytes(fake)}


def encoder_threads() -> int:
    """How many engine handles the bot opened (``ENCODER_THREADS`` or its default)."""
    from bot.semantic.encoder import handle_count

    return handle_count()


async def run(count: int) -> dict[str, float]:
    warmup, measured = split(WARMUP, count)
    async with FakeDiscord(validate=False, ack_deadline=None) as fake:
        guild = fake.guild("Bench", channels=["general"])
        with tempfile.TemporaryDirectory() as folder:
            payload = Path(folder) / "typical-answer.json"
            payload.write_text(json.dumps(typical_answer()))
            env = {**os.environ, "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": fake.url,
                   "DEV_GUILD_ID": str(guild.id), "DATABASE_PATH": str(Path(folder) / "bench.sqlite3"),
                   "CONTENT_DIR": str(ROOT / "content"), "LOG_LEVEL": "WARNING", "BASELINE_PAYLOAD": str(payload)}
            faq = await measure(fake, guild.id, [sys.executable, "-m", "bot", "run"], env, warmup, measured)
            base = await measure(fake, guild.id, [sys.executable, str(ROOT / "bench" / "baseline_bot.py")], env,
                                 warmup, measured)
    for name, stats in (("supportbot /faq", faq), ("baseline (fixed answer)", base)):
        print(f"{name}: {stats['per_s']:.0f}/s at {CONCURRENCY} in flight, p50 {stats['p50_ms']:.1f} ms, "
              f"p90 {stats['p90_ms']:.1f} ms, p99 {stats['p99_ms']:.1f} ms, peak RSS {stats['rss_mb']:.0f} MB, "
              f"CPU {stats['cpu_ms']:.2f} ms per interaction ({stats['cpu_share']:.0%} of a core), "
              f"mean response {stats['body_bytes']:.0f} bytes")
    print(f"{len(measured)} measured questions, all distinct and none in the {len(warmup)} warm-up ones")
    model_ms = encoder_ms(measured[:: max(1, len(measured) // 100)])
    print(f"the sentence model alone: {model_ms:.1f} ms per question (median, one thread)")
    return {
        "faq_per_s": round(faq["per_s"], 1), "baseline_per_s": round(base["per_s"], 1),
        "ratio": round(faq["per_s"] / base["per_s"], 3), "p50_ms": round(faq["p50_ms"], 2),
        "p99_ms": round(faq["p99_ms"], 2), "baseline_p99_ms": round(base["p99_ms"], 2),
        "rss_mb": round(faq["rss_mb"], 1), "cache_hit_rate": round(faq["hit_rate"], 4),
        "bot_cpu_ms": round(faq["cpu_ms"], 3), "encoder_ms": round(model_ms, 2),
        "encoder_threads": encoder_threads(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer interactions (about a minute)")
    args = parser.parse_args()
    result = asyncio.run(run(1500 if args.quick else 6000))
    print(json.dumps(result))
    if result["cache_hit_rate"] >= MAX_CACHE_HIT_RATE:  # then it measured caches, not work
        sys.exit(f"cache_hit_rate {result['cache_hit_rate']} is not below {MAX_CACHE_HIT_RATE}")


if __name__ == "__main__":
    main()
