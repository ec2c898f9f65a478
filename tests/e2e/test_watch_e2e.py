"""Channel watch end to end: the real bot and discord.py client against the fake Discord with AutoMod.

AutoMod mode: the bot creates its rules within Discord's limits, repairs them, and turns an
execution event into exactly one DM and one alert card without ever receiving the message text.
Message mode: chosen channels are triaged in memory, and neither the database nor the logs hold
the text. Then the moderators' flow: claim, resolve, false alarm, escalation, cooldown, the
member's opt-out, closed DMs, a missing permission, and other servers left alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.client import create_bot
from bot.clock import ManualClock

from .conftest import TOKEN, World, e2e_settings
from .fake_automod import AUTO_MODERATION_ACTION, MESSAGE_CONTENT, SEND_ALERT_MESSAGE, FakeAutomod
from .fake_discord import FakeDiscord, FakeMessage, running_client

pytestmark = pytest.mark.e2e

CRISIS = "honestly i want to kill myself tonight"
CRISIS_MESSAGE_MODE = "i just want to end it all, nobody would even notice"
BENIGN = "pacing helped me a lot this week, thanks all"


@dataclass
class WatchWorld(World):
    automod: FakeAutomod
    venting: object


@asynccontextmanager
async def started(tmp_path: Path, fake: FakeDiscord, *, message_content: bool = False,
                  manage_guild: bool = True, community: bool = True, setup: bool = True) -> AsyncIterator[WatchWorld]:
    guild = fake.guild("Fibro Friends", channels=["general", "venting", "mod-alerts", "mod-audit"],
                       roles=["Moderators", "On call"])
    guild.features = ["COMMUNITY"] if community else []  # type: ignore[attr-defined]
    automod = FakeAutomod(fake)
    automod.grant_manage_guild(guild, manage_guild)
    alice = fake.user("alice", guild=guild)
    bob = fake.user("bob", guild=guild)
    mod = fake.user("mia", guild=guild, roles=["Moderators"])
    admin = fake.user("ada", guild=guild, manage_guild=True)
    clock = ManualClock(datetime.now(UTC))
    settings = e2e_settings(tmp_path, fake, guild.id).model_copy(update={"watch_message_content": message_content})
    bot = await create_bot(settings, clock=clock)
    async with running_client(fake, bot, token=TOKEN):
        world = WatchWorld(fake, bot, guild, alice, bob, mod, admin, clock, automod, guild.channel("venting"))
        if setup:
            await fake.slash("setup", alert_channel=guild.channel("mod-alerts"),
                             moderator_role=guild.role("Moderators"), audit_channel=guild.channel("mod-audit"),
                             country="GB", user=admin)
        yield world
    fake.assert_clean()


def cards_in(world: World, channel_name: str = "mod-alerts") -> list[FakeMessage]:
    """The bot's own posts in a channel (not Discord's AutoMod system messages)."""
    channel = world.guild.channel(channel_name)
    return [m for m in world.fake.messages_in(channel)
            if int(m.raw["author"]["id"]) == world.fake.bot_user.id and m.raw["type"] != AUTO_MODERATION_ACTION]


def alert_cards(world: World) -> list[FakeMessage]:
    return [m for m in cards_in(world) if m.embeds and "Safety alert" in (m.embeds[0].get("title") or "")]


async def wait_cards(world: World, count: int = 1) -> list[FakeMessage]:
    """Wait for ``count`` cards, each showing what became of the member's DM (sent with the card)."""
    def ready() -> bool:
        found = alert_cards(world)
        return len(found) >= count and not any("Sending a private message" in json.dumps(c.embeds) for c in found)
    await world.fake.wait_until(ready, timeout=10)
    return alert_cards(world)


def database_bytes(folder: Path) -> bytes:
    """The database file and its journal, as stored on disk."""
    return b"".join(p.read_bytes() for p in folder.glob("e2e.sqlite3*"))


def frames_sent(fake: FakeDiscord) -> str:
    session = fake._session
    assert session is not None
    return "\n".join(frame for _, frame in session.events)


async def turn_on(world: WatchWorld, mode: str = "automod") -> str:
    result = await world.fake.slash("safety-watch on", mode=mode, user=world.admin)
    return result.text


# -- AutoMod mode ---------------------------------------------------------------------------------


async def test_rules_are_created_within_limits_and_repaired(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        foreign = world.automod.add_foreign_rule(world.guild)
        text = await turn_on(world)
        assert "Channel watch is on" in text and "phrases" in text
        ours = [r for r in world.automod.rules_in(world.guild) if r["id"] != foreign["id"]]
        assert 1 <= len(ours) <= 5  # the server's own rule keeps its slot
        for rule in ours:
            meta = rule["trigger_metadata"]
            assert rule["name"].startswith("Community care") and rule["enabled"]
            assert [a["type"] for a in rule["actions"]] == [SEND_ALERT_MESSAGE]  # never block or time out
            assert len(meta["keyword_filter"]) <= 1000 and all(len(k) <= 60 for k in meta["keyword_filter"])
            assert len(meta["regex_patterns"]) <= 10 and all(len(r) <= 260 for r in meta["regex_patterns"])
            assert len(meta["allow_list"]) <= 100
        assert world.automod.rules_in(world.guild)[0] == foreign  # untouched
        created = fake.requests_to(f"POST /guilds/{world.guild.id}/auto-moderation/rules")
        reasons = {r.headers.get("X-Audit-Log-Reason") for r in created}
        assert reasons == {"Keeping the community-care rules in sync"}  # neutral in the audit log

        deleted = ours[0]["id"]
        await world.automod.human_delete(world.guild, int(deleted))
        await fake.wait_until(lambda: len(world.automod.rules_in(world.guild)) == len(ours) + 1, timeout=10)
        assert deleted not in {r["id"] for r in world.automod.rules_in(world.guild)}

        edited = ours[1]["id"] if len(ours) > 1 else world.automod.rules_in(world.guild)[-1]["id"]
        before = list(world.automod.rules[world.guild.id][int(edited)]["trigger_metadata"]["keyword_filter"])
        await world.automod.human_edit(world.guild, int(edited), keyword_filter=["hello"], enabled=False)
        rule = world.automod.rules[world.guild.id][int(edited)]
        await fake.wait_until(lambda: rule["trigger_metadata"]["keyword_filter"] == before and rule["enabled"], timeout=10)


async def test_an_execution_gives_one_dm_and_one_card_without_the_bot_seeing_the_text(
        tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        assert not fake.identify_payloads[-1]["intents"] & MESSAGE_CONTENT
        message = await world.automod.post(world.alice, world.guild.channel("general"), CRISIS)
        assert message is not None
        [card] = await wait_cards(world)
        await fake.wait_until(lambda: len(fake.dms_for(world.alice)) == 1, timeout=5)
        embed = card.embeds[0]
        shown = json.dumps(embed)
        assert f"<@{world.alice.id}>" in shown
        assert f"/channels/{world.guild.id}/{world.guild.channel('general').id}/{message.id}" in shown
        assert "ending-life" in shown and "crisis" in shown
        assert "kill myself" not in shown.lower() and CRISIS not in shown
        assert {c.label for c in card.components} == {"I'm reaching out", "Resolved", "False alarm"}
        dm = fake.dms_for(world.alice)[0]
        assert "116 123" in dm.text and "/help-now" in dm.text and "/care quiet" in dm.text
        # The bot never received the text: not in any gateway frame, and no MESSAGE_CREATE at all.
        frames = frames_sent(fake)
        assert "AUTO_MODERATION_ACTION_EXECUTION" in frames and CRISIS not in frames
        # The server's own AutoMod rule firing is none of the bot's business.
        foreign = world.automod.add_foreign_rule(world.guild)
        await world.automod.post(world.bob, world.guild.channel("general"), "spoiler alert for the finale")
        assert any(e.rule_id == int(foreign["id"]) for e in world.automod.executions)
        assert '"t":"MESSAGE_CREATE"' not in frames.replace(" ", "")
        # Two actions in one message would be two events; one rule, one action: one card, one DM.
        assert len([e for e in world.automod.executions if e.user_id == world.alice.id]) == 1
        await world.app.db.execute("SELECT 1")  # let the bot handle what it has received
        assert len(alert_cards(world)) == 1 and len(fake.dms_for(world.alice)) == 1
        assert fake.dms_for(world.bob) == []


async def test_missing_manage_server_is_reported(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake, manage_guild=False) as world:
        text = await turn_on(world)
        assert "Manage Server" in text and "not a Community server" not in text
        setup = await fake.slash("setup", user=world.admin)
        assert "Manage Server" in setup.text
        assert world.automod.rules_in(world.guild) == []


async def test_a_server_that_is_not_a_community_is_told(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake, community=False) as world:
        text = await turn_on(world)
        assert "not a Community server" in text
        assert world.automod.rules_in(world.guild)  # the rules are still made: Discord decides


async def test_a_rule_discord_rejects_is_reported_and_the_rest_kept(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        fake.fail(f"POST /guilds/{world.guild.id}/auto-moderation/rules", 400, code=50035, times=1)
        text = await turn_on(world)
        assert "Discord rejected" in text and "the other rules are kept" in text
        assert len(world.automod.rules_in(world.guild)) >= 1
        fake.clear_faults()


async def test_other_servers_are_untouched(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        other = fake.guild("Back Pain Buddies", channels=["chat", "alerts"])
        world.automod.grant_manage_guild(other)
        carol = fake.user("carol", guild=other)
        other_admin = fake.user("otto", guild=other, manage_guild=True)
        await fake.wait_until(lambda: world.bot.get_guild(other.id) is not None, timeout=5)
        await turn_on(world)
        assert world.automod.rules_in(other) == []
        await world.automod.post(carol, other.channel("chat"), CRISIS)  # no rule there: nothing fires
        await world.automod.post(world.alice, world.guild.channel("general"), CRISIS)
        [card] = await wait_cards(world)
        assert fake.messages_in(other.channel("alerts")) == [] and fake.dms_for(carol) == []
        # An admin of the other server cannot act on this server's alert.
        refused = await fake.click(card, label="I'm reaching out", user=other_admin)
        assert refused.ephemeral and "Only moderators" in refused.text
        assert "Someone is reaching out" not in json.dumps(alert_cards(world)[0].embeds)
        assert await world.app.watch.store.settings(other.id) == type(await world.app.watch.store.settings(other.id))(other.id)


# -- the moderators' flow -----------------------------------------------------------------------


async def test_claim_resolve_and_false_alarm(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        await world.automod.post(world.alice, world.guild.channel("general"), CRISIS)
        [card] = await wait_cards(world)
        refused = await fake.click(card, label="I'm reaching out", user=world.bob)
        assert refused.ephemeral and "Only moderators" in refused.text
        claimed = await fake.click(card, label="I'm reaching out", user=world.mod)
        assert f"<@{world.mod.id}>" in json.dumps(claimed.embeds) and "Someone is reaching out" in json.dumps(claimed.embeds)
        second = await fake.click(card, label="Resolved", user=world.admin)
        assert second.ephemeral and "resolved?" in second.text
        done = await fake.click(second, label="Yes, it's resolved", user=world.admin)
        assert "marked resolved" in done.text
        await fake.wait_until(lambda: "Resolved" in json.dumps(alert_cards(world)[0].embeds), timeout=5)
        assert alert_cards(world)[0].components == []
        audit = [m.content for m in cards_in(world, "mod-audit")]
        assert audit == [f"<@{world.mod.id}> is reaching out on safety alert #1.",
                         f"<@{world.admin.id}> resolved safety alert #1."]
        history = await world.app.watch.store.history(1)
        assert [(who, what) for who, what, _ in history] == [(world.mod.id, "claimed"), (world.admin.id, "resolved")]

        world.clock.advance(timedelta(days=1))  # past the cooldown: a new alert
        await world.automod.post(world.bob, world.guild.channel("general"), "what's the lethal dose of tramadol")
        cards = await wait_cards(world, 2)
        misfire = await fake.click(cards[1], label="False alarm", user=world.mod)
        assert "False alarm" in json.dumps(misfire.embeds)
        report = await fake.slash("safety-watch report", user=world.admin)
        assert "lethality" in report.text and "lethal dose*" in report.text and ": 1" in report.text
        assert f"#1 claimed by <@{world.mod.id}>" in report.text and f"#2 false alarm by <@{world.mod.id}>" in report.text


async def test_escalation_pings_the_on_call_role_once(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        oncall = world.guild.role("On call")
        await fake.slash("safety-watch settings", oncall_role=oncall, escalate_minutes=10, user=world.admin)
        await world.automod.post(world.alice, world.guild.channel("general"), CRISIS)
        await wait_cards(world)
        world.clock.advance(timedelta(minutes=5))
        assert await world.app.watch.escalate_due() == 0
        world.clock.advance(timedelta(minutes=6))
        assert await world.app.watch.escalate_due() == 1
        assert await world.app.watch.escalate_due() == 0
        pings = [m for m in cards_in(world) if f"<@&{oncall.id}>" in m.content]
        assert len(pings) == 1 and "nobody has said" in pings[0].content
        sent = [r for r in fake.requests_to(f"POST /channels/{world.guild.channel('mod-alerts').id}/messages")
                if f"<@&{oncall.id}>" in ((r.json or {}).get("content") or "")]
        assert sent[0].json["allowed_mentions"]["parse"] == []
        assert [int(r) for r in sent[0].json["allowed_mentions"]["roles"]] == [oncall.id]


async def test_repeat_triggers_update_one_card_and_send_one_dm(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        for text in (CRISIS, "i keep thinking about ending my life", "i want to kill myself"):
            await world.automod.post(world.alice, world.guild.channel("general"), text)
        await fake.wait_until(lambda: alert_cards(world) and "3 triggers" in json.dumps(alert_cards(world)[0].embeds),
                              timeout=5)
        assert len(alert_cards(world)) == 1 and len(fake.dms_for(world.alice)) == 1


async def test_opt_out_and_closed_dms(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        quiet = await fake.slash("care quiet", user=world.alice)
        assert quiet.ephemeral and "won't send you" in quiet.text
        fake.set_dms_closed(world.bob)
        await world.automod.post(world.alice, world.guild.channel("general"), CRISIS)
        await world.automod.post(world.bob, world.guild.channel("general"), CRISIS)
        cards = await wait_cards(world, 2)
        by_member = {next(f["value"] for f in c.embeds[0]["fields"] if f["name"] == "Member"): c for c in cards}
        assert "asked not to get them" in json.dumps(by_member[f"<@{world.alice.id}>"].embeds)
        assert "did not get a private message" in json.dumps(by_member[f"<@{world.bob.id}>"].embeds)
        assert fake.dms_for(world.alice) == [] and fake.dms_for(world.bob) == []


async def test_members_are_told_what_is_watched(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        before = await fake.slash("care privacy", user=world.alice)
        assert before.ephemeral and "off" in before.text
        await turn_on(world)
        after = await fake.slash("care privacy", user=world.alice)
        assert "AutoMod" in after.text and "never what you wrote" in after.text and "/care quiet" in after.text


# -- message mode ---------------------------------------------------------------------------------


async def test_message_mode_needs_the_operators_intent(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        text = await turn_on(world, "messages")
        assert "WATCH_MESSAGE_CONTENT" in text and "Nothing was changed" in text


async def test_message_mode_alerts_and_stores_no_text(tmp_path: Path, fake: FakeDiscord,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO, logger="discord")  # as in production (bot.logs): no payload dumps
    async with started(tmp_path, fake, message_content=True) as world:
        assert fake.identify_payloads[-1]["intents"] & MESSAGE_CONTENT
        await turn_on(world, "messages")
        await fake.slash("safety-watch channel", options={"channel": world.venting}, user=world.admin)
        await world.automod.post(world.alice, world.guild.channel("general"), CRISIS_MESSAGE_MODE)  # not watched
        await world.automod.post(world.bob, world.venting, BENIGN)
        helper = fake.user("otherbot", guild=world.guild, bot=True)
        await world.automod.post(helper, world.venting, CRISIS_MESSAGE_MODE)  # bots are never triaged
        message = await world.automod.post(world.alice, world.venting, CRISIS_MESSAGE_MODE)
        assert message is not None
        [card] = await wait_cards(world)
        shown = json.dumps(card.embeds)
        assert f"<@{world.alice.id}>" in shown and str(message.id) in shown and "message check" in shown
        assert "end it all" not in shown
        await world.bot.app.db.execute("PRAGMA wal_checkpoint(FULL)")
        stored = database_bytes(tmp_path)
        for phrase in (CRISIS_MESSAGE_MODE, "end it all", "nobody would even notice", BENIGN, "pacing helped"):
            assert phrase.encode() not in stored, phrase
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "end it all" not in logged and "pacing helped" not in logged
        assert len(alert_cards(world)) == 1


async def test_a_raid_gives_one_card_per_member_and_nothing_is_dropped_silently(tmp_path: Path,
                                                                               fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        raiders = [fake.user(f"raider{i}", guild=world.guild) for i in range(8)]
        general = world.guild.channel("general")
        for round_ in range(5):
            for user in raiders:
                await world.automod.post(user, general, f"{CRISIS} {round_}")
        cards = await wait_cards(world, len(raiders))

        def triggers() -> int:
            return sum(int(next((f["value"].split()[0] for f in c.embeds[0]["fields"] if f["name"] == "Repeats"), 1))
                       for c in alert_cards(world))
        await fake.wait_until(lambda: triggers() == 40, timeout=10)
        assert len(cards) == len(alert_cards(world)) == 8
        assert all(len(fake.dms_for(u)) == 1 for u in raiders)


async def test_a_burst_beyond_the_queue_is_reported(tmp_path: Path, fake: FakeDiscord) -> None:
    guild = fake.guild("Tiny", channels=["general", "mod-alerts"])
    automod = FakeAutomod(fake)
    automod.grant_manage_guild(guild)
    admin = fake.user("ada", guild=guild, manage_guild=True)
    settings = e2e_settings(tmp_path, fake, guild.id).model_copy(update={"watch_queue_max": 3})
    bot = await create_bot(settings, clock=ManualClock(datetime.now(UTC)))
    async with running_client(fake, bot, token=TOKEN):
        await fake.slash("setup", alert_channel=guild.channel("mod-alerts"), user=admin)
        await fake.slash("safety-watch on", user=admin)
        members = [fake.user(f"m{i}", guild=guild) for i in range(60)]
        await asyncio.gather(*(automod.post(m, guild.channel("general"), CRISIS) for m in members))
        alerts = guild.channel("mod-alerts")

        def accounted() -> tuple[int, int]:
            posts = [m for m in fake.messages_in(alerts) if int(m.raw["author"]["id"]) == fake.bot_user.id]
            cards = sum(1 for m in posts if m.embeds and "Safety alert" in (m.embeds[0].get("title") or ""))
            missed = sum(int(re.search(r"could not check (\d+)", m.content).group(1))
                         for m in posts if "could not check" in m.content)
            return cards, missed
        await fake.wait_until(lambda: sum(accounted()) == 60, timeout=15)
        cards, missed = accounted()
        assert missed > 0 and cards + missed == 60
    fake.assert_clean()


async def test_rules_deleted_while_the_bot_was_away_are_repaired_at_start(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake) as world:
        await turn_on(world)
        count = len(world.automod.rules_in(world.guild))
        guild, automod = world.guild, world.automod
    for rule in automod.rules_in(guild):  # deleted while the bot was offline: no event reaches it
        del automod.rules[guild.id][int(rule["id"])]
    bot = await create_bot(e2e_settings(tmp_path, fake, guild.id), clock=ManualClock(datetime.now(UTC)))
    async with running_client(fake, bot, token=TOKEN):
        await fake.wait_until(lambda: len(automod.rules_in(guild)) == count, timeout=10)
    fake.assert_clean()


async def test_message_mode_checks_edits(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake, message_content=True) as world:
        await turn_on(world, "messages")
        await fake.slash("safety-watch channel", options={"channel": world.venting}, user=world.admin)
        message = await world.automod.post(world.alice, world.venting, BENIGN)
        assert message is not None
        await world.automod.edit(world.alice, message, CRISIS_MESSAGE_MODE)
        [card] = await wait_cards(world)
        assert str(message.id) in json.dumps(card.embeds)


async def test_message_mode_alone_needs_no_manage_server(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake, message_content=True, manage_guild=False) as world:
        text = await turn_on(world, "messages")
        assert "Channel watch is on" in text and "Manage Server" not in text
        assert fake.requests_to(f"GET /guilds/{world.guild.id}/auto-moderation/rules") == []


async def test_turning_on_before_an_alert_channel_is_set_then_setting_it(tmp_path: Path, fake: FakeDiscord) -> None:
    async with started(tmp_path, fake, setup=False) as world:
        first = await turn_on(world)
        assert "Set an alert channel first" in first and "Left out" not in first
        assert world.automod.rules_in(world.guild) == []
        alerts = world.guild.channel("mod-alerts")
        done = await fake.slash("setup", options={"alert_channel": alerts}, user=world.admin)
        assert "Set an alert channel first" not in done.text and "phrases" in done.text
        rules = world.automod.rules_in(world.guild)
        assert rules and all(r["actions"][0]["metadata"]["channel_id"] == str(alerts.id) for r in rules)
