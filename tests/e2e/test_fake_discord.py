"""Self-tests of the fake Discord, driven by a tiny real discord.py client.

The tiny client below stands in for the real bot: it has commands with an autocomplete option,
a subcommand group, a button, a modal, a defer + followup, a DM, a file and a few deliberately
bad payloads. Everything goes through discord.py's real HTTP and gateway code.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands

from .fake_discord import (
    BotCrashed,
    FakeDiscord,
    FakeFile,
    FakeGuild,
    FakeUser,
    running_client,
    start_fake_process,
)
from .openapi_validator import get_validator

pytestmark = pytest.mark.e2e

WORDS = ["exercise", "exhaustion", "sleep", "stretching", "pacing", "heat", "ice"]


# --------------------------------------------------------------------------------------------------
# The tiny client
# --------------------------------------------------------------------------------------------------


class FeedbackModal(discord.ui.Modal, title="How are you doing?"):
    feeling = discord.ui.TextInput(label="Feeling", custom_id="feeling", max_length=100)
    notes = discord.ui.Label(
        text="Notes",
        component=discord.ui.TextInput(custom_id="notes", style=discord.TextStyle.paragraph, required=False),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        notes = self.notes.component.value  # type: ignore[union-attr]
        await interaction.response.send_message(
            f"thanks: {self.feeling.value} / {notes or '-'}", ephemeral=True
        )


class YesView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.add_item(discord.ui.Button(label="Read more", url="https://example.org/pacing"))

    @discord.ui.button(label="Yes", custom_id="tiny:yes", style=discord.ButtonStyle.success)
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"{interaction.user.name} said yes", view=None)

    @discord.ui.button(label="Tell me", custom_id="tiny:tell")
    async def tell(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(FeedbackModal())


class MoodSelect(discord.ui.View):
    @discord.ui.select(
        custom_id="tiny:mood",
        options=[discord.SelectOption(label=m, value=m) for m in ("calm", "sore", "tired")],
        max_values=2,
    )
    async def mood(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.send_message("moods: " + ",".join(select.values), ephemeral=True)


class TinyBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.01,
        )
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []  # what reached the tree's error handler
        self.caught: list[BaseException] = []  # what commands caught themselves
        self._add_commands()

        @self.tree.error
        async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
            self.errors.append(getattr(error, "original", error))

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # no 5 s pause before a re-IDENTIFY

    async def setup_hook(self) -> None:
        await self.tree.sync()

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Echo a word")
        @app_commands.describe(text="a word")
        async def ping(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(f"pong: {text}", ephemeral=True)

        @ping.autocomplete("text")
        async def ping_text(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=w, value=w) for w in WORDS if w.startswith(current.lower())]

        checkin = app_commands.Group(name="checkin", description="Check-ins")

        @checkin.command(name="log", description="Log today")
        async def checkin_log(
            interaction: discord.Interaction,
            pain: app_commands.Range[int, 0, 10],
            note: str | None = None,
            rested: bool = False,
            hours: float = 0.0,
        ) -> None:
            await interaction.response.send_message(
                f"logged pain={pain!r} note={note!r} rested={rested!r} hours={hours!r}", ephemeral=True
            )

        tree.add_command(checkin)

        @tree.command(description="Ask yes or no")
        async def ask(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Do you want tips?", view=YesView())

        @tree.command(description="Open a form")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="Think, then answer")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0.01)
            await interaction.followup.send("done slowly")
            await interaction.followup.send("and one more thing", ephemeral=True)

        @tree.command(description="Think in public, then answer 'privately'")
        async def think(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("this was meant to be private", ephemeral=True)

        @tree.command(description="DM me")
        async def dm(interaction: discord.Interaction) -> None:
            try:
                await interaction.user.send("hello in your DMs")
            except discord.Forbidden as exc:
                self.caught.append(exc)
                await interaction.response.send_message("your DMs are closed", ephemeral=True)
                return
            await interaction.response.send_message("sent you a DM", ephemeral=True)

        @tree.command(description="Send a file")
        async def report(interaction: discord.Interaction) -> None:
            file = discord.File(io.BytesIO(b"day,pain\n1,4\n"), filename="report.csv")
            embed = discord.Embed(title="Your week", description="attached")
            await interaction.response.send_message("here it is", file=file, embed=embed, ephemeral=True)

        @tree.command(description="Post in the channel")
        async def post(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True)
            assert interaction.channel is not None
            await interaction.channel.send("a note for everyone")  # type: ignore[union-attr]
            await interaction.edit_original_response(content="posted")

        @tree.command(description="A bad embed")
        async def bad(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=discord.Embed(title="x" * 300))

        @tree.command(description="Ping everyone")
        async def shout(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                "hello everyone", allowed_mentions=discord.AllowedMentions(everyone=True)
            )

        @tree.command(description="Point at things")
        async def point(
            interaction: discord.Interaction,
            who: discord.Member,
            role: discord.Role,
            where: discord.TextChannel,
            proof: discord.Attachment | None = None,
        ) -> None:
            data = await proof.read() if proof else b""
            await interaction.response.send_message(
                f"{who.display_name} {role.name} #{where.name} {data.decode()}",
                view=MoodSelect(),
                ephemeral=True,
            )

        @tree.command(description="Moderators only")
        @app_commands.default_permissions(manage_guild=True)
        async def settings(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("settings", ephemeral=True)


# --------------------------------------------------------------------------------------------------
# Fixtures (thin wrappers around reusable helpers in fake_discord)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        server.guild("Support Group", channels=["general", "check-ins"], roles={"mods": 1 << 5})
        yield server
        server.assert_clean()


@pytest.fixture
def guild(fake: FakeDiscord) -> FakeGuild:
    return fake.default_guild


@pytest.fixture
def alice(fake: FakeDiscord, guild: FakeGuild) -> FakeUser:
    return fake.user("alice", guild=guild)


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[TinyBot]:
    client = TinyBot()
    async with running_client(fake, client) as runner:
        assert runner.ready_after is not None and runner.ready_after < 1.0, runner.ready_after
        yield client
    assert not client.errors, client.errors


# --------------------------------------------------------------------------------------------------
# Login, sync, ready
# --------------------------------------------------------------------------------------------------


async def test_login_sync_and_ready(fake: FakeDiscord, bot: TinyBot) -> None:
    keys = [r.key for r in fake.requests]
    assert keys[:3] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        f"PUT /applications/{fake.application_id}/commands",
    ]
    assert {c["name"] for c in fake.global_commands} >= {"ping", "checkin", "ask", "feedback", "slow", "dm"}
    assert fake.identify_count == 1 and fake.resume_count == 0
    assert fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert bot.user is not None and bot.user.id == fake.bot_user.id
    guild = bot.get_guild(fake.default_guild.id)
    assert guild is not None and {c.name for c in guild.text_channels} == {"general", "check-ins"}
    assert guild.get_role(fake.default_guild.role("mods").id) is not None

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.url}/api/v10/users/@me", headers={"Authorization": "Bot x"}) as resp:
            assert resp.headers["Content-Type"] == "application/json"
            assert int(resp.headers["X-RateLimit-Remaining"]) > 1
        async with session.get(f"{fake.url}/api/v10/guilds/1/bans") as resp:
            assert resp.status == 404
            assert resp.headers["Content-Type"] == "application/json"
    assert [r.path for r in fake.unexpected] == ["/api/v10/guilds/1/bans"]
    fake.unexpected.clear()


async def test_fake_answers_match_discords_response_schemas(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    await fake.slash("ask", user=alice)
    await fake.slash("post", user=alice)
    validator = get_validator()
    checked = 0
    for rec in fake.requests:
        if rec.status == 200 and rec.route and not rec.route.startswith("/interactions"):
            errors = validator.validate_response(rec.method, rec.path, rec.status, rec.response)
            assert not errors, (rec.key, errors)
            checked += 1
    assert checked >= 4


# --------------------------------------------------------------------------------------------------
# Slash commands, autocomplete, buttons, modals
# --------------------------------------------------------------------------------------------------


async def test_slash_with_subcommand_and_typed_options(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    result = await fake.slash("checkin log", pain=5, note="hi", rested=True, hours=7.5, user=alice)
    assert result.content == "logged pain=5 note='hi' rested=True hours=7.5"
    assert result.ephemeral
    group = result.payload["data"]["options"][0]
    assert group["type"] == 1 and group["name"] == "log"
    assert {o["name"]: (o["type"], o["value"]) for o in group["options"]} == {
        "pain": (4, 5),
        "note": (3, "hi"),
        "rested": (5, True),
        "hours": (10, 7.5),
    }
    assert result.latency is not None and result.latency >= 0  # recorded; speed lives in bench/
    with pytest.raises(ValueError, match="maximum"):
        await fake.slash("checkin log", pain=11, user=alice)
    with pytest.raises(LookupError, match="no option"):
        await fake.slash("checkin log", pian=1, user=alice)
    with pytest.raises(ValueError, match="needs a subcommand"):
        await fake.slash("checkin", user=alice)


async def test_autocomplete_and_ephemeral_reply(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    choices = await fake.autocomplete("ping", "text", "ex", user=alice)
    assert choices.names == ["exercise", "exhaustion"]
    focused = choices.result.payload["data"]["options"][0]
    assert focused == {"type": 3, "name": "text", "value": "ex", "focused": True}
    result = await fake.slash("ping", text=choices.values[0], user=alice)
    assert result.content == "pong: exercise"
    assert result.ephemeral and result.callback_type == 4
    assert result.payload["member"]["user"]["username"] == "alice"


async def test_button_click_updates_the_message(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    asked = await fake.slash("ask", user=alice)
    assert asked.content == "Do you want tips?" and not asked.ephemeral
    buttons = {c.label: c for c in asked.components}
    assert buttons["Yes"].custom_id == "tiny:yes" and buttons["Yes"].style == 3
    assert buttons["Read more"].url == "https://example.org/pacing" and buttons["Read more"].custom_id is None
    clicked = await fake.click(asked, "tiny:yes", user=alice)
    assert clicked.callback_type == 7
    assert clicked.content == "alice said yes" and clicked.components == []
    assert asked.content == "alice said yes"  # the same message, edited
    assert asked.message is not None and asked.message.edits == 1
    with pytest.raises(LookupError):
        await fake.click(asked, "tiny:yes", user=alice)  # the view is gone


async def test_modal_round_trip(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    opened = await fake.slash("feedback", user=alice)
    assert opened.modal is not None and opened.modal.title == "How are you doing?"
    assert [(f.custom_id, f.required, f.in_label) for f in opened.modal.fields] == [
        ("feeling", True, False),
        ("notes", False, True),
    ]
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(opened, {"notes": "x"})
    submitted = await fake.submit_modal(opened, {"feeling": "tired", "notes": "slept badly"})
    assert submitted.content == "thanks: tired / slept badly" and submitted.ephemeral

    asked = await fake.slash("ask", user=alice)
    from_button = await fake.click(asked, label="Tell me")
    assert from_button.modal is not None
    done = await fake.submit_modal(from_button, {"feeling": "ok"})
    assert done.content == "thanks: ok / -"
    assert done.payload["message"]["id"] == str(asked.message.id)  # type: ignore[union-attr]


async def test_defer_then_followups(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("slow", user=alice)
    assert result.deferred and result.callback_type == 5
    assert result.content == "done slowly" and result.ephemeral
    followups = await result.wait_for_followups(1)
    assert [m.content for m in followups] == ["and one more thing"]
    assert "done slowly" in result.text and "one more thing" in result.text
    # The first followup took Discord's deprecated path: the fake reports it, once.
    assert [v.schema for v in fake.take_violations()] == ["deprecated"]


async def test_first_followup_after_a_defer_ignores_its_flags(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("think", user=alice)
    assert result.content == "this was meant to be private"
    assert not result.ephemeral and result.followups == []  # it edited the public loading message
    violations = fake.take_violations()
    assert len(violations) == 1 and "deprecated" in violations[0].errors[0]


async def test_deferred_answer_by_editing_the_original_is_clean(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("post", user=alice)
    assert result.content == "posted" and result.ephemeral
    assert [r.method for r in result.requests if "/webhooks/" in r.path] == ["PATCH"]
    assert fake.take_violations() == []


async def test_entity_options_select_menu_and_dm_context(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser, guild: FakeGuild
) -> None:
    bob = fake.user("bob", guild=guild)
    result = await fake.slash(
        "point",
        who=bob,
        role=guild.role("mods"),
        where=guild.channel("check-ins"),
        proof=FakeFile("proof.txt", b"yes"),
        user=alice,
    )
    assert result.content == "bob mods #check-ins yes"
    assert set(result.payload["data"]["resolved"]) == {"users", "members", "roles", "channels", "attachments"}
    with pytest.raises(ValueError, match=r"takes 1\.\.2 values"):
        await fake.click(result, "tiny:mood", values=["calm", "sore", "tired"])
    picked = await fake.click(result, "tiny:mood", values=["calm", "tired"])
    assert picked.content == "moods: calm,tired"
    with pytest.raises(PermissionError, match="ephemeral"):
        await fake.click(result, "tiny:mood", values=["calm"], user=bob)

    in_dm = await fake.slash("ping", text="private", user=alice, dm=True)
    assert in_dm.content == "pong: private" and "member" not in in_dm.payload
    assert in_dm.channel.is_dm and in_dm.payload["context"] == 1


async def test_file_attachment_is_recorded(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("report", user=alice)
    assert result.content == "here it is"
    assert [(f.filename, f.data) for f in result.files] == [("report.csv", b"day,pain\n1,4\n")]
    assert result.embeds[0]["title"] == "Your week"
    callback = result.requests[0]
    assert (
        callback.content_type == "multipart/form-data" and callback.json["data"]["attachments"][0]["id"] == 0
    )
    attachment = result.message.raw["attachments"][0]  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session, session.get(attachment["url"]) as resp:
        assert await resp.read() == b"day,pain\n1,4\n"


async def test_channel_message_and_edit_original(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("post", user=alice)
    assert result.content == "posted"
    channel = fake.default_guild.channel()
    assert [m.content for m in fake.messages_in(channel)] == ["a note for everyone"]


async def test_member_permissions_hide_commands(fake: FakeDiscord, bot: TinyBot, guild: FakeGuild) -> None:
    bob = fake.user("bob", guild=guild)
    with pytest.raises(PermissionError):
        await fake.slash("settings", user=bob)
    mod = fake.user("mod", guild=guild, roles=["mods"])
    assert (await fake.slash("settings", user=mod)).content == "settings"
    admin = fake.user("admin", guild=guild, admin=True)
    result = await fake.slash("settings", user=admin)
    assert int(result.payload["member"]["permissions"]) & 8


# --------------------------------------------------------------------------------------------------
# DMs
# --------------------------------------------------------------------------------------------------


async def test_dm_sent_and_closed_dms_are_forbidden(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    result = await fake.slash("dm", user=alice)
    assert result.content == "sent you a DM"
    assert [m.content for m in fake.dms_for(alice)] == ["hello in your DMs"]

    fake.set_dms_closed(alice)
    result = await fake.slash("dm", user=alice)
    assert result.content == "your DMs are closed"
    assert len(bot.caught) == 1
    error = bot.caught[0]
    assert isinstance(error, discord.Forbidden) and error.code == 50007
    assert len(fake.dms_for(alice)) == 1


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


async def test_openapi_violation_is_caught_and_rejected(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    result = await fake.slash("bad", user=alice, wait=False)
    await fake.wait_until(lambda: bool(bot.errors), what="the command error")
    violations = fake.take_violations()
    assert (
        len(violations) == 1
        and "embeds[0].title" in str(violations[0])
        and "300 characters" in str(violations[0])
    )
    error = bot.errors.pop()
    assert isinstance(error, discord.HTTPException) and error.status == 400 and error.code == 50035
    assert "data.embeds.0.title" in error.text
    assert not result.acknowledged


async def test_mentions_must_be_suppressed(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    await fake.slash("shout", user=alice)
    taken = fake.take_mention_violations()
    assert len(taken) == 1 and taken[0].allowed_mentions == {"parse": ["everyone"]}
    await fake.slash("ping", text="hi", user=alice)
    assert fake.mention_violations == []


GOOD_CALLBACKS = [
    {"type": 4, "data": {"content": "hi", "flags": 64, "allowed_mentions": {"parse": [], "users": [1]}}},
    {"type": 5, "data": {"flags": 64}},
    {"type": 6},
    {"type": 7, "data": {"content": None, "embeds": [], "components": []}},
    {"type": 8, "data": {"choices": [{"name": str(i), "value": str(i)} for i in range(25)]}},
    {"type": 8, "data": {"choices": [{"name": "one", "value": 1}]}},
    {
        "type": 4,
        "data": {
            "embeds": [{"title": "t" * 256, "url": "https://a.b", "timestamp": "2026-01-01T00:00:00+00:00"}]
        },
    },
    {
        "type": 4,
        "data": {
            "components": [
                {"type": 1, "components": [{"type": 2, "style": 5, "label": "x", "url": "https://a.b"}]}
            ]
        },
    },
    {
        "type": 9,
        "data": {
            "custom_id": "m",
            "title": "T",
            "components": [
                {"type": 18, "label": "L", "component": {"type": 4, "style": 1, "custom_id": "f"}}
            ],
        },
    },
]
BAD_CALLBACKS = [
    ({"type": 4, "data": {"embeds": [{"title": "x" * 300}]}}, "embeds[0].title"),
    ({"type": 8, "data": {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}}, "26 items"),
    (
        {
            "type": 4,
            "data": {
                "components": [
                    {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "c" * 101}]}
                ]
            },
        },
        "custom_id",
    ),
    ({"type": 4, "data": {"content": "x" * 2001}}, "content"),
    (
        {
            "type": 9,
            "data": {
                "custom_id": "m",
                "title": "T" * 46,
                "components": [
                    {"type": 1, "components": [{"type": 4, "style": 1, "custom_id": "f", "label": "L"}]}
                ],
            },
        },
        "title",
    ),
    (
        {
            "type": 4,
            "data": {"components": [{"type": 1, "components": [{"type": 2, "style": 5, "label": "x"}]}]},
        },
        "needs a url",
    ),
    ({"type": 4, "data": {"embeds": [{"description": "d" * 4096}, {"description": "d" * 2000}]}}, "6000"),
    ({"type": 4, "data": {"embeds": [{"url": "not a url"}]}}, "uri"),
    ({"type": 3}, "type"),
]


@pytest.mark.parametrize("body", GOOD_CALLBACKS)
def test_validator_accepts_good_callbacks(body: dict) -> None:
    assert get_validator().validate_request("POST", "/api/v10/interactions/1/tok/callback", body).errors == []


@pytest.mark.parametrize(("body", "needle"), BAD_CALLBACKS)
def test_validator_rejects_bad_callbacks(body: dict, needle: str) -> None:
    errors = get_validator().validate_request("POST", "/api/v10/interactions/1/tok/callback", body).errors
    assert errors and needle in " ".join(errors), errors


def test_validator_routes_and_other_bodies() -> None:
    v = get_validator()
    assert v.match("PATCH", "/api/v10/webhooks/1/t/messages/@original").template.endswith("@original")  # type: ignore[union-attr]
    assert v.match("GET", "/users/@me/channels") is not None
    assert v.validate_request("POST", "/users/@me/channels", {"recipient_id": "12"}).errors == []
    sync = [
        {"name": "faq", "description": "d", "type": 1, "default_member_permissions": "32", "contexts": None}
    ]
    assert v.validate_request("PUT", "/applications/1/guilds/2/commands", sync).errors == []
    bad_sync = [{"name": "faq", "description": "d" * 101}]
    assert v.validate_request("PUT", "/applications/1/commands", bad_sync).errors
    assert v.validate_request("POST", "/channels/1/messages", {"content": ""}).errors  # empty message
    assert v.validate_request("POST", "/nowhere", {}).errors


# --------------------------------------------------------------------------------------------------
# Gateway faults
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [1000, 1006, 4000])
async def test_gateway_close_resumes(fake: FakeDiscord, bot: TinyBot, alice: FakeUser, code: int) -> None:
    await fake.close_gateway(code)
    await fake.wait_for_resume(1)
    await fake.wait_connected()
    result = await fake.slash("ping", text="again", user=alice)
    assert result.content == "pong: again"
    assert fake.identify_count == 1 and fake.resume_count == 1


async def test_interaction_sent_while_disconnected_is_replayed(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    await fake.close_gateway(1006, hold=True)
    result = await fake.slash("ping", text="queued", user=alice, wait=False)
    await asyncio.sleep(0.05)
    assert result.dispatched_at is None and not result.acknowledged
    fake.release_gateway()
    await result.wait()
    assert result.content == "pong: queued" and fake.resume_count == 1 and fake.identify_count == 1


async def test_invalid_session_forces_a_fresh_identify(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    await fake.invalid_session(resumable=False)
    await fake.wait_for_identify(2)
    await fake.wait_connected()
    assert (await fake.slash("ping", text="new", user=alice)).content == "pong: new"
    assert fake.resume_count == 0


async def test_resumable_invalid_session_and_reconnect_resume(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    await fake.invalid_session(resumable=True)
    await fake.wait_for_resume(1)
    await fake.reconnect()
    await fake.wait_for_resume(2)
    assert (await fake.slash("ping", text="still", user=alice)).content == "pong: still"
    assert fake.identify_count == 1


async def test_zlib_stream_frames() -> None:
    async with FakeDiscord(zlib_stream=True) as server:
        server.guild("Support Group")
        client = TinyBot()
        async with running_client(server, client):
            assert server.gateway_log[0][2]["zlib"] is True
            assert (await server.slash("ping", text="zipped")).content == "pong: zipped"
            await server.close_gateway(4000)
            await server.wait_for_resume(1)
            assert (await server.slash("ping", text="again")).content == "pong: again"
        server.assert_clean()


async def test_a_crashed_client_fails_fast() -> None:
    async with FakeDiscord() as server:
        server.guild("Support Group")
        with pytest.raises(BotCrashed):  # raised by running_client at exit
            async with running_client(server, TinyBot()):
                await server.dispatch("INTERACTION_CREATE", {"id": "1", "type": 2})  # no token etc.
                with pytest.raises(BotCrashed, match="KeyError"):
                    await server.slash("ping", text="anyone there?")


# --------------------------------------------------------------------------------------------------
# REST faults
# --------------------------------------------------------------------------------------------------


async def test_429_on_callback_is_waited_out(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    fault = fake.rate_limit("POST /interactions/{id}/{token}/callback", retry_after=0.2)
    started = time.perf_counter()
    result = await fake.slash("ping", text="patient", user=alice)
    assert result.content == "pong: patient"
    assert time.perf_counter() - started >= 0.2
    assert fault.hits == 1 and [r.status for r in result.requests] == [429, 200]


async def test_500_on_followup_is_retried(fake: FakeDiscord, bot: TinyBot, alice: FakeUser) -> None:
    fault = fake.server_error("POST /webhooks/{app}/{token}")
    result = await fake.slash("slow", user=alice, timeout=5)
    assert result.content == "done slowly" and fault.hits == 1
    assert [r.status for r in result.requests if r.route == "/webhooks/{webhook_id}/{webhook_token}"][:2] == [
        500,
        200,
    ]
    assert {v.schema for v in fake.take_violations()} == {"deprecated"}


async def test_expired_interaction_surfaces_as_not_found(
    fake: FakeDiscord, bot: TinyBot, alice: FakeUser
) -> None:
    fake.expire_interactions()
    result = await fake.slash("ping", text="late", user=alice, wait=False)
    await fake.wait_until(lambda: bool(bot.errors), what="the command error")
    error = bot.errors.pop()
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert not result.acknowledged


# --------------------------------------------------------------------------------------------------
# The fake in its own process, driven over its control routes
# --------------------------------------------------------------------------------------------------


async def test_separate_process_with_control_channel() -> None:
    proc = await asyncio.to_thread(start_fake_process)
    try:
        client = TinyBot()
        async with proc.remote() as remote, running_client(proc.url, client):
            await remote.wait_for("connected")
            state = await remote.state()
            assert "ping" in state["global_commands"] and state["identify_count"] == 1
            answer = await remote.slash("ping", user="carol", options={"text": "far"})
            assert answer["content"] == "pong: far" and answer["ephemeral"]
            seen = await remote.interaction(answer["id"])
            assert seen["latency"] is not None and seen["callback_at"] >= seen["dispatched_at"]
            choices = await remote.autocomplete("ping", "text", "s", user="carol")
            assert [c["name"] for c in choices] == ["sleep", "stretching"]
            asked = await remote.slash("ask", user="carol")
            clicked = await remote.click(asked["id"], "tiny:yes")
            assert clicked["content"] == "carol said yes"
            await remote.close_gateway(1006)
            await remote.wait_for("resume")
            assert (await remote.slash("ping", user="carol", options={"text": "back"}))[
                "content"
            ] == "pong: back"
            problems = await remote.violations()
            assert problems == {"violations": [], "mention_violations": [], "unexpected": []}
    finally:
        assert await asyncio.to_thread(proc.stop) == 0
