"""Domain errors: services raise types; one function renders them; every front end uses it."""

from __future__ import annotations

import io

import pytest

from bot.app import SupportApp
from bot.checkins.errors import CheckinsStopped, NotEnrolled, PauseLength, UnknownTimeZone, UnreadableTime
from bot.errors import Expired, InvalidInput, NotAllowed, SupportError, reply_for
from bot.permissions import NotAdmin, NotModerator, admins
from bot.ui import Actor


def test_every_refusal_renders_as_a_private_plain_reply() -> None:
    for error in (NotEnrolled(), CheckinsStopped(), PauseLength(), UnknownTimeZone("Atlantis"),
                  UnreadableTime("teatime"), NotAdmin(), NotModerator(), Expired()):
        reply = reply_for(error)
        assert reply.ephemeral and reply.content == error.text
        assert not reply.buttons and not reply.cards and not reply.files and reply.modal is None


def test_the_wording_members_read() -> None:
    assert reply_for(NotEnrolled()).content.startswith("You haven't started check-ins.")
    assert reply_for(PauseLength()).content == "A pause can last from 1 to 30 days."
    assert reply_for(UnreadableTime("teatime")).content == (
        "I couldn't read 'teatime' as a time. Try something like 8pm or 20:00.")
    assert "'Atlantis'" in reply_for(UnknownTimeZone("Atlantis")).content
    assert reply_for(NotAdmin()).content == "Only server admins (Manage Server) can change these settings."
    assert reply_for(Expired()).content == "That button has expired. Please run the command again."


def test_the_hierarchy_and_that_member_text_stays_out_of_the_exception() -> None:
    assert issubclass(NotAdmin, NotAllowed) and issubclass(NotModerator, NotAllowed)
    assert issubclass(UnknownTimeZone, InvalidInput) and issubclass(InvalidInput, SupportError)
    error = UnreadableTime("my secret words")
    assert "secret" not in str(error) and "secret" not in repr(error.args)  # logs show the type only
    assert "secret" in error.text


async def test_services_raise_types(app: SupportApp, member: Actor) -> None:
    with pytest.raises(NotEnrolled):
        await app.checkins.pause(member, days=3)
    with pytest.raises(UnknownTimeZone):
        await app.checkins.start(member, timezone="Middle Earth/Shire")
    with pytest.raises(UnreadableTime):
        await app.checkins.start(member, timezone="Europe/London", reminder="teatime")
    with pytest.raises(NotAdmin):
        await admins(member, app.guilds)
    with pytest.raises(NotAdmin):
        await app.care.setup(member, country="GB")


async def test_buttons_and_the_console_render_the_same_refusal(app: SupportApp, member: Actor, tmp_path) -> None:
    from bot.client import SupportBot
    from bot.console.session import Console, console_actor

    pressed = await app.router.dispatch(member, "ci:bare:2026-11-23")  # a reminder's button, never enrolled
    assert pressed.content == NotEnrolled.text and pressed.ephemeral
    bot = SupportBot(app)
    await bot.load_features()
    out = io.StringIO()
    console = Console(app, bot.tree, console_actor("dana"), out=out, files_dir=tmp_path)
    await console.handle("/checkin pause days:3")
    await console.handle("/setup country:GB")
    shown = " ".join(out.getvalue().split())  # the console wraps long lines
    assert NotEnrolled.text in shown and NotAdmin.text in shown
