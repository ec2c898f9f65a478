"""/safety-watch (admins), /care quiet and /care privacy (members), and the lines /setup shows.

Handlers take an :class:`~bot.ui.Actor` and plain arguments, like every other feature, so the
console runs them as Discord does. Admin commands use the same real check as ``/setup``.
"""

from __future__ import annotations

from datetime import timedelta

from bot.permissions import admins
from bot.ui import Actor, Card, Colour, Field, Reply
from bot.watch import cards
from bot.watch.service import WatchService

MODES = ("automod", "messages", "both")
NO_ALERT_CHANNEL = (
    "⚠ No alert channel is set, so an alert has nowhere to go: members still get the private DM, "
    "but no moderator is told. Set one with `/setup alert_channel:`."
)
NO_INTENT = (
    "Message mode needs the operator to enable Discord's message-content intent for this bot "
    "(`WATCH_MESSAGE_CONTENT=true`, and the switch in the developer portal). Nothing was changed; "
    "AutoMod mode works without it."
)
LIST_MAX = 8


def _counted(state: str) -> str:
    """An alert state after a count: "2 claimed", not "2 someone is reaching out"."""
    return "claimed" if state == "claimed" else cards.STATE.get(state, state).lower()


class WatchCommands:
    """The handlers of /safety-watch, /care quiet and /care privacy."""

    def __init__(self, service: WatchService) -> None:
        self.service = service
        self.core = service.core

    async def _refuse(self, actor: Actor) -> Reply | None:
        """Raise :class:`~bot.permissions.NotAdmin` unless the actor is a server admin."""
        await admins(actor, self.core.guilds)
        return None

    async def turn_on(self, actor: Actor, mode: str = "automod") -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        if mode not in MODES:
            return Reply.text(f"Pick a mode: {', '.join(MODES)}. Nothing was changed.")
        messages = mode in ("messages", "both")
        if messages and not self.service.message_content:
            return Reply.text(NO_INTENT)
        await self.service.store.update(actor.guild_id, automod=mode in ("automod", "both"), messages=messages)
        await self.service.reload_channels()
        await self.service.sync_guild(actor.guild_id)
        return await self.status(actor, head="Channel watch is on. ")

    async def turn_off(self, actor: Actor) -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        await self.service.store.update(actor.guild_id, automod=False, messages=False)
        await self.service.reload_channels()
        report = await self.service.sync_guild(actor.guild_id)  # removes the bot's AutoMod rules
        gone = f" I removed {report.deleted} AutoMod rule(s)." if report.deleted else ""
        return Reply.text("Channel watch is off: the bot no longer notices anything in channels." + gone)

    async def channel(self, actor: Actor, channel: int, watch: bool = True) -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        await self.service.store.set_channel(actor.guild_id, channel, watch)
        await self.service.reload_channels()
        verb = "now checked" if watch else "no longer checked"
        extra = "" if (await self.service.store.settings(actor.guild_id)).messages else \
            " (Message mode is off, so nothing is read until it is turned on.)"
        return Reply.text(f"<#{channel}> is {verb} in message mode.{extra}")

    async def configure(self, actor: Actor, oncall_role: int | None = None, escalate_minutes: int | None = None,
                        cooldown_minutes: int | None = None, automod_channel: int | None = None) -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        given = {"oncall_role_id": oncall_role, "escalate_minutes": escalate_minutes,
                 "cooldown_minutes": cooldown_minutes, "automod_channel_id": automod_channel}
        changes = {name: value for name, value in given.items() if value is not None}
        await self.service.store.update(actor.guild_id, **changes)
        if "automod_channel_id" in changes:
            await self.service.sync_guild(actor.guild_id)
        return await self.status(actor, head="Saved. " if changes else "")

    async def status(self, actor: Actor, head: str = "") -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        lines = await self.setup_lines(actor.guild_id)
        return Reply.text(head + "Channel watch in this server:\n" + "\n".join(f"• {line}" for line in lines))

    async def setup_lines(self, guild_id: int) -> list[str]:
        """What /setup and /safety-watch status say about channel watch, problems first."""
        s = await self.service.store.settings(guild_id)
        if not s.enabled:
            return ["Channel watch: off (members are told so in `/care privacy`)"]
        modes = [m for m, on in (("AutoMod", s.automod), ("message check", s.messages)) if on]
        lines = [f"Channel watch: {' and '.join(modes)}"]
        if s.messages and (await self.core.guilds.get(guild_id)).alert_channel_id is None:
            lines.append(NO_ALERT_CHANNEL)
        if s.sync_problems:
            lines += [f"⚠ {p}" for p in s.sync_problems.splitlines()]
        report = self.service.reports.get(guild_id)
        if s.automod and report is not None and not report.forbidden:
            lines.append(f"AutoMod: {report.keywords} phrases and {report.regexes} patterns in the bot's rules")
            if report.left_out:
                shown = "; ".join(report.left_out[:LIST_MAX])
                more = f" (and {len(report.left_out) - LIST_MAX} more)" if len(report.left_out) > LIST_MAX else ""
                cover = "message mode covers them" if s.messages else "turn on message mode to cover them"
                lines.append(f"Left out of AutoMod ({cover}): {shown}{more}")
            if report.partly:
                lines.append(f"Only partly in AutoMod: {len(report.partly)} phrase(s) "
                             "(`supportbot automod` lists them)")
        if s.messages:
            channels = sorted(await self.service.store.channels(guild_id))
            lines.append("Message check in: " + (", ".join(f"<#{c}>" for c in channels) or "no channels yet "
                                                  "(`/safety-watch channel`)"))
        role = f"<@&{s.oncall_role_id}>" if s.oncall_role_id else "no on-call role set"
        lines.append(f"Escalation: {role} after {s.escalate_minutes} min unclaimed; DM cooldown {s.cooldown_minutes} min")
        return lines

    async def report(self, actor: Actor, days: int = 30) -> Reply:
        if (refusal := await self._refuse(actor)) is not None:
            return refusal
        assert actor.guild_id is not None
        since = self.core.clock.now() - timedelta(days=days)
        counts = await self.service.store.alert_counts(actor.guild_id, since)
        misfires = await self.service.store.false_alarm_counts(actor.guild_id, since)
        total = sum(counts.values())
        fields = [Field("Alerts", f"{total} in all: " + ", ".join(
            f"{n} {_counted(state)}" for state, n in sorted(counts.items())) if total else "none")]
        if misfires:
            rows = [f"`{reason}`" + (f" — “{phrase}”" if phrase else "") + f": {n}" for reason, phrase, n in misfires[:20]]
            fields.append(Field("False alarms by rule and phrase", "\n".join(rows)))
        else:
            fields.append(Field("False alarms", "none recorded"))
        actions = await self.service.store.recent_actions(actor.guild_id, since)
        if actions:
            fields.append(Field("Recent actions", "\n".join(
                f"#{alert_id} {action} by {f'<@{who}>' if who else 'the bot'}, <t:{int(at.timestamp())}:f>"
                for alert_id, who, action, at in actions)))
        return Reply(cards=[Card(title=f"Channel watch, last {days} days", fields=fields, colour=Colour.INFO)])

    # -- members ----------------------------------------------------------------------------

    async def quiet(self, actor: Actor, off: bool = False) -> Reply:
        await self.service.store.set_quiet(actor.user_id, not off)
        if off:
            return Reply.text("Okay — if the bot notices you might be struggling, it may send you a private "
                              "message with crisis lines again.")
        return Reply.text("Done: the bot won't send you private check-in messages. Moderators may still reach "
                          "out, and `/help-now` is there any time. `/care quiet off:true` undoes this.")

    async def privacy(self, actor: Actor) -> Reply:
        modes: list[str] = []
        if actor.guild_id is not None:
            s = await self.service.store.settings(actor.guild_id)
            if s.automod:
                modes.append(cards.MODE_AUTOMOD)
            if s.messages and self.service.message_content:
                channels = sorted(await self.service.store.channels(actor.guild_id))
                where = ", ".join(f"<#{c}>" for c in channels) or "no channels yet"
                modes.append(cards.MODE_MESSAGES.format(channels=where))
        text = cards.PRIVACY.format(modes="\n".join(modes) if modes else cards.MODE_OFF)
        return Reply(cards=[Card(title="Privacy: channel watch", description=text, colour=Colour.CARE)])

    async def describe_member(self, user_id: int) -> str | None:
        quiet = await self.service.store.is_quiet(user_id)
        alerts = await self.service.store.alerts_about(user_id)
        parts = []
        if alerts:
            parts.append(f"{alerts} safety alert(s) moderators were shown (who, where, level and rule — no message text)")
        if quiet:
            parts.append("you asked not to get check-in messages (`/care quiet`)")
        return "; ".join(parts).capitalize() + "." if parts else None

    async def after_setup(self, guild_id: int, alert_channel_changed: bool) -> list[str]:
        """/setup's lines about channel watch; a new alert channel re-syncs the AutoMod rules."""
        if alert_channel_changed:  # channel watch's AutoMod rules alert there
            await self.service.sync_guild(guild_id)
        return await self.setup_lines(guild_id)
