"""``supportbot health`` against real databases, content and a real metrics endpoint, and the image's
own HEALTHCHECK and entry point run exactly as the Dockerfile writes them (Docker itself is not
needed: the same command runs here with the image's settings)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.config import TOKEN_HELP, Settings
from bot.db.database import latest_version
from bot.ops import metrics
from bot.ops.health import check_metrics, health
from tests.conftest import CONTENT, ROOT
from tests.unit.test_deploy_files import entrypoint_command, healthcheck_command, image_env


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def image_environment(tmp_path: Path, **changes: str) -> dict[str, str]:
    """The Dockerfile's ENV, with its paths moved under ``tmp_path`` and nothing from this host's
    .env or settings leaking in (the command runs in an empty folder)."""
    env = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR"}}
    env.update(image_env())
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env["DATABASE_PATH"] = str(tmp_path / "data" / "supportbot.sqlite3")
    env["CONTENT_DIR"] = str(CONTENT)
    env["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    env.update(changes)
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


async def make_database(path: Path) -> None:
    settings = Settings(_env_file=None, database_path=path, content_dir=CONTENT)  # type: ignore[call-arg]
    app = await SupportApp.open(settings)
    await app.close()


def test_the_image_health_check_passes_on_a_real_database_and_fails_without_one(tmp_path: Path) -> None:
    command = healthcheck_command()
    work = tmp_path / "work"
    work.mkdir()
    env = image_environment(tmp_path)
    env.pop("METRICS_PORT")  # first without the endpoint: no bot is running here
    missing = run(command, env, work)
    assert missing.returncode == 1
    report = json.loads(missing.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and "no database file" in report["database"]["error"]
    assert not Path(env["DATABASE_PATH"]).exists()  # the check never creates the database

    asyncio.run(make_database(Path(env["DATABASE_PATH"])))
    before = sorted(p.name for p in Path(env["DATABASE_PATH"]).parent.iterdir())
    done = run(command, env, work)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = done.stdout.strip().splitlines()  # one line of JSON
    report = json.loads(line)
    assert report["ok"] is True
    assert report["database"] == {"ok": True, "path": env["DATABASE_PATH"], "version": latest_version(),
                                  "latest": latest_version(), "bot_running": False}
    assert report["safety"]["ok"] and report["safety"]["semantic_layer"] is True
    assert report["content"]["entries"] > 0 and report["metrics"] == {"ok": True, "enabled": False}
    assert sorted(p.name for p in Path(env["DATABASE_PATH"]).parent.iterdir()) == before  # wrote nothing


def test_the_image_health_check_sees_the_event_loop_through_the_metrics_endpoint(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / "data" / "supportbot.sqlite3"))
    server = metrics.MetricsServer(free_port())
    env = image_environment(tmp_path, METRICS_PORT=str(server.port))
    server.start()
    try:
        alive = run(healthcheck_command(), env, tmp_path)
    finally:
        server.stop()
    assert alive.returncode == 0, alive.stdout + alive.stderr
    live = json.loads(alive.stdout)["metrics"]
    assert live["ok"] and live["enabled"] and live["url"] == f"http://127.0.0.1:{server.port}/metrics"
    gone = run(healthcheck_command(), env, tmp_path)  # the endpoint is down: the bot is not alive
    assert gone.returncode == 1
    assert "does not answer" in json.loads(gone.stdout)["metrics"]["error"]


def test_a_stuck_event_loop_reads_as_unhealthy(settings: Settings) -> None:
    server = metrics.MetricsServer(free_port())
    server.start()
    try:
        with_port = settings.model_copy(update={"metrics_port": server.port})
        assert check_metrics(with_port)["ok"] is True
        stale = check_metrics(with_port, now=time.time() + metrics.HEARTBEAT_STALE_SECONDS + 5)
    finally:
        server.stop()
    assert stale["ok"] is False and "has not ticked" in stale["error"]


def test_the_image_entry_point_starts_the_bot_and_asks_kindly_for_a_token(tmp_path: Path) -> None:
    env = image_environment(tmp_path)
    env.pop("METRICS_PORT")
    result = run(entrypoint_command(), env, tmp_path)
    assert result.returncode == 2
    assert TOKEN_HELP in result.stderr and "Traceback" not in result.stderr


async def test_health_names_what_is_wrong(settings: Settings, tmp_path: Path) -> None:
    app = await SupportApp.open(settings)
    try:
        ok, report = health(settings)
        assert ok and report["database"]["bot_running"] is True  # a bot holds its run lock
    finally:
        await app.close()
    assert health(settings)[1]["database"]["bot_running"] is False

    with sqlite3.connect(settings.database_path) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() - 1}")
    ok, report = health(settings)
    assert not ok and "the bot migrates it when it starts" in report["database"]["error"]

    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "safety" / "crisis.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    ok, report = health(settings.model_copy(update={"content_dir": broken}))
    assert not ok and report["safety"]["ok"] is False and "crisis.yaml" in report["safety"]["error"]
    assert report["content"]["ok"] is True  # every check runs; the line shows which one failed

    empty = tmp_path / "empty"
    shutil.copytree(CONTENT / "safety", empty / "safety")
    shutil.copytree(CONTENT / "resources", empty / "resources")
    ok, report = health(settings.model_copy(update={"content_dir": empty}))
    assert not ok and report["content"]["entries"] == 0 and "no published FAQ entries" in report["content"]["error"]


@pytest.mark.parametrize("name", ["Dockerfile", "compose.yaml", "deploy/supportbot.service"])
def test_deployment_files_exist_at_the_documented_places(name: str) -> None:
    assert (ROOT / name).is_file()
    assert f"`{name}`" in (ROOT / "README.md").read_text(encoding="utf-8")
