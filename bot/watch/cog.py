"""Channel watch on Discord: /safety-watch, AutoMod and message events, the AutoMod REST calls.

A thin adapter: events become plain ids (and, in message mode only, the text handed straight to
the triage in memory) on a bounded queue; workers feed :class:`bot.watch.service.WatchService`.
A burst larger than the queue is counted and reported to the server's moderators, never dropped
silently. The message text is never logged, stored or kept after triage.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import Core
from bot.frontend import Invocation, require, respond
from bot.permissions import admins
from bot.ui import Reply
from bot.watch.commands import WatchCommands
from bot.watch.service import WatchService
from bot.watch.sync import REASON, AutomodForbidden, AutomodRejected

log = logging.getLogger(__name__)

WORKERS = 8
ESCALATION_SCAN_SECONDS = 30.0
MISSING_PERMISSION = 50013
MODES = [app_commands.Choice(name="AutoMod only (the bot never reads messages)", value="automod"),
         app_commands.Choice(name="Message check in chosen channels (needs the operator's intent)", value="messages"),
         app_commands.Choice(name="Both", value="both")]


class DiscordAutomod:
    """:class:`bot.watch.sync.AutomodPort` over discord.py's HTTP client (Discord's own JSON)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except discord.Forbidden as exc:
            raise AutomodForbidden() from exc
        except discord.HTTPException as exc:
            if exc.status >= 500:
                raise
            raise AutomodRejected(exc.code, (exc.text or "rejected")[:300]) from exc

    async def list_rules(self, guild_id: int) -> list[dict[str, Any]]:
        return list(await self._call(self.bot.http.get_auto_moderation_rules(guild_id)))

    async def create_rule(self, guild_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call(self.bot.http.create_auto_moderation_rule(guild_id, reason=REASON, **payload)))

    async def edit_rule(self, guild_id: int, rule_id: int, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._call(self.bot.http.edit_auto_moderation_rule(guild_id, rule_id, reason=REASON, **payload)))

    async def delete_rule(self, guild_id: int, rule_id: int) -> None:
        await self._call(self.bot.http.delete_auto_moderation_rule(guild_id, rule_id, reason=REASON))

    def is_community(self, guild_id: int) -> bool | None:
        guild = self.bot.get_guild(guild_id)
        return None if guild is None else "COMMUNITY" in guild.features


@dataclass(slots=True)
class _Event:
    kind: str  # "automod" | "message"
    guild_id: int
    data: dict[str, Any]


# On the group, where Discord reads them (it ignores default permissions on subcommands): members
# do not even see /safety-watch; `require(admins)` on each subcommand still refuses anyone else.
@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class WatchCog(commands.GroupCog, group_name="safety-watch",
               group_description="Notice crisis in channels and get a moderator to the member (admins)"):
    """/safety-watch, and the AutoMod and message events channel watch listens to."""

    def __init__(self, bot: commands.Bot, core: Core, service: WatchService, handlers: WatchCommands) -> None:
        self.bot = bot
        self.core = core
        self.service = service
        self.handlers = handlers
        self.service.automod = DiscordAutomod(bot)
        self.queue: asyncio.Queue[_Event] = asyncio.Queue(core.settings.watch_queue_max)
        self.dropped: Counter[int] = Counter()
        self._tasks: list[asyncio.Task[None]] = []
        self._syncing: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._escalation: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(WORKERS)]

    async def cog_unload(self) -> None:
        for task in self._tasks:
            task.cancel()

    # -- commands ---------------------------------------------------------------------------

    @app_commands.command(name="on", description="Turn channel watch on (admins only)",
                          extras={"defer": True})
    @app_commands.describe(mode="What the bot may look at")
    @app_commands.choices(mode=MODES)
    @require(admins)
    async def turn_on(self, interaction: Invocation, mode: str = "automod") -> None:
        await respond(interaction, self.handlers.turn_on, mode=mode)

    @app_commands.command(name="off", description="Turn channel watch off and remove its AutoMod rules",
                          extras={"defer": True})
    @require(admins)
    async def turn_off(self, interaction: Invocation) -> None:
        await respond(interaction, self.handlers.turn_off)

    @app_commands.command(name="channel", description="Choose a channel for message mode")
    @app_commands.describe(channel="A channel whose new messages the safety check reads",
                           watch="False stops checking it")
    @require(admins)
    async def channel(self, interaction: Invocation, channel: discord.TextChannel, watch: bool = True) -> None:
        await respond(interaction, self.handlers.channel, channel=channel.id, watch=watch)

    @app_commands.command(name="settings", description="On-call role, escalation, DM cooldown, AutoMod channel",
                          extras={"defer": True})
    @app_commands.describe(oncall_role="Pinged once when an alert waits unclaimed",
                           escalate_minutes="Minutes before the on-call role is pinged",
                           cooldown_minutes="Minutes in which repeat triggers update one alert and no new DM is sent",
                           automod_channel="Where Discord posts its own AutoMod notice (shows the text; keep it private)")
    @require(admins)
    async def settings(self, interaction: Invocation, oncall_role: discord.Role | None = None,
                       escalate_minutes: app_commands.Range[int, 1, 1440] | None = None,
                       cooldown_minutes: app_commands.Range[int, 0, 10080] | None = None,
                       automod_channel: discord.TextChannel | None = None) -> None:
        await respond(
            interaction, self.handlers.configure, oncall_role=oncall_role.id if oncall_role else None, escalate_minutes=escalate_minutes,
            cooldown_minutes=cooldown_minutes, automod_channel=automod_channel.id if automod_channel else None,
        )

    @app_commands.command(name="status", description="What channel watch covers here, and any problem")
    @require(admins)
    async def status(self, interaction: Invocation) -> None:
        await respond(interaction, self.handlers.status)

    @app_commands.command(name="report", description="Alerts and false alarms by rule and phrase")
    @require(admins)
    async def report(self, interaction: Invocation, days: app_commands.Range[int, 1, 365] = 30) -> None:
        await respond(interaction, self.handlers.report, days=days)

    # -- events -----------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self.bot.user is not None:
            self.service.bot_user_id = self.bot.user.id
        if self._escalation is None:
            self._escalation = asyncio.create_task(self._escalations())
            self._tasks.append(self._escalation)
        # With several sharded processes, each repairs the rules of the servers on its own shards.
        owns = getattr(self.bot, "owns_guild", None)
        for guild_id in await self.service.store.enabled_guild_ids():
            if owns is None or owns(guild_id):
                self._schedule_sync(guild_id)

    @commands.Cog.listener()
    async def on_automod_action(self, execution: discord.AutoModAction) -> None:
        # Only ids and the configured phrase: content and matched_content are never read.
        self._put(_Event("automod", execution.guild_id, {
            "rule_id": execution.rule_id, "matched_keyword": execution.matched_keyword,
            "user_id": execution.user_id, "channel_id": execution.channel_id, "message_id": execution.message_id,
        }))

    @commands.Cog.listener("on_automod_rule_update")
    @commands.Cog.listener("on_automod_rule_delete")
    async def on_automod_rule_changed(self, rule: discord.AutoModRule) -> None:
        """Someone edited or deleted one of the bot's rules: put it back."""
        if await self.service.store.owns_rule(rule.id) == rule.guild.id:
            self._schedule_sync(rule.guild.id)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edit is a new text (AutoMod checks edits too); link-preview updates are not."""
        if payload.data.get("edited_timestamp") is None:
            return
        await self.on_message(payload.message)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or message.webhook_id is not None:
            return
        channel = message.channel
        key = getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else channel.id
        if key is None or not self.service.watches(message.guild.id, key):
            return
        self._put(_Event("message", message.guild.id, {
            "channel_id": channel.id, "watched": key, "message_id": message.id, "author_id": message.author.id,
            "text": message.content,
        }))

    def _put(self, event: _Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped[event.guild_id] += 1
            if self.dropped[event.guild_id] == 1:
                log.warning("watch: event queue full; counting what could not be processed")

    def _schedule_sync(self, guild_id: int) -> None:
        """Sync soon; a change seen during a sync runs one more (a burst of edits: two syncs)."""
        self._again.add(guild_id)
        running = self._syncing.get(guild_id)
        if running is None or running.done():
            self._syncing[guild_id] = asyncio.create_task(self._sync(guild_id))

    async def _sync(self, guild_id: int) -> None:
        while guild_id in self._again:
            self._again.discard(guild_id)
            try:
                await self.service.sync_guild(guild_id)
            except Exception as exc:
                log.error("watch: AutoMod sync failed: %s", type(exc).__name__)

    async def _worker(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                await self._handle(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never the payload: message mode's may hold text
                log.error("watch: could not handle a %s event: %s", event.kind, type(exc).__name__)
            finally:
                self.queue.task_done()
            if self.dropped and self.queue.empty():
                await self._report_dropped()

    async def _handle(self, event: _Event) -> None:
        d = event.data
        if event.kind == "automod":
            await self.service.on_automod(guild_id=event.guild_id, rule_id=d["rule_id"],
                                          matched_keyword=d["matched_keyword"], user_id=d["user_id"],
                                          channel_id=d["channel_id"], message_id=d["message_id"])
        else:
            await self.service.on_message(guild_id=event.guild_id, channel_id=d["channel_id"],
                                          message_id=d["message_id"], author_id=d["author_id"],
                                          author_is_bot=False, text=d.pop("text"), watched_channel_id=d["watched"])

    async def _report_dropped(self) -> None:
        dropped, self.dropped = self.dropped, Counter()
        for guild_id, count in dropped.items():
            log.warning("watch: %d event(s) could not be processed during a burst", count)
            channel = (await self.core.guilds.get(guild_id)).alert_channel_id
            if channel is not None:
                await self.core.outbox.post(channel, Reply(
                    content=f"During a burst of activity I could not check {count} message(s) or AutoMod "
                            "trigger(s). Please look over the recent messages in the watched channels.",
                    ephemeral=False))

    async def _escalations(self) -> None:
        while True:
            try:
                await self.service.escalate_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.error("watch: escalation scan failed: %s", type(exc).__name__)
            await asyncio.sleep(ESCALATION_SCAN_SECONDS)

