"""End-to-end load: the real bot in its own process answering /faq through a local fake Discord.

The fake (in this process, request validation off so it is not the bottleneck) sends
INTERACTION_CREATE events at a fixed concurrency and times each one until the bot's callback
arrives. The same run measures a bare discord.py bot that only echoes, as the baseline.
Last line: ``{"faq_per_s": ..., "echo_per_s": ..., "ratio": ..., "p99_ms": ..., "rss_mb": ...}``
(p99 at 10 in flight; rss_mb is the bot's peak RSS). ``--quick`` finishes in under 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.fake_discord import FakeDiscord  # noqa: E402


def questions() -> list[dict[str, str]]:
    """The development set's questions, in turn: a realistic mix of answers, no-matches and typos
    (crisis-like texts are left out: they are answered by the care flow, not /faq)."""
    path = ROOT / "tests" / "data" / "faq_queries.jsonl"
    texts = [json.loads(line)["q"] for line in path.read_text().splitlines() if line.strip()]
    return [{"question": t} for t in texts if "suicid" not in t and "end their life" not in t]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(fake: FakeDiscord, guild_id: int, argv: list[str], env: dict[str, str], count: int,
                  concurrency: int) -> dict[str, float]:
    identified = fake.identify_count
    proc = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        await fake.wait_until(lambda: fake.identify_count > identified and guild_id in fake.guild_commands, 60,
                              "the bot to connect")
        await asyncio.sleep(0.3)
        sets = questions()
        await fake.run_load("faq", count=min(300, count), concurrency=concurrency, option_sets=sets)
        cpu_before = cpu_seconds(proc.pid)
        gc.collect()
        gc.disable()  # the fake records every request; its own collector pauses are not the bot's latency
        try:
            result = await fake.run_load("faq", count=count, concurrency=concurrency, option_sets=sets[::-1],
                                         timeout=10)
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
    return {"per_s": result["per_second"], "p50_ms": latency["p50"] * 1000, "p95_ms": latency.get("p95", latency["p90"]) * 1000,
            "p99_ms": latency["p99"] * 1000, "rss_mb": rss, "cpu_ms": cpu * 1000 / count,
            "cpu_share": cpu / result["elapsed_s"]}


async def run(count: int) -> dict[str, float]:
    async with FakeDiscord(validate=False, ack_deadline=None) as fake:
        guild = fake.guild("Bench", channels=["general"])
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": fake.url,
                   "DEV_GUILD_ID": str(guild.id), "DATABASE_PATH": str(Path(folder) / "bench.sqlite3"),
                   "CONTENT_DIR": str(ROOT / "content"), "LOG_LEVEL": "WARNING"}
            faq = await measure(fake, guild.id, [sys.executable, "-m", "bot", "run"], env, count, 10)
            echo = await measure(fake, guild.id, [sys.executable, str(ROOT / "bench" / "echo_bot.py")], env, count, 10)
    for name, stats in (("supportbot /faq", faq), ("echo baseline", echo)):
        print(f"{name}: {stats['per_s']:.0f}/s at 10 in flight, p50 {stats['p50_ms']:.1f} ms, "
              f"p95 {stats['p95_ms']:.1f} ms, p99 {stats['p99_ms']:.1f} ms, peak RSS {stats['rss_mb']:.0f} MB, "
              f"bot CPU {stats['cpu_ms']:.2f} ms per interaction ({stats['cpu_share']:.0%} of a core)")
    return {
        "faq_per_s": round(faq["per_s"], 1), "echo_per_s": round(echo["per_s"], 1),
        "ratio": round(faq["per_s"] / echo["per_s"], 3), "p99_ms": round(faq["p99_ms"], 2),
        "rss_mb": round(faq["rss_mb"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer interactions (under 60 s)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(1500 if args.quick else 6000))))


if __name__ == "__main__":
    main()
