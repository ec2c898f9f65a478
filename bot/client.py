"""The discord.py client: minimal intents, explicit sync, kind errors, clean shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import SupportApp
from bot.clock import Clock
from bot.config import Settings
from bot.core import Core
from bot.discord_render import NO_PINGS, actor_from, message_kwargs, send_reply
from bot.endpoint import point_discord_at
from bot.errors import reply_for
from bot.feature import Job
from bot.frontend import AUTO_DEFER_SECONDS, FriendlyCheckFailure
from bot.notify import Delivery, Outbox
from bot.ops import metrics
from bot.ops.systemd import notify, notify_socket
from bot.sharding import IdentifyGate, LocalIdentifyGate, PostgresIdentifyGate, shard_of
from bot.ui import Reply

log = logging.getLogger(__name__)

__all__ = ["FriendlyCheckFailure", "SupportBot", "create_bot"]

JOB_FINISH_SECONDS = 10.0  # at shutdown, how long a background job mid-run may take to finish
# Discord refuses a DM for good with 50007 ("Cannot send messages to this user": DMs closed) or
# 50278 (no server shared with the member any more). Both mean retrying tomorrow fails again.
DMS_CLOSED_CODES = frozenset({50007, 50278})

ERROR_REPLY = (
    "Sorry — something went wrong on my side. Please try again in a moment. "
    "If it keeps happening, a moderator can look it up with the code `{code}`."
)
COOLDOWN_REPLY = "Let's take that a little slower — please try again in {seconds:.0f} seconds."
INPUT_REPLY = "I couldn't read that: {detail} Please check it and try again."


def error_code() -> str:
    return secrets.token_hex(3).upper()


def build_intents(settings: Settings | None = None) -> discord.Intents:
    """Guilds and AutoMod only: slash commands need no message content, members or presences.

    The AutoMod intents are not privileged; they let channel watch hear which of its rules fired
    (never the text) and repair its rules. Only an operator's ``WATCH_MESSAGE_CONTENT`` adds
    guild messages and the privileged message-content intent, for message mode."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.auto_moderation_configuration = True
    intents.auto_moderation_execution = True
    if settings is not None and settings.watch_message_content:
        intents.guild_messages = True
        intents.message_content = True
    return intents


async def reply_safely(interaction: discord.Interaction, reply: Reply) -> None:
    """Send an error reply without letting a second failure escape (expired token, etc.)."""
    try:
        await send_reply(interaction, reply)
    except discord.HTTPException as exc:
        log.warning("could not deliver an error reply (%s)", exc.status)


class SupportTree(app_commands.CommandTree["SupportBot"]):
    """Every error ends in a kind, ephemeral reply; no traceback ever reaches a member."""

    @metrics.observed(metrics.tree_label)
    async def _call(self, interaction: discord.Interaction) -> None:
        # discord.py runs every slash command and autocomplete through this method (private, but
        # unchanged across 2.x, which pyproject pins): counted and timed here, by name only.
        await super()._call(interaction)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, FriendlyCheckFailure):
            await reply_safely(interaction, reply_for(error.error))
            return
        if isinstance(error, app_commands.CommandOnCooldown):
            await reply_safely(interaction, Reply.text(COOLDOWN_REPLY.format(seconds=max(1, error.retry_after))))
            return
        if isinstance(error, app_commands.TransformerError | app_commands.CommandSignatureMismatch):
            detail = "that value isn't in the form I expected."
            await reply_safely(interaction, Reply.text(INPUT_REPLY.format(detail=detail)))
            return
        if isinstance(error, app_commands.NoPrivateMessage):
            await reply_safely(interaction, Reply.text("That command works inside a server, not in DMs."))
            return
        if isinstance(error, app_commands.CheckFailure):
            await reply_safely(interaction, Reply.text("Sorry, you can't use that command here."))
            return
        await report_unexpected(interaction, error)


async def report_unexpected(interaction: discord.Interaction, error: BaseException) -> None:
    code = error_code()
    original = getattr(error, "original", error)
    metrics.failed(original, where="interaction")
    command = interaction.command.qualified_name if interaction.command else interaction.data and interaction.data.get("custom_id")
    # Log the type and place only: exception text can contain what a member typed.
    log.error(
        "error %s in %s: %s", code, command or "interaction", type(original).__name__,
        exc_info=(type(original), original, original.__traceback__),
    )
    await reply_safely(interaction, Reply.text(ERROR_REPLY.format(code=code)))


class DiscordOutbox(Outbox):
    """Delivers bot-initiated messages (audit posts, alerts, reminder DMs) through Discord."""

    def __init__(self, bot: SupportBot) -> None:
        super().__init__()
        self.bot = bot

    async def to_channel(self, channel_id: int, reply: Reply) -> Delivery:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            await channel.send(**message_kwargs(reply))  # type: ignore[union-attr]
        except discord.HTTPException as exc:
            log.warning("could not post to channel %s (%s)", channel_id, exc.status)
            return Delivery.FAILED
        return Delivery.SENT

    async def post(self, channel_id: int, reply: Reply) -> int | None:
        try:
            channel = self.bot.get_channel(channel_id) or await self.bot.fetch_channel(channel_id)
            message = await channel.send(**message_kwargs(reply))  # type: ignore[union-attr]
        except discord.HTTPException as exc:
            log.warning("could not post to channel %s (%s)", channel_id, exc.status)
            return None
        return message.id

    async def edit(self, channel_id: int, message_id: int, reply: Reply) -> Delivery:
        kwargs = message_kwargs(reply)
        kwargs.pop("files", None)
        kwargs.setdefault("view", None)
        try:
            await self.bot.get_partial_messageable(channel_id).get_partial_message(message_id).edit(**kwargs)  # type: ignore[arg-type]
        except discord.HTTPException as exc:
            log.warning("could not edit message in channel %s (%s)", channel_id, exc.status)
            return Delivery.FAILED
        return Delivery.SENT

    async def to_member(self, user_id: int, reply: Reply, *, nonce: str | None = None) -> Delivery:
        try:
            dm = await self.bot.create_dm(discord.Object(user_id))
            # discord.py sends a nonce with enforce_nonce: Discord then creates one message per key.
            await dm.send(**message_kwargs(reply), nonce=nonce)
        except discord.Forbidden as exc:
            if exc.code in DMS_CLOSED_CODES:
                return Delivery.DMS_CLOSED
            log.warning("a DM was refused (%s)", exc.code)
            return Delivery.FAILED
        except discord.HTTPException as exc:
            log.warning("a DM failed (%s)", exc.status)
            return Delivery.FAILED
        return Delivery.SENT


async def defer_if_slow(interaction: discord.Interaction, work: Awaitable[Reply]) -> Reply:
    """A form's reply, deferred (privately) when it is not ready within ``AUTO_DEFER_SECONDS``.

    A submitted form carries free text, which the safety triage screens first; the sentence model
    takes about a second of CPU for a long form on a quiet core and several on a busy one, past
    Discord's 3-second deadline. The answer then replaces the "thinking" message."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=AUTO_DEFER_SECONDS)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


class SupportBot(commands.Bot):
    """Receives the app (settings, database, services) through its constructor: no globals."""

    def __init__(self, app: SupportApp, **options: Any) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,  # no prefix commands; required by commands.Bot
            intents=build_intents(app.settings),
            max_messages=None,  # no message cache: message text is never kept in memory
            tree_cls=SupportTree,
            allowed_mentions=NO_PINGS,
            help_command=None,
            **options,
        )
        self.app = app
        self._background: list[asyncio.Task[None]] = []
        self.metrics: metrics.MetricsServer | None = None
        self._running_jobs: set[asyncio.Future[None]] = set()  # background jobs mid-run
        # Sharded processes wait their turn to IDENTIFY here (see bot/sharding/identify.py).
        self.identify_gate: IdentifyGate | None = None
        self._max_concurrency: int | None = None

    @property
    def owns_shard_zero(self) -> bool:
        """Shard 0 receives DMs; its process alone syncs commands and makes once-per-bot posts."""
        return self.app.settings.owns_shard_zero

    def owns_guild(self, guild_id: int | None) -> bool:
        """Whether this process receives the events of this guild (None: a DM, shard 0's)."""
        settings = self.app.settings
        if guild_id is None or settings.shard_count is None or settings.shard_ids is None:
            return guild_id is not None or self.owns_shard_zero
        return shard_of(guild_id, settings.shard_count) in settings.shard_ids

    @property
    def core(self) -> Core:
        """The app's shared dependencies (the permission check reads guild settings from here)."""
        return self.app.core

    async def setup_hook(self) -> None:
        """Start the app, hand it this client's outbox, load every feature's commands and jobs."""
        await self.app.start()
        self.app.core.use_outbox(DiscordOutbox(self))
        await self.load_features()
        for feature in self.app.features:
            for job in feature.jobs():
                if job.once_per_bot and not self.owns_shard_zero:
                    continue  # with several processes, only shard 0's runs it
                self._background.append(asyncio.create_task(self._run_job(job)))
        if self.app.settings.metrics_port is not None:  # off by default; 127.0.0.1 only
            self.metrics = metrics.MetricsServer(self.app.settings.metrics_port)
            self.metrics.start()
        systemd = notify_socket()  # under systemd: READY once started, then its watchdog on every tick
        self._background.append(asyncio.create_task(metrics.heartbeat(watchdog=systemd)))
        # The content, search index, rules and libraries loaded above live as long as the
        # process. Measured: a full garbage collection over them takes ~75 ms, which showed up as
        # the slowest 1 % of answers under load. Freezing moves them out of the collector's sight.
        gc.collect()
        gc.freeze()
        guild = self.app.settings.dev_guild_id
        if guild is not None and self.owns_shard_zero:
            self.tree.copy_global_to(guild=discord.Object(guild))
            synced = await self.tree.sync(guild=discord.Object(guild))
            log.info("synced %d commands to the development server", len(synced))
        notify("READY=1", systemd)

    async def load_features(self) -> None:
        """Add every feature's cogs, in the app's feature order (the console uses this too)."""
        for feature in self.app.features:
            for cog in feature.cogs(self):
                await self.add_cog(cog)

    @metrics.observed(metrics.component_label)
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons and forms: route by custom_id (the same router the console uses)."""
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return
        data = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if not self.app.router.owns(custom_id) or not self.owns_guild(interaction.guild_id):
            return
        submitted = interaction.type is discord.InteractionType.modal_submit
        values = modal_values(data) if submitted else {}
        try:
            dispatch = self.app.router.dispatch(actor_from(interaction), custom_id, values)
            reply = await defer_if_slow(interaction, dispatch) if submitted else await dispatch
            await send_reply(interaction, reply)
        except Exception as exc:  # every failure still gets a kind answer
            await report_unexpected(interaction, exc)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.identify_gate is not None:
            if self._max_concurrency is None:
                self._max_concurrency = await self._fetch_max_concurrency()
            await self.identify_gate.before_identify(shard_id or 0, self._max_concurrency, initial=initial)
        elif self.app.settings.discord_api_base is None:  # only the local fake skips Discord's pacing
            await super().before_identify_hook(shard_id, initial=initial)

    async def _fetch_max_concurrency(self) -> int:
        """How many IDENTIFYs Discord allows per 5 s (``GET /gateway/bot``); 1 if it cannot say."""
        try:
            _, _, limits = await self.http.get_bot_gateway()
            return max(1, int(limits["max_concurrency"]))
        except (discord.HTTPException, discord.GatewayNotFound, KeyError, TypeError, ValueError):
            log.warning("could not read max_concurrency from Discord; identifying one shard at a time")
            return 1

    async def _run_job(self, job: Job) -> None:
        """Run a feature's job once the client is ready: once, or forever every ``job.every``
        seconds; one failure is logged and never stops the loop. Stopping the loop never stops a run
        half-way (see :meth:`close`)."""
        await self.wait_until_ready()
        while True:
            run = asyncio.ensure_future(job.run())
            self._running_jobs.add(run)
            run.add_done_callback(self._job_done)
            try:
                await asyncio.shield(run)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                metrics.failed(exc, where="background")
                log.exception("background job %s failed", job.name)
            if job.every is None:
                return
            await asyncio.sleep(job.every)

    def _job_done(self, run: asyncio.Future[None]) -> None:
        self._running_jobs.discard(run)
        if not run.cancelled():
            run.exception()  # marks it retrieved: the loop logs it, if it was still waiting on the run

    async def close(self) -> None:
        for task in self._background:
            task.cancel()
        if self.metrics is not None:
            self.metrics.stop()
        if self._running_jobs and self.is_ready():  # before ready, every job is still waiting for it
            # A reminder batch stopped between its DMs and recording them would be sent again by
            # the next process (harmlessly, thanks to the nonce, but not needed): let it finish.
            _, late = await asyncio.wait(set(self._running_jobs), timeout=JOB_FINISH_SECONDS)
            for task in late:
                task.cancel()
        try:
            await super().close()
        finally:
            if self.identify_gate is not None:
                await self.identify_gate.close()
            await self.app.close()


class ShardedSupportBot(SupportBot, commands.AutoShardedBot):
    """The same bot over ``SHARD_IDS`` of ``SHARD_COUNT`` shards (discord.py's AutoShardedBot):
    several processes, each with its own shard ids, serve one bot between them."""


async def create_bot(settings: Settings, *, clock: Clock | None = None) -> SupportBot:
    """The one start-up path for ``supportbot run``, ``sync`` and the end-to-end tests: open the
    app (migrations and content load in ``setup_hook``) and build the client. With
    ``DISCORD_API_BASE`` set, all traffic goes to the local fake Discord instead; tests may pass a
    clock they can move."""
    if settings.discord_api_base:
        point_discord_at(settings.discord_api_base)
    app = await SupportApp.open(settings, clock=clock, start=False)
    fake = settings.discord_api_base is not None
    if settings.shard_count is None:
        return SupportBot(app, guild_ready_timeout=0.05 if fake else 2.0)
    bot = ShardedSupportBot(app, guild_ready_timeout=0.05 if fake else 2.0, shard_count=settings.shard_count,
                            shard_ids=list(settings.shard_ids) if settings.shard_ids is not None else None)
    bot.identify_gate = identify_gate_for(settings)
    return bot


def identify_gate_for(settings: Settings) -> IdentifyGate:
    """A lock every process sees on PostgreSQL; with SQLite (one process) a lock in memory."""
    database = settings.database
    if database.dialect == "postgresql":
        return PostgresIdentifyGate(database.target)
    return LocalIdentifyGate()


def modal_values(data: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    for row in data.get("components", []):
        for component in row.get("components", [row.get("component")] if row.get("component") else []):
            if component and "custom_id" in component:
                values[str(component["custom_id"])] = str(component.get("value") or "")
    return values
