"""Countries as members name them, from the one table in the resource directory, and a cooldown
on the moderator-alert button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.notify import Outbox
from bot.ui import Actor


@pytest.fixture
def admin(member: Actor) -> Actor:
    return Actor(user_id=222_222_222_222_222_222, display_name="Ada", guild_id=member.guild_id,
                 channel_id=member.channel_id, can_manage_guild=True)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("United Kingdom", "GB"), ("united kingdom", "GB"), ("UK", "GB"), ("u.k.", "GB"), ("GB", "GB"), ("gb", "GB"),
     ("England", "GB"), ("Australia", "AU"), ("USA", "US"), ("United States", "US"), ("the United States", "US"),
     ("ireland", "IE"), ("Éire", "IE"), ("EIRE", "IE"), ("new zealand", "NZ"), ("New  Zealand", "NZ"),
     ("Aotearoa", "NZ"), ("Canada", "CA"), ("United Kingdom (GB)", "GB"), ("United Kingdom (US)", None),
     ("the states", "US"), ("France", "FR"), ("Narnia", None), ("", None)],
)
async def test_every_way_of_naming_a_country(app: SupportApp, member: Actor, typed: str, code: str | None) -> None:
    assert app.care.directory is not None
    assert app.care.directory.resolve(typed) == code
    reply = await app.care.set_region(member, country=typed or "x")
    if code is None:
        assert "I don't recognise" in reply.all_text() and "United Kingdom" in reply.all_text()
        assert "Nothing was changed" in reply.all_text()
        assert await app.care.regions.get(member.user_id) is None
    else:
        assert "Saved" in reply.all_text()
        assert await app.care.regions.get(member.user_id) == code


async def test_a_member_in_a_country_without_lines_is_told_what_they_will_get(app: SupportApp, member: Actor,
                                                                              admin: Actor) -> None:
    """Saved, with the honest limits: no vetted lines for Germany, so 112 and the directory; and
    the crisis and /help-now replies then give 112, not the main countries' lines or 999."""
    saved = (await app.care.set_region(member, country="Deutschland")).all_text()
    assert "Saved: Germany" in saved and "I don't have vetted crisis lines in Germany yet" in saved
    assert "**112**" in saved and "Find A Helpline" in saved
    now = (await app.care.help_now(member)).all_text()
    assert "call 112" in now and "Find a line in Germany" in now
    assert "Samaritans" not in now and "999" not in now and "988" not in now
    outcome = await app.care.screen(member, "i want to kill myself")
    assert outcome is not None and outcome.level == "crisis"
    crisis = outcome.reply.all_text()
    assert "call 112 now" in crisis and "I don't have vetted crisis lines in Germany yet" in crisis
    assert "Samaritans" not in crisis and "Lifeline" not in crisis
    server = (await app.care.setup(admin, country="Germany")).all_text()
    assert "Saved" in server and "DE" in server and "will give members the emergency number **112**" in server
    india = (await app.care.set_region(member, country="India")).all_text()
    assert "Saved: India" in india and "call your local emergency number" in india
    assert "112" not in (await app.care.help_now(member)).all_text()


# The naming cases above are parsing: they run on SQLite only. The rest also on PostgreSQL.
@pytest.mark.both_backends
async def test_setup_and_the_triage_accept_names_too(app: SupportApp, admin: Actor, member: Actor) -> None:
    saved = await app.care.setup(admin, country="United Kingdom")
    assert "Saved" in saved.all_text() and "GB" in saved.all_text()
    refused = await app.care.setup(admin, country="Narnia")
    assert "nothing was changed" in refused.all_text()
    assert (await app.guilds.get(admin.guild_id)).default_country == "GB"
    assert app.care.directory is not None
    assert app.care.directory.for_country("Éire").country == "IE"


@pytest.mark.both_backends
async def test_autocomplete_finds_names_and_aliases(app: SupportApp, member: Actor) -> None:
    async def values(text: str) -> list[str]:
        return [c.value for c in await app.care.complete_country(member, text)]

    assert (await values("uk"))[0] == "GB"
    assert (await values("usa")) == ["US"]
    assert (await values("eir")) == ["IE"]
    assert (await values("zeal")) == ["NZ"]
    assert (await values("ireland"))[0] == "IE"
    assert len(await values("")) == 6


@pytest.mark.both_backends
async def test_alert_button_has_a_cooldown(app: SupportApp, admin: Actor, member: Actor, clock: ManualClock) -> None:
    outbox = Outbox()
    app.outbox = outbox
    await app.care.setup(admin, alert_channel=555)
    first = await app.router.dispatch(member, "care:alert")
    assert "let the moderators know" in first.all_text()
    for _ in range(14):
        again = await app.router.dispatch(member, "care:alert")
        assert "already know" in again.all_text()
    assert len(outbox.channel_posts) == 1
    clock.advance(timedelta(minutes=31))
    await app.router.dispatch(member, "care:alert")
    assert len(outbox.channel_posts) == 2


async def test_mydata_names_the_country_it_holds(app: SupportApp, member: Actor) -> None:
    await app.care.set_region(member, country="Holland")
    assert await app.care.describe_region(member.user_id) == "Your country for crisis lines: Netherlands (NL)."
