"""Channel watch, message mode, under load: the real bot in its own process, messages through the
local fake Discord's gateway at a fixed rate, 2 % of them crisis.

Every message text is unique (a cache never answers), every crisis message comes from a different
member (so each one must get its own card), and benign texts are drawn from the FAQ development
set and everyday chatter. The benchmark classifies every text with the same triage first, so
``alerts_expected`` is the crisis messages plus any benign message the triage itself flags (its own
false-alarm rate); a card for anything else counts in ``alerts_unexpected``. Latency runs from the
moment the fake writes MESSAGE_CREATE to the moment the bot's alert card arrives.
Last line: ``{"messages_per_s", "alerts_expected", "alerts_posted", "p99_alert_s", "rss_mb"}``.
``--quick`` sends 5 s worth.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.e2e import cpu_seconds, peak_rss_mb  # noqa: E402
from bot.app import SupportApp  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ui import Actor  # noqa: E402
from tests.e2e.fake_automod import FakeAutomod  # noqa: E402
from tests.e2e.fake_discord import FakeDiscord  # noqa: E402

RATE = 1000
CRISIS_SHARE = 0.02
LINK = re.compile(r"/channels/\d+/\d+/(\d+)")
CHATTER = [
    "morning all, slept badly again", "the heat pad is my best friend today", "has anyone tried tai chi",
    "physio said to go slower with the stretches", "brain fog is awful this afternoon",
    "my flare is finally easing off", "thanks for the tips about pacing", "off to the GP later",
    "rainy days make my back so stiff", "managed a short walk, small win", "who else is up this late",
    "new mattress arrived, fingers crossed", "the warm bath helped a bit", "feeling a bit better than yesterday",
]
CRISIS_OPENINGS = [
    "i want to kill myself", "i just want to die", "i dont want to be here anymore", "everyone would be better off without me",
    "i cant do this anymore", "i've been self harming again", "i took too many pills", "i want to end it all",
    "i wish i was dead", "there's no reason to live", "i feel completely hopeless", "this is goodbye everyone",
    "i don't feel safe with myself tonight", "what is a lethal dose of pregabalin", "i keep thinking about ending my life",
]
TAILS = ["tonight", "today", "honestly", "after this week", "with this pain", "since the flare started", "lately"]


def tag(i: int) -> str:
    """A unique suffix without digits: numbers such as 988 or 1737 are crisis lines to the triage."""
    return "".join("abcdefghij"[int(d)] for d in str(i))


def benign_pool() -> list[str]:
    queries = [json.loads(line)["q"] for line in (ROOT / "tests" / "data" / "faq_queries.jsonl").read_text().splitlines()
               if line.strip()]
    return queries + CHATTER


def texts(count: int, benign: list[str], seed: int = 7) -> list[tuple[str, bool]]:
    """``count`` unique (text, is_crisis) pairs, crisis ones spread evenly."""
    rng = random.Random(seed)
    every = round(1 / CRISIS_SHARE)
    out: list[tuple[str, bool]] = []
    for i in range(count):
        if i % every == every // 2:
            out.append((f"{rng.choice(CRISIS_OPENINGS)} {rng.choice(TAILS)} (#{tag(i)})", True))
        else:
            out.append((f"{rng.choice(benign)} (#{tag(i)})", False))
    return out


async def triage_flags(corpus: list[tuple[str, bool]]) -> set[int]:
    """Which texts the app's own safety triage calls crisis (through its public contract)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, database_path=Path(folder) / "t.sqlite3",  # type: ignore[call-arg]
                            content_dir=ROOT / "content")
        app = await SupportApp.open(settings)
        try:
            actor = Actor(user_id=1, guild_id=1)
            return {i for i, (t, _) in enumerate(corpus)
                    if (o := await app.screen(actor, t)) is not None and o.level == "crisis"}
        finally:
            await app.close()


async def run(seconds: float) -> dict[str, float | int]:
    # The FAQ development set rightly holds some crisis questions: they are not benign here.
    pool = benign_pool()
    crisis_like = await triage_flags([(q, False) for q in pool])
    corpus = texts(int(seconds * RATE), [q for i, q in enumerate(pool) if i not in crisis_like])
    flagged = await triage_flags(corpus)
    crisis_ids = {i for i, (_, c) in enumerate(corpus) if c}
    misses = crisis_ids - flagged
    async with FakeDiscord(validate=False, ack_deadline=None) as fake:
        automod = FakeAutomod(fake)
        guild = fake.guild("Bench", channels=["general", "venting", "mod-alerts"])
        automod.grant_manage_guild(guild)
        admin = fake.user("admin", guild=guild, manage_guild=True)
        chatty = [fake.user(f"member{i}") for i in range(200)]
        venting, alerts = guild.channel("venting"), guild.channel("mod-alerts")
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "DISCORD_TOKEN": "fake-bot-token", "DISCORD_API_BASE": fake.url,
                   "DEV_GUILD_ID": str(guild.id), "DATABASE_PATH": str(Path(folder) / "bench.sqlite3"),
                   "CONTENT_DIR": str(ROOT / "content"), "LOG_LEVEL": "WARNING", "WATCH_MESSAGE_CONTENT": "true"}
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
                                                        stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.DEVNULL)
            try:
                await fake.wait_until(lambda: guild.id in fake.guild_commands, 60, "the bot to connect")
                await asyncio.sleep(0.3)
                await fake.slash("setup", alert_channel=alerts, country="GB", user=admin, timeout=20)
                await fake.slash("safety-watch on", mode="messages", user=admin, timeout=20)
                await fake.slash("safety-watch channel", options={"channel": venting}, user=admin, timeout=20)
                crisis_users = (fake.user(f"crisis{i}") for i in itertools.count())
                sent: dict[int, float] = {}
                index: dict[int, int] = {}
                cpu_before = cpu_seconds(proc.pid)
                gc.collect()
                gc.disable()
                started = time.perf_counter()
                try:
                    for i, (text, crisis) in enumerate(corpus):
                        delay = started + i / RATE - time.perf_counter()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        author = next(crisis_users) if (crisis or i in flagged) else chatty[i % len(chatty)]
                        at = time.perf_counter()
                        message = await automod.post(author, venting, text)
                        assert message is not None
                        sent[message.id], index[message.id] = at, i
                    elapsed = time.perf_counter() - started
                    cpu_send = cpu_seconds(proc.pid) - cpu_before
                    expected = len(flagged)

                    def cards() -> dict[int, float]:
                        found: dict[int, float] = {}
                        for rec in fake.requests_to(f"POST /channels/{alerts.id}/messages"):
                            match = LINK.search(json.dumps((rec.json or {}).get("embeds") or []))
                            if match and int(match.group(1)) in sent:
                                found.setdefault(int(match.group(1)), rec.time)
                        return found

                    with contextlib.suppress(Exception):  # a timeout: the missing cards are reported
                        await fake.wait_until(lambda: len(cards()) >= expected, 10, "the alert cards")
                finally:
                    gc.enable()
                posted = cards()
                rss = peak_rss_mb(proc.pid)
            finally:
                proc.terminate()
                await proc.wait()
    latencies = sorted(posted[m] - sent[m] for m in posted if index[m] in flagged)
    missing = expected - len(latencies)
    p99 = float("inf") if missing > len(latencies) // 100 else latencies[min(len(latencies) - 1,
                                                                          int(0.99 * len(latencies)))]
    unexpected = sum(1 for m in posted if index[m] not in flagged)
    within = sum(1 for v in latencies if v <= 2.0)
    print(f"{len(corpus)} messages in {elapsed:.2f} s ({len(corpus) / elapsed:.0f}/s), {len(crisis_ids)} crisis "
          f"({len(misses)} the triage itself does not flag), {len(flagged - crisis_ids)} benign flagged by the triage")
    print(f"alerts: {len(posted)} posted of {expected} expected, {unexpected} unexpected, {within} within 2 s; "
          f"p50 {latencies[len(latencies) // 2] if latencies else float('nan'):.3f} s, p99 {p99:.3f} s")
    print(f"bot CPU {cpu_send * 1000 / len(corpus):.3f} ms per message ({cpu_send / elapsed:.0%} of a core), "
          f"peak RSS {rss:.0f} MB")
    return {"messages_per_s": round(len(corpus) / elapsed, 1), "alerts_expected": expected,
            "alerts_posted": len(posted), "p99_alert_s": round(p99, 3), "rss_mb": round(rss, 1),
            "alerts_unexpected": unexpected, "cpu_ms_per_message": round(cpu_send * 1000 / len(corpus), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 s of messages instead of 30 s")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(5 if args.quick else 30))))


if __name__ == "__main__":
    main()
