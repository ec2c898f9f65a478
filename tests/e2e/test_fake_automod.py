"""The fake's AutoMod behaves as Discord documents: limits, permissions, events, intents.

A plain discord.py client (not the bot) drives it, so these tests check the fake itself.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from .fake_automod import KEYWORD, SEND_ALERT_MESSAGE, FakeAutomod, keyword_regex
from .fake_discord import FakeDiscord, running_client

pytestmark = pytest.mark.e2e


class Listener(discord.Client):
    def __init__(self, intents: discord.Intents) -> None:
        super().__init__(intents=intents, guild_ready_timeout=0.01, max_messages=None)
        self.messages: list[discord.Message] = []
        self.actions: list[discord.AutoModAction] = []
        self.rule_events: list[str] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)

    async def on_automod_action(self, execution: discord.AutoModAction) -> None:
        self.actions.append(execution)

    async def on_automod_rule_delete(self, rule: discord.AutoModRule) -> None:
        self.rule_events.append("delete")


def rule_body(channel_id: int, **meta: Any) -> dict[str, Any]:
    return {"name": "Community care 1", "event_type": 1, "trigger_type": KEYWORD,
            "trigger_metadata": {"keyword_filter": ["want to die*"], **meta},
            "actions": [{"type": SEND_ALERT_MESSAGE, "metadata": {"channel_id": str(channel_id)}}], "enabled": True}


@pytest.mark.parametrize(("word", "text", "hit"), [
    ("cat", "the cat sat", True), ("cat", "the cat.", False), ("cat", "concatenate", False),
    ("cat*", "catch", True), ("*cat", "bobcat", True), ("*cat*", "concatenate", True), ("cat", "CAT", True),
])
def test_keyword_strategies(word: str, text: str, hit: bool) -> None:
    assert bool(keyword_regex(word).search(text.casefold())) is hit


async def test_limits_permissions_events_and_intents(fake: FakeDiscord) -> None:
    guild = fake.guild("G", channels=["general", "alerts"])
    automod = FakeAutomod(fake)
    alice = fake.user("alice", guild=guild)
    boss = fake.user("boss", guild=guild, manage_guild=True)
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = intents.auto_moderation = True  # no message_content
    client = Listener(intents)
    alerts = guild.channel("alerts").id
    async with running_client(fake, client):
        route = discord.http.Route("POST", "/guilds/{guild_id}/auto-moderation/rules", guild_id=guild.id)
        with pytest.raises(discord.Forbidden) as denied:
            await client.http.request(route, json=rule_body(alerts))
        assert denied.value.code == 50013
        automod.grant_manage_guild(guild)
        for bad in ({"regex_patterns": ["(?=x)want"]}, {"keyword_filter": ["x" * 61]},
                    {"allow_list": [f"a{i}" for i in range(101)]}):
            with pytest.raises(discord.HTTPException) as rejected:
                await client.http.request(route, json=rule_body(alerts, **bad))
            assert rejected.value.status == 400
        fake.take_violations()  # the OpenAPI check also flagged the over-long lists
        rule = await client.http.request(route, json=rule_body(alerts, allow_list=["want to die for"]))
        for _ in range(5):
            await client.http.request(route, json=rule_body(alerts))
        with pytest.raises(discord.HTTPException) as seventh:
            await client.http.request(route, json=rule_body(alerts))
        assert seventh.value.code == 30035
        patch = discord.http.Route("PATCH", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}",
                                   guild_id=guild.id, rule_id=rule["id"])
        with pytest.raises(discord.HTTPException):
            await client.http.request(patch, json={"trigger_type": 3})

        await automod.post(alice, guild.channel("general"), "this cake is to die for")  # allow list
        await automod.post(boss, guild.channel("general"), "i want to die")  # Manage Server: exempt
        message = await automod.post(alice, guild.channel("general"), "I want to die.")
        await fake.wait_until(lambda: len(client.actions) >= 6 and len(client.messages) == 3, timeout=5)
        assert {m.content for m in client.messages} == {""}  # no message_content intent
        action = client.actions[0]
        assert action.matched_keyword == "want to die*" and action.content == "" and action.matched_content is None
        assert action.message_id == message.id and action.user_id == alice.id
        assert all(a.user_id == alice.id for a in client.actions)

        await automod.human_delete(guild, int(rule["id"]))
        await fake.wait_until(lambda: client.rule_events == ["delete"], timeout=5)
    fake.assert_clean()
