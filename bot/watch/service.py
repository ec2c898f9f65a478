"""Channel watch: from a trigger (an AutoMod execution or a triaged channel message) to a human.

One flow for both modes: a private outreach DM (respecting the member's opt-out and a cooldown),
one alert card per member in the moderators' alert channel (repeat triggers update it), buttons
to claim, resolve (with a confirmation) or mark a false alarm, and escalation to an on-call role
when nobody claims it. No message text is stored or logged anywhere on this path: message mode
hands the text to the safety triage in memory and keeps only the outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.care.replies import help_now_reply
from bot.moderation.permissions import is_moderator
from bot.notify import Delivery
from bot.ui import Actor, Button, Reply, Style
from bot.watch import cards
from bot.watch.buttons import ALERT_ACTION, AlertAction
from bot.watch.derive import KEYWORD_RULES_MAX, CrisisRules, Plan, derive, read_rules
from bot.watch.store import Alert, WatchSettings, WatchStore
from bot.watch.sync import (
    AutomodForbidden,
    AutomodPort,
    AutomodRejected,
    SyncReport,
    free_slots,
    payload_for,
    same_rule,
)

if TYPE_CHECKING:
    from bot.care.service import CareService
    from bot.core import Core

log = logging.getLogger(__name__)

MODERATORS_ONLY = "Only moderators can act on safety alerts."
STALE = "That alert no longer exists."
_LOCKS_MAX = 4096
REPAIRS_MAX = 10  # changing syncs per server within REPAIR_WINDOW before the bot stops and reports
REPAIR_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Trigger:
    """Something that may mean a member is in crisis. Ids and labels only, never text."""

    guild_id: int
    user_id: int
    channel_id: int | None
    message_id: int | None
    level: str
    reason: str  # crisis rule id, or "semantic"
    source: str  # "automod" | "message"
    phrase: str | None = None  # the configured AutoMod phrase that fired


class WatchService:
    """Channel watch: triage of flagged messages, alerts, outreach and AutoMod sync."""

    def __init__(self, core: Core, care: CareService) -> None:
        self.core = core
        self.care = care
        self.store = WatchStore(core.db, core.clock)
        self.automod: AutomodPort | None = None  # set by the Discord adapter
        self.bot_user_id: int | None = None
        self.channels: dict[int, set[int]] = {}  # message mode, per server, kept in memory
        self.message_content = core.settings.watch_message_content
        self._rules: CrisisRules | None = None
        self._plans: dict[int, Plan] = {}
        self._locks: OrderedDict[tuple[int, int], asyncio.Lock] = OrderedDict()
        self.reports: dict[int, SyncReport] = {}
        self._repairs: dict[int, list[datetime]] = {}

    async def start(self) -> None:
        self.load_rules()
        await self.reload_channels()

    async def reload_channels(self) -> None:
        """Re-read message mode's channels after a change (the hot path reads them from memory)."""
        self.channels = await self.store.all_channels()

    def load_rules(self) -> None:
        self._rules = read_rules(self.core.settings.content_dir / "safety")
        self._plans.clear()

    def plan(self, slots: int) -> Plan:
        if self._rules is None:
            self.load_rules()
        assert self._rules is not None
        if slots not in self._plans:
            self._plans[slots] = derive(self._rules, rule_slots=slots)
        return self._plans[slots]

    def now(self) -> datetime:
        return self.core.clock.now()

    def _lock(self, guild_id: int, user_id: int) -> asyncio.Lock:
        key = (guild_id, user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
            while len(self._locks) > _LOCKS_MAX:
                old_key, old = next(iter(self._locks.items()))
                if old.locked():
                    break
                del self._locks[old_key]
        return lock

    # -- triggers ---------------------------------------------------------------------------

    async def on_automod(self, *, guild_id: int, rule_id: int, matched_keyword: str | None, user_id: int,
                         channel_id: int | None, message_id: int | None) -> Alert | None:
        """An AutoMod execution: only the rule, the configured phrase and ids are used."""
        if await self.store.owns_rule(rule_id) != guild_id:
            return None  # someone else's AutoMod rule
        settings = await self.store.settings(guild_id)
        if not settings.automod:
            return None
        # Whatever the server's rule count, the plan for Discord's maximum knows its phrases.
        reason = self.plan(KEYWORD_RULES_MAX).rule_for(matched_keyword) or "automod"
        return await self.raise_alert(Trigger(guild_id, user_id, channel_id, message_id, "crisis", reason,
                                              "automod", matched_keyword))

    def watches(self, guild_id: int, channel_id: int) -> bool:
        return self.message_content and channel_id in self.channels.get(guild_id, ())

    async def on_message(self, *, guild_id: int, channel_id: int, message_id: int, author_id: int,
                         author_is_bot: bool, text: str, watched_channel_id: int | None = None) -> Alert | None:
        """Message mode: triage the text in memory; keep only the outcome. ``watched_channel_id`` is
        the channel a thread belongs to (the one an admin chose)."""
        watched = watched_channel_id or channel_id
        if author_is_bot or author_id == self.bot_user_id or not self.watches(guild_id, watched):
            return None
        actor = Actor(user_id=author_id, guild_id=guild_id, channel_id=channel_id)
        outcome = await self.core.screen(actor, text)
        if outcome is None or outcome.level != "crisis":
            return None
        layer = getattr(outcome, "layer", None)  # the layered triage names the deciding layer
        reason = "semantic" if layer == "semantic" else (outcome.rule or "crisis")
        return await self.raise_alert(Trigger(guild_id, author_id, channel_id, message_id, outcome.level,
                                              reason, "message"))

    async def raise_alert(self, trigger: Trigger) -> Alert | None:
        if trigger.user_id == self.bot_user_id:
            return None
        async with self._lock(trigger.guild_id, trigger.user_id):
            settings = await self.store.settings(trigger.guild_id)
            cooldown = timedelta(minutes=settings.cooldown_minutes)
            latest = await self.store.latest_for(trigger.guild_id, trigger.user_id)
            if latest is not None and latest.is_open and self.now() - latest.last_trigger_at < cooldown:
                await self.store.retrigger(latest.id, channel_id=trigger.channel_id, message_id=trigger.message_id,
                                           reason=trigger.reason, phrase=trigger.phrase)
                await self.store.audit(latest.id, trigger.guild_id, None, "repeat trigger")
                alert = await self.store.alert(latest.id)
                assert alert is not None
                if alert.card_message_id is None:
                    await self._post_card(alert)  # the first card could not be posted: try again
                else:
                    await self._refresh_card(alert)
                log.info("watch: repeat trigger on alert %d (%s)", alert.id, trigger.reason)
                return alert
            alert = await self.store.create(
                guild_id=trigger.guild_id, user_id=trigger.user_id, channel_id=trigger.channel_id,
                message_id=trigger.message_id, level=trigger.level, reason=trigger.reason, source=trigger.source,
                phrase=trigger.phrase, outreach="pending", dm_sent=False,
            )
            # The moderators' card and the member's DM go out together; the card then shows the DM's fate.
            outreach, card = await asyncio.gather(self._outreach(trigger, cooldown), self._post_card(alert, save=False))
            alert = await self.store.finish(alert, outreach, dm_sent=outreach == "sent", card=card)
            await self._refresh_card(alert)
            log.info("watch: alert %d raised (%s, %s, outreach %s)", alert.id, trigger.source, trigger.reason, outreach)
            return alert

    async def _outreach(self, trigger: Trigger, cooldown: timedelta) -> str:
        if await self.store.is_quiet(trigger.user_id):
            return "opted_out"
        last = await self.store.last_dm(trigger.guild_id, trigger.user_id)
        if last is not None and self.now() - last < cooldown:
            return "cooldown"
        actor = Actor(user_id=trigger.user_id, guild_id=trigger.guild_id)
        directory = self.care.directory
        if directory is None:
            lines = Reply()
        else:
            # Only the lines' fields go into the DM (no buttons), so no moderator button is asked for.
            lines = help_now_reply(directory.for_country(await self.care.country_for(actor)), can_alert=False)
        delivery = await self.core.outbox.to_member(trigger.user_id, cards.outreach_dm(lines, trigger.channel_id))
        return {Delivery.SENT: "sent", Delivery.DMS_CLOSED: "dms_closed"}.get(delivery, "failed")

    async def _post_card(self, alert: Alert, *, save: bool = True) -> tuple[int, int] | None:
        channel = (await self.core.guilds.get(alert.guild_id)).alert_channel_id
        if channel is None:
            log.warning("watch: alert %d in a server with no alert channel", alert.id)
            return None
        message_id = await self.core.outbox.post(channel, cards.alert_card(alert))
        if message_id is None:
            return None
        if save:
            await self.store.set_card(alert.id, channel, message_id)
        return channel, message_id

    async def _refresh_card(self, alert: Alert) -> None:
        if alert.card_channel_id is not None and alert.card_message_id is not None:
            await self.core.outbox.edit(alert.card_channel_id, alert.card_message_id, cards.alert_card(alert))

    # -- escalation -------------------------------------------------------------------------

    async def escalate_due(self) -> int:
        """Ping the on-call role once for each alert nobody claimed in time (one message per server
        and scan, so a raid is one ping, not thirty). Returns how many alerts were escalated."""
        due: dict[int, list[Alert]] = {}
        settings_of: dict[int, WatchSettings] = {}  # read once per server and scan
        for alert in await self.store.due_for_escalation(self.now() - timedelta(minutes=1)):
            if alert.guild_id not in settings_of:
                settings_of[alert.guild_id] = await self.store.settings(alert.guild_id)
            if self.now() - alert.created_at < timedelta(minutes=settings_of[alert.guild_id].escalate_minutes):
                continue
            if await self.store.mark_escalated(alert.id):
                await self.store.audit(alert.id, alert.guild_id, None, "escalated")
                due.setdefault(alert.guild_id, []).append(alert)
        for guild_id, alerts in due.items():
            settings = settings_of[guild_id]
            channel = alerts[0].card_channel_id or (await self.core.guilds.get(guild_id)).alert_channel_id
            if channel is not None:
                await self.core.outbox.post(channel, cards.escalation(alerts, settings.oncall_role_id,
                                                                     settings.escalate_minutes))
        return sum(len(a) for a in due.values())

    # -- moderators' buttons ----------------------------------------------------------------

    async def handle_button(self, actor: Actor, pressed: AlertAction, values: dict[str, str]) -> Reply:
        """A button of :data:`bot.watch.buttons.WATCH_IDS`, already parsed by its codec."""
        action, alert = pressed.action, await self.store.alert(pressed.alert)
        if alert is None or alert.guild_id != actor.guild_id:
            return Reply.text(STALE)
        if not await is_moderator(actor, self.core.guilds):
            return Reply.text(MODERATORS_ONLY)
        if action == "claim":
            if not await self.store.transition(alert.id, expect=("open",), state="claimed", actor_id=actor.user_id,
                                               action="claimed"):
                return Reply.text(self._taken(await self.store.alert(alert.id)))
            await self._audit_post(alert, actor, "is reaching out on")
            fresh = await self.store.alert(alert.id)
            assert fresh is not None
            reply = cards.alert_card(fresh)
            reply.update = True
            return reply
        if action == "resolve":
            if not alert.is_open:
                return Reply.text(self._taken(alert))
            return Reply(content=f"Mark safety alert #{alert.id} as resolved? Only do this once the member has "
                                 "been reached or is safe.",
                         buttons=[Button("Yes, it's resolved", ALERT_ACTION("resolved", alert.id), Style.SUCCESS),
                                  Button("Not yet", ALERT_ACTION("keep", alert.id))])
        if action == "keep":
            return Reply(content="Okay — the alert stays open.", update=True)
        if action in ("resolved", "false"):
            state = "resolved" if action == "resolved" else "false_alarm"
            if not await self.store.transition(alert.id, expect=("open", "claimed"), state=state,
                                               actor_id=actor.user_id, action=state.replace("_", " ")):
                return Reply.text(self._taken(await self.store.alert(alert.id)))
            if state == "false_alarm":
                await self.store.record_false_alarm(alert.guild_id, alert.reason, alert.phrase)
            await self._audit_post(alert, actor, "resolved" if state == "resolved" else "marked as a false alarm")
            fresh = await self.store.alert(alert.id)
            assert fresh is not None
            if action == "false":  # pressed on the card itself
                reply = cards.alert_card(fresh)
                reply.update = True
                return reply
            await self._refresh_card(fresh)
            return Reply(content=f"Thank you. Safety alert #{alert.id} is marked resolved.", update=True)
        return Reply.text(STALE)

    async def _audit_post(self, alert: Alert, actor: Actor, what: str) -> None:
        """One line in the server's audit channel: who did what to which alert — never the member."""
        channel = (await self.core.guilds.get(alert.guild_id)).audit_channel_id
        if channel is not None:
            await self.core.outbox.to_channel(channel, Reply(
                content=f"<@{actor.user_id}> {what} safety alert #{alert.id}.", ephemeral=False))

    @staticmethod
    def _taken(alert: Alert | None) -> str:
        if alert is None:
            return STALE
        if alert.state == "claimed" and alert.claimed_by is not None:
            return f"<@{alert.claimed_by}> is already reaching out on this one."
        if alert.state == "false_alarm":
            return "This alert was already marked as a false alarm."
        return f"This alert is already {cards.STATE.get(alert.state, alert.state).lower()}."

    # -- AutoMod sync -----------------------------------------------------------------------

    async def sync_guild(self, guild_id: int) -> SyncReport:
        """Create, repair or remove the bot's AutoMod rules for one server.

        A guard stops repairs that keep being undone (someone, or something, reverting the rules
        again and again): after ``REPAIRS_MAX`` changing syncs in ``REPAIR_WINDOW`` it reports instead.
        """
        recent = [t for t in self._repairs.get(guild_id, []) if self.now() - t < REPAIR_WINDOW]
        self._repairs[guild_id] = recent
        if len(recent) >= REPAIRS_MAX:
            report = SyncReport(problems=["The AutoMod rules keep being changed back, so I stopped repairing them "
                                          "for a few minutes. Please check the server's AutoMod settings."])
            self.reports[guild_id] = report
            await self._save_problems(guild_id, report)
            return report
        report = await self._sync_guild(guild_id)
        if report.created or report.updated or report.deleted:
            self._repairs[guild_id].append(self.now())
        return report

    async def _sync_guild(self, guild_id: int) -> SyncReport:
        report = SyncReport()
        self.reports[guild_id] = report
        port = self.automod
        settings = await self.store.settings(guild_id)
        if port is None:
            return report
        owned = await self.store.owned_rules(guild_id)
        if not settings.automod and not owned:
            await self._save_problems(guild_id, report)  # nothing to create or remove
            return report
        try:
            remote = await port.list_rules(guild_id)
        except AutomodForbidden:
            report.forbidden = True
            report.problems.append("I lack the **Manage Server** permission, so I can't manage AutoMod rules here.")
            await self._save_problems(guild_id, report)
            return report
        except AutomodRejected as exc:
            report.problems.append(f"Discord would not list this server's AutoMod rules ({exc.code}).")
            await self._save_problems(guild_id, report)
            return report
        by_id = {int(r["id"]): r for r in remote}
        for slot, rule_id in list(owned.items()):
            if rule_id not in by_id:  # deleted by a human: recreate below
                await self.store.disown_rule(guild_id, slot)
                del owned[slot]
        channel = settings.automod_channel_id or (await self.core.guilds.get(guild_id)).alert_channel_id
        wanted = self.core.settings.watch_automod_rules if settings.automod else 0
        plan = self.plan(free_slots(remote, set(owned.values()), wanted))
        if settings.automod and channel is None:
            report.problems.append("Set an alert channel first (`/setup alert_channel:`): AutoMod needs one.")
            plan = self.plan(0)
        if settings.automod and port.is_community(guild_id) is False:
            report.problems.append("This is not a Community server; Discord may not run AutoMod rules here.")
        for slot, spec in enumerate(plan.rules):
            assert channel is not None
            payload = payload_for(spec, channel)
            try:
                if slot in owned:
                    if same_rule(by_id[owned[slot]], payload):
                        report.unchanged += 1
                        continue
                    await port.edit_rule(guild_id, owned[slot], {k: v for k, v in payload.items() if k != "trigger_type"})
                    report.updated += 1
                else:
                    created = await port.create_rule(guild_id, payload)
                    await self.store.own_rule(guild_id, slot, int(created["id"]))
                    report.created += 1
                report.keywords += len(spec.keywords)
                report.regexes += len(spec.regexes)
            except AutomodRejected as exc:
                report.problems.append(f"Discord rejected “{spec.name}” ({exc.code}: {exc.detail}); the other rules are kept.")
            except AutomodForbidden:
                report.forbidden = True
                report.problems.append("I lack the **Manage Server** permission, so I can't manage AutoMod rules here.")
                break
        for slot in [s for s in owned if s >= len(plan.rules)]:
            try:
                await port.delete_rule(guild_id, owned[slot])
            except AutomodRejected as exc:
                report.problems.append(f"Could not remove an old rule ({exc.code}).")
                continue
            except AutomodForbidden:
                report.forbidden = True
                break
            await self.store.disown_rule(guild_id, slot)
            report.deleted += 1
        if settings.automod and channel is not None:
            report.left_out, report.partly = list(plan.left_out), list(plan.partly)
        await self._save_problems(guild_id, report)
        log.info("watch: AutoMod sync for a server: %d created, %d updated, %d removed, %d problem(s)",
                 report.created, report.updated, report.deleted, len(report.problems))
        return report

    async def _save_problems(self, guild_id: int, report: SyncReport) -> None:
        await self.store.update(guild_id, sync_problems="\n".join(report.problems) or None)
