"""``supportbot health``: is this deployment able to serve members? One line of JSON, exit 0 or 1.

Why these checks: Docker's ``HEALTHCHECK`` and systemd need a yes or no, and an operator needs to
see *which* part failed without reading logs. The bot must not answer without its safety triage,
so "healthy" means the same things start-up demands: the database is reachable and fully migrated,
the safety set (rules, exemplars, the sentence model, crisis resources) loads, and FAQ content
loads. With the metrics endpoint on, the running bot's event loop must also have ticked recently
(the endpoint's thread would answer even with the loop stuck, so the heartbeat is what counts).

The check never writes: it opens SQLite read-only, creates no database or key file and takes no
lock a bot would wait on. It prints paths and counts, never a secret or a member's data.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.config import Settings
from bot.db import DatabaseUrl
from bot.db.database import latest_version
from bot.ops import metrics

Check = dict[str, Any]


def check_database(settings: Settings) -> Check:
    """Reachable and at the latest migration, read without writing (SQLite) or through the backend."""
    url = settings.database
    if url.dialect == "postgresql":
        return check_postgres(url)
    path = Path(url.target)
    if str(path) == ":memory:":
        return {"ok": False, "error": "DATABASE_PATH is :memory:, which nothing outside the bot can reach"}
    if not path.is_file():
        return {"ok": False, "path": str(path), "error": "no database file yet (the bot creates it on its first start)"}
    latest = latest_version()
    try:
        conn = open_read_only(path)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return {"ok": False, "path": str(path), "error": f"cannot read the database: {exc}"}
    found: Check = {"ok": version == latest, "path": str(path), "version": version, "latest": latest,
                    "bot_running": bot_running(path)}
    if version < latest:
        found["error"] = f"schema version {version}, {latest} expected: the bot migrates it when it starts"
    elif version > latest:
        found["error"] = f"schema version {version} is newer than this supportbot ({latest}): upgrade supportbot"
    return found


def check_postgres(url: DatabaseUrl) -> Check:
    """Connect through the bot's own PostgreSQL backend without migrating, and compare versions."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.db import Database

    async def version() -> int:
        db = await Database.open(url, migrate=False)
        try:
            return int(await asyncio.wait_for(db.version(), 10))
        finally:
            await db.close()

    latest = latest_version()
    found: Check = {"backend": "postgresql", "url": url.shown, "latest": latest}
    try:
        # On a thread of its own: health is synchronous, and may be called where a loop already runs.
        with ThreadPoolExecutor(max_workers=1) as pool:
            current = pool.submit(asyncio.run, asyncio.wait_for(version(), 15)).result()
    except Exception as exc:  # unreachable server, refused login, timeout: unhealthy, in one line
        text = " ".join(str(exc).split()).replace(url.target, url.shown)
        return {"ok": False, **found, "error": f"cannot reach the database: {type(exc).__name__}: {text}"[:300]}
    found.update(ok=current == latest, version=current)
    if current != latest:
        found["error"] = f"schema version {current}, {latest} expected"
    return found


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that creates no file where it can. With the bot running (or after a
    crash) its ``-wal`` and ``-shm`` files exist and a read-only connection shares them, seeing every
    commit. With the bot stopped cleanly there are neither, and a read-only connection would create
    them (owned by whoever runs this, perhaps root, locking the bot out of its own database), so
    the file, which nothing is writing, is opened as immutable instead."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=10)


def bot_running(database: Path) -> bool:
    """Whether a bot holds its run lock on this database (it takes a shared lock at start)."""
    lock = Path(f"{database}.lock")
    if not lock.exists():
        return False
    handle = os.open(lock, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)  # closing drops the probe's lock at once
    return False


def check_safety(settings: Settings) -> Check:
    """The whole safety set loads, as start-up demands (rules, exemplars, model, resources)."""
    from bot.care.service import load_safety_content
    from bot.problems import Severity

    try:
        triager, directory, problems = load_safety_content(settings.content_dir)
    except Exception as exc:  # a loader bug must read as unhealthy, not as a traceback
        return {"ok": False, "error": f"{type(exc).__name__} while loading the safety set"}
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or triager is None or directory is None:
        first = str(errors[0]) if errors else "no safety rules or resources"
        return {"ok": False, "error": " ".join(first.split()), "problems": len(errors)}
    return {"ok": True, "semantic_layer": triager.semantic is not None}


def check_content(settings: Settings) -> Check:
    """Published FAQ entries load from the content folder."""
    from bot.faq.library import FaqLibrary

    try:
        report = FaqLibrary(settings.content_dir, settings.home_guild_id).load()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__} while loading FAQ content"}
    found: Check = {"ok": report.entries > 0, "entries": report.entries, "problems": len(report.errors)}
    if not report.entries:
        found["error"] = f"no published FAQ entries could be loaded from {settings.content_dir}"
    return found


def check_metrics(settings: Settings, *, now: float | None = None) -> Check:
    """With the endpoint on: it answers, and the event loop ticked recently (``now`` for tests)."""
    if settings.metrics_port is None:
        return {"ok": True, "enabled": False}
    url = f"http://{metrics.METRICS_HOST}:{settings.metrics_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            body = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return {"ok": False, "enabled": True, "url": url, "error": f"the metrics endpoint does not answer ({reason})"}
    beat = heartbeat_of(body)
    if beat is None:
        return {"ok": False, "enabled": True, "url": url, "error": "the endpoint answers without the bot's heartbeat"}
    age = max(0.0, (time.time() if now is None else now) - beat)
    found: Check = {"ok": age <= metrics.HEARTBEAT_STALE_SECONDS, "enabled": True, "url": url,
                    "heartbeat_age_s": round(age, 1)}
    if not found["ok"]:
        found["error"] = f"the bot's event loop has not ticked for {age:.0f} s"
    return found


def heartbeat_of(body: str) -> float | None:
    """The heartbeat gauge's value in a scrape, or None when it is missing or the text is not metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == metrics.HEARTBEAT_NAME:
                    return float(sample.value)
    except ValueError:
        return None
    return None


def health(settings: Settings) -> tuple[bool, Check]:
    """Every check, cheapest first; all run even after a failure, so one line shows everything."""
    report: Check = {"database": check_database(settings), "metrics": check_metrics(settings),
                     "content": check_content(settings), "safety": check_safety(settings)}
    ok = all(part["ok"] for part in report.values())
    return ok, {"ok": ok, **report}


def health_command(settings: Settings) -> int:
    """``supportbot health``: print the one-line report; 0 when healthy, 1 when not."""
    ok, report = health(settings)
    print(json.dumps(report, ensure_ascii=False, separators=(",", ":")), flush=True)
    return 0 if ok else 1
