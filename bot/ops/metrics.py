"""Prometheus metrics for operators, and nothing about members.

Why this shape: an operator needs to see that the bot answers, how fast, how often the safety
triage fires, whether reminders go out on time and whether the database fails, without a single
member's words or id leaving the process. So every label value comes from a small fixed set known
to the code (command names, button feature prefixes, triage levels), never from member input, and
features make one call per event at most (a counter, an observation).

The registry is the process's own (one process is one bot), so counters from libraries that use
``prometheus_client``'s default registry never mix in. The endpoint is off unless ``METRICS_PORT``
is set, and it binds 127.0.0.1 only: scrape it from the same host (or a sidecar sharing the
container's network), never from the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

METRICS_HOST = "127.0.0.1"  # never another address: the scrape stays on this machine
HEARTBEAT_SECONDS = 5.0
HEARTBEAT_STALE_SECONDS = 60.0  # the health check calls a loop that has not ticked for this long stuck
KINDS = frozenset({"command", "button", "form", "autocomplete"})
TRIAGE_LEVELS = frozenset({"none", "gentle", "clinician", "urgent", "crisis"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 14_400.0)
LOOP_LAG_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)

INTERACTIONS = Counter(
    "supportbot_interactions", "Interactions handled, by kind and command (or button feature).",
    ["kind", "command"], registry=REGISTRY,
)
INTERACTION_SECONDS = Histogram(
    "supportbot_interaction_seconds", "Time from receiving an interaction to the bot's reply being sent.",
    ["kind", "command"], buckets=LATENCY_BUCKETS, registry=REGISTRY,
)
INTERACTION_ERRORS = Counter(
    "supportbot_interaction_errors", "Interactions that ended in the kind 'something went wrong' reply.",
    registry=REGISTRY,
)
TRIAGE = Counter(
    "supportbot_triage", "Safety triage results by level (counted only: no text, no member).",
    ["level"], registry=REGISTRY,
)
REMINDER_LAG = Histogram(
    "supportbot_reminder_lag_seconds", "How late each reminder DM went out after its due time.",
    buckets=LAG_BUCKETS, registry=REGISTRY,
)
DATABASE_ERRORS = Counter(
    "supportbot_database_errors", "Database errors that reached an interaction or a background job.",
    ["where"], registry=REGISTRY,
)
HEARTBEAT_NAME = "supportbot_event_loop_heartbeat_timestamp_seconds"
HEARTBEAT = Gauge(
    HEARTBEAT_NAME,
    "Unix time the event loop last ran the heartbeat (the health check's liveness signal).",
    registry=REGISTRY,
)
LOOP_LAG = Histogram(
    "supportbot_event_loop_lag_seconds", "How much later than asked the heartbeat woke up (loop stalls).",
    buckets=LOOP_LAG_BUCKETS, registry=REGISTRY,
)

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


# -- what features call -----------------------------------------------------------------------

def triage_level(level: str) -> None:
    """Count one triage result; only the level, which is one of five words."""
    TRIAGE.labels(level if level in TRIAGE_LEVELS else "other").inc()


def reminder_sent_late(seconds: float) -> None:
    """Record how late one reminder DM went out after its due time."""
    REMINDER_LAG.observe(max(0.0, seconds))


def is_database_error(error: BaseException | None) -> bool:
    """Whether the error, or one it was raised from, came from the database driver or store."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, sqlite3.Error):
            return True
        module = type(error).__module__.split(".", 1)[0]
        if module in {"asyncpg", "psycopg", "sqlalchemy", "aiosqlite"}:
            return True
        if type(error).__name__ == "DatabaseError" and module == "bot":
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def failed(error: BaseException, *, where: str) -> None:
    """An unexpected error reached a boundary: ``where`` is "interaction" or "background"."""
    if where == "interaction":
        INTERACTION_ERRORS.inc()
    if is_database_error(error):
        DATABASE_ERRORS.labels(where).inc()


Label = Callable[..., tuple[str, str] | None]


def observed(label: Label) -> Callable[[F], F]:
    """Count and time an interaction handler. ``label`` returns ``(kind, command)`` for the call's
    arguments (names the code defines, never member input), or None for a call not to count."""

    def wrap(handler: F) -> F:
        @functools.wraps(handler)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            try:
                found = label(*args, **kwargs)
            except Exception:  # e.g. a command Discord knows and the bot does not: not counted
                found = None
            if found is None or found[0] not in KINDS:
                return await handler(*args, **kwargs)
            kind, name = found
            start = time.perf_counter()
            try:
                return await handler(*args, **kwargs)
            finally:
                INTERACTIONS.labels(kind, name).inc()
                INTERACTION_SECONDS.labels(kind, name).observe(time.perf_counter() - start)

        return timed  # type: ignore[return-value]

    return wrap


# -- the endpoint --------------------------------------------------------------------------------

async def heartbeat(interval: float = HEARTBEAT_SECONDS, *, watchdog: str | None = None) -> None:
    """Tick on the event loop forever: the time of the last tick says the loop is alive (a thread
    serving the endpoint would answer even with the loop stuck), the lateness says how long it
    stalled. Under systemd each tick also pets its watchdog (``watchdog`` is the notify socket)."""
    from bot.ops.systemd import notify

    loop = asyncio.get_running_loop()
    while True:
        HEARTBEAT.set(time.time())
        notify("WATCHDOG=1", watchdog)
        expected = loop.time() + interval
        await asyncio.sleep(interval)
        LOOP_LAG.observe(max(0.0, loop.time() - expected))


class MetricsServer:
    """The Prometheus text endpoint on 127.0.0.1, served by ``prometheus_client`` in a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._server: Any = None
        self._thread: Any = None

    @property
    def url(self) -> str:
        return f"http://{METRICS_HOST}:{self.port}/metrics"

    def start(self) -> None:
        HEARTBEAT.set(time.time())
        self._server, self._thread = start_http_server(self.port, addr=METRICS_HOST, registry=REGISTRY)
        self.port = int(self._server.server_port)
        log.info("metrics endpoint listening on %s", self.url)

    def stop(self) -> None:
        if self._server is None:
            return
        with contextlib.suppress(Exception):
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None


# -- labels read from discord.py interactions (duck-typed: this module imports no Discord) -------
# Each takes the decorated function's arguments and finds the interaction among them, so the same
# decorator fits a client method (self, interaction, ...) or a module function (interaction, ...).

def _interaction(args: tuple[Any, ...]) -> Any:
    return next((a for a in args if hasattr(a, "response") and hasattr(a, "type")), None)


def tree_label(*args: Any, **_: Any) -> tuple[str, str] | None:
    """What the command tree is handling: a slash command or an autocomplete request, by name."""
    interaction = _interaction(args)
    kind = getattr(getattr(interaction, "type", None), "name", "")
    if kind == "application_command":
        return command_label(interaction)
    if kind == "autocomplete":
        return autocomplete_label(interaction)
    return None


def command_label(*args: Any, **_: Any) -> tuple[str, str] | None:
    """A slash command's label: its qualified name (``checkin log``)."""
    command = getattr(_interaction(args), "command", None)
    return None if command is None else ("command", str(command.qualified_name))


def autocomplete_label(*args: Any, **_: Any) -> tuple[str, str] | None:
    """An autocomplete request's label: the command it completes for."""
    command = getattr(_interaction(args), "command", None)
    return None if command is None else ("autocomplete", str(command.qualified_name))


def component_label(*args: Any, **_: Any) -> tuple[str, str] | None:
    """The feature prefix of a button or form the bot owns ("faq", "ci"...), never the rest of the
    custom id (which can hold entry ids, days or alert numbers)."""
    interaction = _interaction(args)
    kind = getattr(getattr(interaction, "type", None), "name", "")
    if kind not in {"component", "modal_submit"}:
        return None
    custom_id = str((getattr(interaction, "data", None) or {}).get("custom_id", ""))
    router = getattr(getattr(getattr(interaction, "client", None), "app", None), "router", None)
    if router is None or not router.owns(custom_id):
        return None
    return ("button" if kind == "component" else "form", custom_id.split(":", 1)[0])
