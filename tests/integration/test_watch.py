"""Channel watch through the real app and database (no Discord): message mode, racing
moderators, /mydata, and the console's :post."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.client import SupportBot
from bot.clock import ManualClock
from bot.config import Settings
from bot.console.session import CONSOLE_GUILD_ID, Console, channel_id_for, console_actor
from bot.ui import Actor

pytestmark = pytest.mark.both_backends

GUILD = 900_000_000_000_000_001
ALERTS = 900_000_000_000_000_050
VENTING = 900_000_000_000_000_060
ADMIN = Actor(user_id=5, display_name="Ada", guild_id=GUILD, can_manage_guild=True)
MOD_A = Actor(user_id=6, display_name="Mia", guild_id=GUILD, can_manage_guild=True)
MOD_B = Actor(user_id=7, display_name="Max", guild_id=GUILD, can_manage_guild=True)
MEMBER = 111


@pytest.fixture
async def watch_app(settings: Settings, clock: ManualClock) -> AsyncIterator[SupportApp]:
    app = await SupportApp.open(settings.model_copy(update={"watch_message_content": True}), clock=clock)
    try:
        await app.care.setup(ADMIN, alert_channel=ALERTS, country="GB")
        await app.watch_commands.turn_on(ADMIN, mode="messages")
        await app.watch_commands.channel(ADMIN, channel=VENTING)
        yield app
    finally:
        await app.close()


async def post(app: SupportApp, text: str, *, author: int = MEMBER, message_id: int = 1, bot: bool = False):
    return await app.watch.on_message(guild_id=GUILD, channel_id=VENTING, message_id=message_id, author_id=author,
                                      author_is_bot=bot, text=text)


async def test_message_mode_raises_one_alert_with_outreach(watch_app: SupportApp) -> None:
    assert await post(watch_app, "lovely weather for a walk") is None
    assert await post(watch_app, "i want to end it all", bot=True) is None
    alert = await post(watch_app, "i want to end it all")
    assert alert is not None and alert.reason == "ending-life" and alert.outreach == "sent"
    assert alert == await watch_app.watch.store.alert(alert.id)  # what the flow returns is what is stored
    [(channel, card)] = watch_app.outbox.channel_posts
    assert channel == ALERTS and "end it all" not in card.all_text()
    [(member, dm)] = watch_app.outbox.member_posts
    assert member == MEMBER and "116 123" in dm.all_text()
    again = await post(watch_app, "nobody would miss me", message_id=2)
    assert again is not None and again.id == alert.id and again.triggers == 2
    assert len(watch_app.outbox.channel_posts) == 1 and len(watch_app.outbox.member_posts) == 1
    assert watch_app.outbox.edits  # the card was updated instead


async def test_message_mode_without_an_alert_channel_says_no_moderator_would_be_told(
        settings: Settings, clock: ManualClock) -> None:
    """Turned on before an alert channel is set, message mode DMs members but posts no card: the
    admin is told at once, and until an alert channel is set, status says so first."""
    app = await SupportApp.open(settings.model_copy(update={"watch_message_content": True}), clock=clock)
    try:
        turned_on = (await app.watch_commands.turn_on(ADMIN, mode="messages")).all_text()
        assert "No alert channel is set" in turned_on and "no moderator is told" in turned_on
        await app.care.setup(ADMIN, alert_channel=ALERTS)
        assert "No alert channel" not in (await app.watch_commands.status(ADMIN)).all_text()
    finally:
        await app.close()


async def test_two_moderators_claiming_at_once_only_one_wins(watch_app: SupportApp) -> None:
    alert = await post(watch_app, "i want to kill myself")
    assert alert is not None
    first, second = await asyncio.gather(
        watch_app.router.dispatch(MOD_A, f"watch:claim:{alert.id}"),
        watch_app.router.dispatch(MOD_B, f"watch:claim:{alert.id}"),
    )
    texts = [first.all_text(), second.all_text()]
    assert sum("already reaching out" in t for t in texts) == 1
    history = await watch_app.watch.store.history(alert.id)
    assert [a for _, a, _ in history] == ["claimed"]


async def test_mydata_shows_and_deletes_watch_data(watch_app: SupportApp) -> None:
    member = Actor(user_id=MEMBER, guild_id=GUILD)
    await watch_app.watch_commands.quiet(member)
    await post(watch_app, "i want to kill myself")
    shown = await watch_app.privacy.mydata(member)
    assert "Channel watch" in shown.all_text() and "1 safety alert" in shown.all_text()
    await watch_app.feature("watch").delete_member(MEMBER)
    assert await watch_app.watch.store.alerts_about(MEMBER) == 0
    assert not await watch_app.watch.store.is_quiet(MEMBER)


async def test_the_console_posts_as_a_member(app: SupportApp, tmp_path: Path) -> None:
    bot = SupportBot(app)
    await bot.load_features()
    out = io.StringIO()
    admin = Console(app, bot.tree, console_actor("ada", moderator=True), out=out, files_dir=tmp_path)
    for line in ("/setup alert_channel:#mod-alerts country:GB", "/safety-watch on mode:automod"):
        await admin.handle(line)
    member = Console(app, bot.tree, console_actor("bob"), out=out, files_dir=tmp_path)
    member.automod = admin.automod
    app.watch.automod = admin.automod
    start = len(out.getvalue())
    await member.handle(":post #general honestly i want to kill myself")
    printed = out.getvalue()[start:]
    assert "[direct message to member" in printed and "SAFETY ALERT #1" in printed
    assert "rule `ending-life`, via Discord AutoMod" in printed and "kill myself" not in printed.split("posted in")[1]
    assert f"/channels/{CONSOLE_GUILD_ID}/{channel_id_for('general')}/" in printed.replace("\n│   ", "")
    await member.handle(":post general no hash")
    assert "write :post #channel your message" in out.getvalue()


async def test_repairs_that_keep_being_undone_stop_and_are_reported(watch_app: SupportApp) -> None:
    from bot.console.automod import ConsoleAutomod

    port = ConsoleAutomod()
    watch_app.watch.automod = port
    await watch_app.watch_commands.turn_on(ADMIN, mode="both")
    assert port.rules[GUILD]
    reports = []
    for _ in range(12):
        port.rules[GUILD].clear()  # someone deletes them all, again and again
        reports.append(await watch_app.watch.sync_guild(GUILD))
    assert reports[0].created and not reports[-1].created
    assert "keep being changed back" in reports[-1].problems[0]
    status = await watch_app.watch_commands.status(ADMIN)
    assert "keep being changed back" in status.all_text()


async def test_escalation_of_many_alerts_is_one_ping(watch_app: SupportApp, clock: ManualClock) -> None:
    from datetime import timedelta

    await watch_app.watch_commands.configure(ADMIN, oncall_role=77, escalate_minutes=5)
    for member in range(200, 205):
        await post(watch_app, "i want to kill myself", author=member, message_id=member)
    before = len(watch_app.outbox.channel_posts)
    clock.advance(timedelta(minutes=6))
    assert await watch_app.watch.escalate_due() == 5
    assert await watch_app.watch.escalate_due() == 0
    [(channel, ping)] = watch_app.outbox.channel_posts[before:]
    assert channel == ALERTS and ping.ping_role == 77 and "5 safety alerts" in (ping.content or "")
