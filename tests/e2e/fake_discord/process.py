"""Running a discord.py client against the fake, and the fake as a separate process."""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, ClientTimeout

from .base import BotCrashed
from .core import FakeDiscord

# ==================================================================================================
# Running a discord.py client against the fake (reusable by conftest)
# ==================================================================================================


REPO_ROOT = Path(__file__).resolve().parents[3]  # where ``-m tests.e2e.fake_discord`` imports from


class ClientRunner:
    """A discord.py client running in a task against a fake; ``check()`` raises if it has died."""

    def __init__(self, client: Any, task: asyncio.Task[Any], fake: FakeDiscord | None) -> None:
        self.client = client
        self.task = task
        self.fake = fake
        self.ready_after: float | None = None  # seconds from start() to is_ready()

    def check(self) -> None:
        if self.task.done():
            exc = None if self.task.cancelled() else self.task.exception()
            raise BotCrashed(f"the client task ended: {exc!r}") from exc

    async def stop(self) -> None:
        """Close the client and wait for its task; a crash is reported by :meth:`check`, not here."""
        if self.fake is not None:
            self.fake.unwatch(self.task)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.close(), 5)
        await asyncio.wait({self.task}, timeout=5)
        if not self.task.done():
            self.task.cancel()
            await asyncio.wait({self.task}, timeout=1)
        elif not self.task.cancelled():
            self.task.exception()  # mark it retrieved


@contextlib.asynccontextmanager
async def running_client(
    fake: FakeDiscord | str,
    client: Any,
    *,
    token: str = "fake-bot-token",
    ready_timeout: float = 5.0,
) -> AsyncIterator[ClientRunner]:
    """Point discord.py at ``fake`` (a FakeDiscord or a base URL), start ``client`` and wait for ready.

    The client task is watched: a crash fails the fake's waits at once and is raised at exit.
    """
    from bot.endpoint import point_discord_at  # the production switch; nothing else is patched

    point_discord_at(fake.url if isinstance(fake, FakeDiscord) else fake)
    started = time.perf_counter()
    task = asyncio.get_running_loop().create_task(client.start(token), name="discord-client")
    runner = ClientRunner(client, task, fake if isinstance(fake, FakeDiscord) else None)
    if runner.fake is not None:
        runner.fake.watch(task)
    try:
        deadline = time.monotonic() + ready_timeout
        while not client.is_ready():
            runner.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the client was not ready after {ready_timeout}s")
            await asyncio.sleep(0.002)
        runner.ready_after = time.perf_counter() - started
        yield runner
        runner.check()
    finally:
        await runner.stop()


# ==================================================================================================
# Separate process
# ==================================================================================================


class RemoteFake:
    """Drive a fake running in another process through its ``/_fake/`` control routes."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._session: ClientSession | None = None
        self._timeout = timeout

    async def __aenter__(self) -> RemoteFake:
        self._session = ClientSession(timeout=ClientTimeout(total=self._timeout))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        assert self._session is not None, "use `async with RemoteFake(url) as remote`"
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self._session.request(
            method, f"{self.url}/_fake/{path}", json=body, params=params
        ) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 400:
                raise RuntimeError(f"{method} /_fake/{path} -> {resp.status}: {data}")
            return data

    async def slash(
        self, command: str, *, user: str = "member", options: Mapping[str, Any] | None = None, **kw: Any
    ):
        return await self.call(
            "POST", "slash", {"command": command, "user": user, "options": options or {}, **kw}
        )

    async def autocomplete(self, command: str, option: str, value: str, *, user: str = "member", **kw: Any):
        body = {"command": command, "option": option, "value": value, "user": user, **kw}
        return (await self.call("POST", "autocomplete", body))["choices"]

    async def click(self, interaction_id: str, custom_id: str | None = None, **kw: Any):
        return await self.call(
            "POST", "click", {"interaction_id": interaction_id, "custom_id": custom_id, **kw}
        )

    async def submit_modal(self, interaction_id: str, values: Mapping[str, str], **kw: Any):
        return await self.call(
            "POST", "modal", {"interaction_id": interaction_id, "values": dict(values), **kw}
        )

    async def interaction(self, interaction_id: str, *, wait: bool = False, timeout: float | None = None):
        return await self.call("GET", f"interactions/{interaction_id}", wait=int(wait), timeout=timeout)

    async def state(self) -> dict[str, Any]:
        return await self.call("GET", "state")

    async def wait_for(self, what: str = "connected", count: int = 1, timeout: float = 10.0) -> None:
        await self.call("GET", "wait", **{"for": what, "count": count, "timeout": timeout})

    async def fail(self, match: str, status: int, **kw: Any) -> int:
        return (await self.call("POST", "faults", {"match": match, "status": status, **kw}))["id"]

    async def close_gateway(self, code: int = 1000, *, hold: bool = False) -> None:
        await self.call("POST", "gateway/close", {"code": code, "hold": hold})

    async def gateway(self, action: str, **body: Any) -> None:
        await self.call("POST", f"gateway/{action}", body)

    async def dms_for(self, user: str) -> list[dict[str, Any]]:
        return await self.call("GET", f"dms/{user}")

    async def set_dms_closed(self, user: str, closed: bool = True) -> None:
        await self.call("POST", f"dms/{user}/closed", {"closed": closed})

    async def violations(self) -> dict[str, list[str]]:
        return await self.call("GET", "violations")

    async def timings(self) -> list[dict[str, Any]]:
        return await self.call("GET", "timings")

    async def load(self, command: str, *, count: int, concurrency: int = 10, **kw: Any) -> dict[str, Any]:
        return await self.call(
            "POST", "load", {"command": command, "count": count, "concurrency": concurrency, **kw}
        )


@dataclass
class FakeProcess:
    process: subprocess.Popen[str]
    url: str

    def remote(self, **kw: Any) -> RemoteFake:
        return RemoteFake(self.url, **kw)

    def stop(self, timeout: float = 5.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return self.process.returncode


def start_fake_process(*args: str, port: int = 0, startup_timeout: float = 20.0) -> FakeProcess:
    """Start ``python -m tests.e2e.fake_discord --port PORT ARGS...`` in its own process (from the
    repository root, so the ``tests`` package imports) and wait until it listens."""
    cmd = [sys.executable, "-m", __package__ or "tests.e2e.fake_discord", "--port", str(port), *args]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, bufsize=1, cwd=REPO_ROOT)
    deadline = time.monotonic() + startup_timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("FAKE_DISCORD_READY "):
            return FakeProcess(process, line.split()[1])
    process.kill()
    raise RuntimeError(f"the fake Discord process did not start (exit code {process.poll()})")


async def serve_forever(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    guilds: Sequence[str] = ("Support Group",),
    channels: Sequence[str] = ("general",),
    ready: Callable[[FakeDiscord], None] | None = None,
    **options: Any,
) -> None:
    """Run a fake until SIGINT/SIGTERM; ``ready(fake)`` is called once it listens."""
    fake = FakeDiscord(host=host, port=port, **options)
    for name in guilds:
        fake.guild(name, channels=channels)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with fake:
        if ready is not None:
            ready(fake)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake Discord (REST + gateway) on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--guild", action="append", help="guild name (repeatable; default 'Support Group')")
    parser.add_argument("--channel", action="append", help="text channel per guild (default 'general')")
    parser.add_argument("--zlib", action="store_true", help="send zlib-stream gateway frames")
    parser.add_argument("--no-validate", action="store_true", help="skip OpenAPI validation (load runs)")
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--ack-deadline", type=float, default=3.0, help="seconds to acknowledge (0: none)")
    args = parser.parse_args(argv)

    def announce(fake: FakeDiscord) -> None:
        print(f"FAKE_DISCORD_READY {fake.url}", flush=True)

    asyncio.run(
        serve_forever(
            args.port,
            host=args.host,
            guilds=args.guild or ("Support Group",),
            channels=args.channel or ("general",),
            ready=announce,
            zlib_stream=args.zlib,
            validate=not args.no_validate,
            token=args.token,
            ack_deadline=args.ack_deadline or None,
        )
    )


if __name__ == "__main__":
    main()
