"""The fake itself: state, lifecycle, factories, waiting, records and faults; the rest is mixed in."""

# The member-action helpers take ``timeout=`` on purpose: a test reads better as
# ``await fake.slash("faq", timeout=2)`` than wrapped in ``asyncio.timeout``.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ..fake_shards import MAX_GUILDS_PER_SHARD, IdentifyLimiter
from ..openapi_validator import get_validator, normalise_path
from .actions import MemberActionsMixin
from .base import API, BOT_PERMISSIONS, DISCORD_EPOCH_MS, BotCrashed, InteractionTimeout
from .commands import CommandsMixin
from .control import ControlMixin
from .entities import FakeChannel, FakeGuild, FakeRole, FakeUser
from .gateway import GatewayMixin
from .interactions import InteractionResult, _Connection, _Session
from .messages import FakeFile, FakeMessage
from .records import Fault, MentionViolation, RecordedRequest, Violation, _compile_pattern
from .rest import RestMixin
from .rest_messages import MessageRoutesMixin


class FakeDiscord(GatewayMixin, RestMixin, MessageRoutesMixin, CommandsMixin, MemberActionsMixin, ControlMixin):
    """A fake Discord (REST + gateway) on 127.0.0.1. Use ``async with FakeDiscord() as fake``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        zlib_stream: bool = False,
        validate: bool = True,
        reject_invalid: bool = True,
        token: str | None = None,
        bot_name: str = "supportbot",
        heartbeat_interval_ms: int = 41250,
        ack_deadline: float | None = 3.0,
        token_lifetime: float = 15 * 60,
        default_timeout: float = 5.0,
        replay_window: int = 10000,
        app_permissions: int = BOT_PERMISSIONS,
        max_concurrency: int = 1,
        identify_window: float | None = None,
        max_guilds_per_shard: int = MAX_GUILDS_PER_SHARD,
    ) -> None:
        self.host = host
        self.port = port
        self.zlib_stream = zlib_stream
        self.validate = validate
        self.reject_invalid = reject_invalid
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.default_timeout = default_timeout
        self.replay_window = replay_window
        self.app_permissions = app_permissions

        self._last_snowflake = 0
        self.owner = FakeUser(self._snowflake(), "owner")
        self.bot_user = FakeUser(self._snowflake(), bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.users: dict[int, FakeUser] = {self.owner.id: self.owner, self.bot_user.id: self.bot_user}
        self.guilds: dict[int, FakeGuild] = {}
        self._channels: dict[int, FakeChannel] = {}
        self._dm_channels: dict[int, FakeChannel] = {}  # user id -> DM channel
        self._dms_closed: set[int] = set()
        self._left_users: set[int] = set()  # left a guild: DMs need a guild shared with the bot
        self.messages: dict[int, FakeMessage] = {}
        self._nonces: dict[tuple[int, str], int] = {}  # (channel, nonce) -> message id (enforce_nonce)
        self.nonce_repeats = 0  # messages not created again because their nonce was already used
        self._attachments: dict[int, FakeFile] = {}

        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}

        self.requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.mention_violations: list[MentionViolation] = []
        self.unexpected: list[RecordedRequest] = []  # unknown routes (answered 404)
        self.internal_errors: list[str] = []  # exceptions inside the fake's own handlers
        self.faults: list[Fault] = []
        self._fault_ids = itertools.count(1)

        self.interactions: dict[int, InteractionResult] = {}
        self._by_token: dict[str, InteractionResult] = {}
        self._interaction_created: dict[int, float] = {}  # id -> monotonic time of creation

        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_log: list[tuple[float, str, Any]] = []  # (perf_counter, what, detail)
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None  # the latest IDENTIFY's session
        # Sharding: the live session of each shard id, the identify limit per bucket (see
        # fake_shards.py), and which guilds each shard was given in READY.
        self.shard_sessions: dict[int, _Session] = {}
        self.identify_limiter = IdentifyLimiter(max_concurrency, identify_window)
        self.max_guilds_per_shard = max_guilds_per_shard
        self.shard_guilds: dict[int, set[int]] = {}
        self._connections: set[_Connection] = set()
        self._gateway_open = asyncio.Event()
        self._gateway_open.set()

        self._changed = asyncio.Event()
        self._watched: list[asyncio.Task[Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._validator = get_validator()  # also used for routing when validate=False
        self._routes = self._rest_routes()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway)
        app.router.add_route("GET", "/gateway/", self._gateway)
        app.router.add_route("GET", "/cdn/attachments/{channel}/{id}/{name}", self._cdn)
        for method, path, handler in self._control_routes():
            app.router.add_route(method, path, handler)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if not self.port:
            server = site._server
            assert server is not None and server.sockets  # type: ignore[union-attr]
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for conn in list(self._connections):
            conn.live = False
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 0.5)
        for task in list(self._tasks):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- ids -----------------------------------------------------------------------------------

    def _snowflake(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        value = max(value, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    # -- factories -----------------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        guild: FakeGuild | None = None,
        roles: Iterable[FakeRole | str] = (),
        admin: bool = False,
        manage_guild: bool = False,
        permissions: int | None = None,
        global_name: str | None = None,
        bot: bool = False,
    ) -> FakeUser:
        """A user called ``name`` (the same object for the same name). With ``guild``, also a member."""
        user = self.find_user(name)
        if user is None:
            user = FakeUser(self._snowflake(), name, global_name, bot)
            self.users[user.id] = user
        if guild is not None or admin or manage_guild or roles or permissions is not None:
            target = guild or self.default_guild
            target.add_member(
                user, roles=roles, admin=admin, manage_guild=manage_guild, permissions=permissions
            )
        return user

    def find_user(self, name_or_id: str | int) -> FakeUser | None:
        if isinstance(name_or_id, int) or (isinstance(name_or_id, str) and name_or_id.isdigit()):
            return self.users.get(int(name_or_id))
        return next((u for u in self.users.values() if u.name == name_or_id), None)

    def guild(
        self,
        name: str = "Support Group",
        *,
        channels: Sequence[str] = ("general",),
        roles: Mapping[str, int] | Sequence[str] = (),
        owner: FakeUser | None = None,
        member_count: int | None = None,
        guild_id: int | None = None,
    ) -> FakeGuild:
        """A guild (the same object for the same name). ``roles``: names, or ``{name: permissions}``.
        ``guild_id`` chooses the id (and so the shard: ids made in one millisecond share one)."""
        for existing in self.guilds.values():
            if existing.name == name:
                return existing
        guild = FakeGuild(self, guild_id or self._snowflake(), name, (owner or self.owner).id)
        guild.member_count = member_count
        for channel in channels:
            guild.add_channel(channel)
        role_items = roles.items() if isinstance(roles, Mapping) else ((r, 0) for r in roles)
        for role_name, perms in role_items:
            guild.add_role(role_name, permissions=perms)
        self.guilds[guild.id] = guild
        session = self._session_for(guild.id)
        if session is not None and session.conn is not None:
            self._spawn(self.dispatch("GUILD_CREATE", guild.to_create_payload(self.bot_user)))
        return guild

    @property
    def default_guild(self) -> FakeGuild:
        if not self.guilds:
            return self.guild()
        return next(iter(self.guilds.values()))

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        channel = self._dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(self._snowflake(), None, 1, recipient=user)
            self._dm_channels[user.id] = channel
            self._channels[channel.id] = channel
        return channel

    def channel(self, channel_id: int) -> FakeChannel | None:
        return self._channels.get(channel_id)

    # -- DMs and channel messages --------------------------------------------------------------

    def set_dms_closed(self, user: FakeUser, closed: bool = True) -> None:
        """Make ``POST /channels/{dm}/messages`` to this user answer 403 / 50007."""
        if closed:
            self._dms_closed.add(user.id)
        else:
            self._dms_closed.discard(user.id)

    def _no_shared_guild(self, user: FakeUser) -> bool:
        return user.id in self._left_users and not any(user.id in g.members for g in self.guilds.values())

    def dms_for(self, user: FakeUser) -> list[FakeMessage]:
        """Messages the bot sent to ``user``'s DM channel (not deleted), oldest first."""
        channel = self._dm_channels.get(user.id)
        if channel is None:
            return []
        return self.messages_in(channel)

    def messages_in(self, channel: FakeChannel, *, include_ephemeral: bool = False) -> list[FakeMessage]:
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel.id and not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    # -- waiting -------------------------------------------------------------------------------

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    def watch(self, task: asyncio.Task[Any]) -> None:
        """Fail waits at once (with :class:`BotCrashed`) if ``task`` finishes."""
        self._watched.append(task)
        task.add_done_callback(lambda _t: self._notify())

    def unwatch(self, task: asyncio.Task[Any]) -> None:
        with contextlib.suppress(ValueError):
            self._watched.remove(task)

    def _check_watched(self) -> None:
        for task in self._watched:
            if task.done():
                exc = None if task.cancelled() else task.exception()
                raise BotCrashed(f"the bot's client task ended while waiting: {exc!r}") from exc

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float | None = None, what: str = "it"
    ) -> None:
        """Wait until ``predicate()`` is true; state changes in the fake wake the wait."""
        timeout = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not predicate():
            self._check_watched()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InteractionTimeout(f"timed out after {timeout:.2f}s waiting for {what}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.02))

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until a gateway session is live (READY or RESUMED sent)."""
        await self.wait_until(lambda: self.connected, timeout, "the bot to connect to the gateway")

    async def wait_for_identify(self, count: int = 1, timeout: float | None = None) -> None:
        await self.wait_until(lambda: self.identify_count >= count, timeout, f"IDENTIFY #{count}")

    async def wait_for_resume(self, count: int = 1, timeout: float | None = None) -> None:
        await self.wait_until(lambda: self.resume_count >= count, timeout, f"RESUME #{count}")

    @property
    def connected(self) -> bool:
        session = self._session
        return session is not None and session.conn is not None and session.conn.live

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- records -------------------------------------------------------------------------------

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` if any request was invalid, pinged, or hit an unknown route."""
        problems = [f"invalid request: {v}" for v in self.violations]
        problems += [f"mentions not suppressed: {v}" for v in self.mention_violations]
        problems += [f"unknown route: {r.method} {r.path}" for r in self.unexpected]
        problems += [f"error inside the fake: {e}" for e in self.internal_errors]
        if problems:
            raise AssertionError("the fake Discord saw problems:\n  " + "\n  ".join(problems))

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke one on purpose)."""
        taken, self.violations = self.violations, []
        return taken

    def take_mention_violations(self) -> list[MentionViolation]:
        taken, self.mention_violations = self.mention_violations, []
        return taken

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        """Recorded requests matching ``"METHOD /path/pattern"`` (``*``/``{x}``: one segment)."""
        method, regex = _compile_pattern(pattern)
        return [r for r in self.requests if method in ("*", r.method) and regex.match(normalise_path(r.path))]

    def reset_records(self) -> None:
        self.requests.clear()
        self.violations.clear()
        self.mention_violations.clear()
        self.unexpected.clear()

    def timings(self) -> list[dict[str, Any]]:
        """Per interaction: perf_counter when INTERACTION_CREATE was written and when the callback came."""
        return [
            {
                "id": str(r.id),
                "command": r.command,
                "dispatched_at": r.dispatched_at,
                "callback_at": r.callback_at,
                "answered_at": r.answered_at,
            }
            for r in self.interactions.values()
        ]

    # -- faults --------------------------------------------------------------------------------

    def fail(
        self,
        pattern: str,
        status: int,
        *,
        times: int | None = 1,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        is_global: bool = False,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        when: Callable[[RecordedRequest], bool] | None = None,
    ) -> Fault:
        """Answer requests matching ``"METHOD /path"`` with ``status`` ``times`` times, then normally.

        In the path, ``*`` and ``{name}`` match one segment and ``**`` anything; the ``/api/v10``
        prefix is optional. A 429 carries ``Via`` and a JSON ``retry_after``, as Discord's does.
        """
        fault = Fault(
            pattern,
            status,
            times,
            code,
            message,
            retry_after,
            is_global,
            body,
            dict(headers or {}),
            when,
            id=next(self._fault_ids),
        )
        self.faults.append(fault)
        return fault

    def rate_limit(
        self, pattern: str, *, retry_after: float = 0.1, times: int | None = 1, is_global: bool = False
    ) -> Fault:
        return self.fail(pattern, 429, times=times, retry_after=retry_after, is_global=is_global)

    def server_error(self, pattern: str, *, status: int = 500, times: int | None = 1) -> Fault:
        return self.fail(pattern, status, times=times)

    def expire_interactions(
        self, pattern: str = "POST /interactions/{id}/{token}/callback", *, times: int | None = 1
    ) -> Fault:
        """Answer 404 / 10062 Unknown interaction, as Discord does for an expired token."""
        return self.fail(pattern, 404, times=times, code=10062)

    def clear_faults(self) -> None:
        self.faults.clear()

