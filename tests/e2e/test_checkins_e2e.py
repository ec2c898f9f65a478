"""Check-ins end to end: opt-in with buttons, logging, stats with a PNG, CSV export, the reminder
DM with its one-tap button, closed DMs, and deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from .conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.both_backends]


async def opt_in(world: World, user, reminder: str | None = None) -> None:
    options = {"timezone": "Europe/London"}
    if reminder:
        options["reminder"] = reminder
    offer = await world.fake.slash("checkin start", user=user, options=options)
    assert offer.ephemeral
    agree = next(c for c in offer.components if c.label.startswith("I agree"))
    done = await world.fake.click(offer, agree.custom_id, user=user)
    assert "set up" in done.text


async def test_zone_autocomplete(world: World) -> None:
    choices = await world.fake.autocomplete("checkin start", "timezone", "london", user=world.alice)
    assert choices.values[0] == "Europe/London"


async def test_opt_in_log_stats_export_and_delete(world: World) -> None:
    offer = await world.fake.slash("checkin start", timezone="Europe/London", user=world.alice)
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 0
    decline = next(c for c in offer.components if c.label == "No thanks")
    assert "nothing was saved" in (await world.fake.click(offer, decline.custom_id, user=world.alice)).text
    await opt_in(world, world.alice)
    today = await world.fake.slash("checkin log", pain=6, fatigue=5, note="slow day", user=world.alice)
    assert today.ephemeral and "Saved your check-in for today" in today.text
    assert today.deferred  # a write may queue behind others: acknowledged at once, answered after the commit
    yesterday = await world.fake.slash("checkin log", day="yesterday", pain=4, user=world.alice)
    assert "2 days" in yesterday.text
    stats = await world.fake.slash("checkin stats", user=world.alice)
    assert stats.ephemeral and stats.files and stats.files[0].data.startswith(b"\x89PNG")
    assert any(e.get("image", {}).get("url") == "attachment://checkins.png" for e in stats.embeds)
    export = await world.fake.slash("checkin export", user=world.alice)
    assert export.ephemeral and export.files[0].filename.endswith(".csv")
    assert b"slow day" in export.files[0].data
    # Both deferred: the answer is an edit of the loading message (not Discord's deprecated
    # first-followup path, which the fake reports and which ignores the ephemeral flag).
    for deferred in (stats, export):
        assert deferred.deferred and deferred.followups == []
        assert [r.method for r in deferred.requests if "/webhooks/" in r.path] == ["PATCH"]
    pdf = await world.fake.slash("checkin export", format="pdf", notes=True, user=world.alice)
    assert pdf.ephemeral and pdf.files[0].filename.endswith(".pdf") and pdf.files[0].data.startswith(b"%PDF-")
    backfill = await world.fake.autocomplete("checkin log", "day", "yest", user=world.alice)
    assert len(backfill.values) == 1
    mydata = await world.fake.slash("mydata", user=world.alice)
    assert mydata.ephemeral and "Check-ins" in mydata.text
    ask = await world.fake.slash("mydata", action="delete", user=world.alice)
    confirm = next(c for c in ask.components if c.custom_id == "mydata:confirm")
    done = await world.fake.click(ask, confirm.custom_id, user=world.alice)
    assert "deleted" in done.text
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkins") == 0
    assert "don't store anything" in (await world.fake.slash("mydata", user=world.alice)).text


async def test_another_member_cannot_use_someone_elses_buttons(world: World) -> None:
    offer = await world.fake.slash("checkin start", timezone="Europe/London", user=world.alice)
    assert offer.ephemeral  # only alice sees it, so only alice can press it
    with pytest.raises(Exception):  # noqa: B017 - the fake refuses, as Discord's client would
        await world.fake.click(offer, offer.components[0].custom_id, user=world.bob)


async def test_stop_offers_deletion(world: World) -> None:
    await opt_in(world, world.bob)
    await world.fake.slash("checkin log", mood=3, user=world.bob)
    stop = await world.fake.slash("checkin stop", user=world.bob)
    delete = next(c for c in stop.components if c.custom_id == "ci:delete")
    await world.fake.click(stop, delete.custom_id, user=world.bob)
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 0


async def test_reminder_dm_and_its_one_tap_button(world: World) -> None:
    clock = world.clock
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(world, world.alice, reminder="20:00")
    clock.advance(timedelta(hours=8, minutes=1))
    result = await world.app.checkins.reminders.scan(clock.now())
    assert result.sent == 1
    dms = world.fake.dms_for(world.alice)
    assert len(dms) == 1 and "reminder" in dms[0].content
    button = dms[0].components[0]
    tapped = await world.fake.click(dms[0], button.custom_id, user=world.alice)
    assert "Checked in" in tapped.text
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkins") == 1


async def test_closed_dms_turn_reminders_off_without_a_crash(world: World) -> None:
    clock = world.clock
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(world, world.bob, reminder="20:00")
    world.fake.set_dms_closed(world.bob)
    clock.advance(timedelta(hours=8, minutes=1))
    result = await world.app.checkins.reminders.scan(clock.now())
    assert result.dms_closed == 1 and result.sent == 0
    told = await world.fake.slash("checkin log", pain=2, user=world.bob)
    assert "DMs" in told.text and "turned reminders off" in told.text


async def test_a_member_who_left_every_server_is_not_reminded_daily(world: World) -> None:
    clock = world.clock
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(world, world.bob, reminder="20:00")
    world.guild.remove_member(world.bob)  # no server shared with the bot: Discord answers 50278
    clock.advance(timedelta(hours=8, minutes=1))
    first = await world.app.checkins.reminders.scan(clock.now())
    assert first.dms_closed == 1 and first.sent == 0
    attempts = len(world.fake.requests_to("POST /channels/{channel_id}/messages"))
    clock.advance(timedelta(days=1))
    second = await world.app.checkins.reminders.scan(clock.now())
    assert second.sent == 0 and second.dms_closed == 0  # reminders are off: no failing DM tomorrow
    assert len(world.fake.requests_to("POST /channels/{channel_id}/messages")) == attempts
    assert world.bot.is_ready()
    world.guild.add_member(world.bob)  # back in the server: told at the next interaction
    told = await world.fake.slash("checkin log", pain=2, user=world.bob)
    assert "turned reminders off" in told.text


async def test_pause_resume_reminders_and_keep(world: World) -> None:
    await opt_in(world, world.alice, reminder="8pm")
    paused = await world.fake.slash("checkin pause", days=3, user=world.alice)
    assert paused.ephemeral and "paused until" in paused.text
    resumed = await world.fake.slash("checkin resume", user=world.alice)
    assert "pause has ended" in resumed.text
    changed = await world.fake.slash("checkin reminders", time="9:15pm", user=world.alice)
    assert changed.ephemeral and "21:15" in changed.text
    moved = await world.fake.slash("checkin reminders", timezone="America/Toronto", user=world.alice)
    assert "America/Toronto" in moved.text
    off = await world.fake.slash("checkin reminders", off=True, user=world.alice)
    assert "off" in off.text
    stop = await world.fake.slash("checkin stop", user=world.alice)
    keep = next(c for c in stop.components if c.custom_id == "ci:keep")
    kept = await world.fake.click(stop, keep.custom_id, user=world.alice)
    assert "Kept" in kept.text
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 1


async def test_mydata_buttons_delete_all_or_cancel(world: World) -> None:
    await opt_in(world, world.bob)
    shown = await world.fake.slash("mydata", user=world.bob)
    ask = next(c for c in shown.components if c.custom_id == "mydata:ask")
    confirm = await world.fake.click(shown, ask.custom_id, user=world.bob)
    cancel = next(c for c in confirm.components if c.custom_id == "mydata:cancel")
    cancelled = await world.fake.click(confirm, cancel.custom_id, user=world.bob)
    assert "nothing was deleted" in cancelled.text
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 1


async def test_a_crisis_note_is_not_saved_and_gets_crisis_help(world: World) -> None:
    await opt_in(world, world.alice)
    result = await world.fake.slash("checkin log", pain=9, note="i cant do this anymore i want to die", user=world.alice)
    assert result.ephemeral and "not a counsellor" in result.text
    assert "Saved:" in result.text and "pain 9" in result.text and "Not saved:** your note" in result.text
    # The scores are kept; the note is not stored anywhere.
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkins") == 1
    assert await world.app.db.fetchval("SELECT COUNT(*) FROM checkins WHERE note IS NOT NULL") == 0


async def test_a_slow_handler_is_deferred_before_the_deadline(world: World) -> None:
    """A handler not marked for deferral that turns out slow is still acknowledged in time."""
    import asyncio

    real = world.app.checkins.resume

    async def slow(actor, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1.6)
        return await real(actor, **kwargs)

    world.app.checkins.resume = slow  # type: ignore[method-assign]  # the cog looks it up on each call
    result = await world.fake.slash("checkin resume", user=world.alice)
    assert result.deferred and not result.expired
    assert "haven't started" in result.text
