"""Check-ins through the real app and a real SQLite file: opt-in, logging, streaks, reminders,
export and real deletion."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime

import pytest

from bot.app import SupportApp
from bot.checkins.errors import NotEnrolled
from bot.clock import ManualClock
from bot.ui import Actor, Reply

pytestmark = pytest.mark.both_backends


async def opt_in(app: SupportApp, actor: Actor, zone: str = "Europe/London", reminder: str | None = None) -> Reply:
    offer = await app.checkins.start(actor, timezone=zone, reminder=reminder)
    agree = next(b for b in offer.buttons if b.label.startswith("I agree"))
    assert agree.custom_id is not None
    return await app.router.dispatch(actor, agree.custom_id)


async def table_rows(app: SupportApp, table: str, user_id: int) -> int:
    return int(await app.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,)))


async def test_nothing_is_stored_before_the_member_agrees(app: SupportApp, member: Actor) -> None:
    offer = await app.checkins.start(member, timezone="london", reminder="8pm")
    assert offer.ephemeral
    text = offer.all_text()
    assert "only you" in text.lower() and "cannot see" in text and "/mydata" in text
    assert await table_rows(app, "checkin_members", member.user_id) == 0
    declined = await app.router.dispatch(member, "ci:decline")
    assert "nothing was saved" in declined.all_text()
    assert await table_rows(app, "checkin_members", member.user_id) == 0
    done = await opt_in(app, member, "london", "8pm")
    assert "set up" in done.all_text()
    stored = await app.checkins.store.member(member.user_id)
    assert stored is not None and stored.timezone == "Europe/London" and stored.reminder_time == "20:00"


async def test_log_today_update_it_and_backfill_yesterday(app: SupportApp, member: Actor) -> None:
    with pytest.raises(NotEnrolled):
        await app.checkins.log_checkin(member, pain=3)
    await opt_in(app, member)
    first = await app.checkins.log_checkin(member, pain=6, fatigue=7)
    assert first.ephemeral and "Saved your check-in for today" in first.all_text()
    again = await app.checkins.log_checkin(member, mood=2, note="slow morning")
    assert "Updated your check-in for today" in again.all_text()
    rows = await app.checkins.store.checkins(member.user_id)
    assert len(rows) == 1 and (rows[0].pain, rows[0].fatigue, rows[0].mood, rows[0].note) == (6, 7, 2, "slow morning")
    back = await app.checkins.log_checkin(member, day="yesterday", pain=4)
    assert "yesterday" in back.all_text()
    assert "Current streak" in back.all_text() and "2 days" in back.all_text()
    assert len(await app.checkins.store.days(member.user_id)) == 2


async def test_bad_input_is_refused_kindly_and_changes_nothing(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    reply = await app.checkins.log_checkin(member, pain=11, mood=9, note="x" * 501)
    text = reply.all_text()
    assert "Nothing was changed" in text and "Pain" in text and "Mood" in text
    assert await table_rows(app, "checkins", member.user_id) == 0
    bad_day = await app.checkins.log_checkin(member, day="last week", pain=2)
    assert "yesterday" in bad_day.all_text() and await table_rows(app, "checkins", member.user_id) == 0


async def test_the_local_day_follows_the_members_time_zone(app: SupportApp, member: Actor, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 24, 3, 30, tzinfo=UTC))  # 22:30 on the 23rd in New York
    await opt_in(app, member, "America/New_York")
    await app.checkins.log_checkin(member, pain=5)
    assert [d.isoformat() for d in await app.checkins.store.days(member.user_id)] == ["2026-11-23"]


async def test_stats_sends_a_chart_with_words_for_screen_readers(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=5, flare=True)
    reply = await app.checkins.stats(member, days=28)
    assert reply.ephemeral
    assert reply.files and reply.files[0].data.startswith(b"\x89PNG")
    words = reply.all_text()
    assert "Median" in words or "median" in words
    assert "flare" in words.lower()


async def test_export_is_a_csv_of_all_checkins_with_a_summary(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, day="yesterday", pain=4, note="=HYPERLINK(bad)")
    await app.checkins.log_checkin(member, pain=6, flare=True)
    reply = await app.checkins.export(member)
    assert reply.ephemeral and reply.files[0].filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(reply.files[0].data.decode())))
    assert rows[0][0] == "date" and len(rows) == 3
    assert rows[1][-1].startswith("'=")
    assert "Flare days: 1" in reply.all_text()


async def test_pause_and_resume(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    assert "paused until" in (await app.checkins.pause(member, days=5)).all_text()
    assert len(await app.checkins.store.pauses(member.user_id)) == 1
    assert "pause has ended" in (await app.checkins.resume(member)).all_text()


async def test_reminder_sent_once_at_local_time_and_only_if_not_checked_in(app: SupportApp, member: Actor,
                                                                           clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(app, member, "Europe/London", "8pm")
    reminders = app.checkins.reminders
    assert (await reminders.scan(clock.now())).sent == 0  # not yet 8pm
    clock.set(datetime(2026, 11, 23, 20, 0, 30, tzinfo=UTC))
    assert (await reminders.scan(clock.now())).sent == 1
    user_id, dm = app.outbox.member_posts[-1]
    assert user_id == member.user_id and dm.buttons[0].custom_id == "ci:bare:2026-11-23"
    assert (await reminders.scan(clock.now())).sent == 0  # never twice
    # The one-tap button records a bare check-in.
    tapped = await app.router.dispatch(member, dm.buttons[0].custom_id)
    assert "Checked in" in tapped.all_text() and await table_rows(app, "checkins", member.user_id) == 1
    # Next day: already checked in → no reminder.
    clock.set(datetime(2026, 11, 24, 19, 0, tzinfo=UTC))
    await app.checkins.log_checkin(member, pain=2)
    clock.set(datetime(2026, 11, 24, 20, 5, tzinfo=UTC))
    result = await reminders.scan(clock.now())
    assert result.sent == 0 and result.skipped == 1
    assert len(app.outbox.member_posts) == 1


async def test_a_reminder_missed_while_down_is_sent_the_same_day_but_never_late(app: SupportApp, member: Actor,
                                                                                clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(app, member, "Europe/London", "20:00")
    clock.set(datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # bot was down at 20:00, back at 22:30
    assert (await app.checkins.reminders.scan(clock.now())).sent == 1
    clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))  # down all of the 24th evening
    result = await app.checkins.reminders.scan(clock.now())
    assert result.sent == 0 and result.skipped == 1
    member_row = await app.checkins.store.member(member.user_id)
    assert member_row is not None and member_row.next_reminder_at == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


async def test_closed_dms_turn_reminders_off_and_the_member_is_told(app: SupportApp, member: Actor,
                                                                   clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    await opt_in(app, member, "Europe/London", "20:00")
    app.outbox.closed_dms.add(member.user_id)
    clock.set(datetime(2026, 11, 23, 20, 1, tzinfo=UTC))
    assert (await app.checkins.reminders.scan(clock.now())).dms_closed == 1
    row = await app.checkins.store.member(member.user_id)
    assert row is not None and row.reminder_time is None and row.next_reminder_at is None
    reply = await app.checkins.log_checkin(member, pain=3)
    assert "DMs" in reply.all_text() and "turned reminders off" in reply.all_text()
    assert "DMs" not in (await app.checkins.log_checkin(member, pain=4)).all_text()  # told once


async def test_reminders_can_be_changed_and_stopped(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    assert "20:30" in (await app.checkins.set_reminders(member, time="8:30pm")).all_text()
    assert "off" in (await app.checkins.set_reminders(member, off=True)).all_text()
    row = await app.checkins.store.member(member.user_id)
    assert row is not None and row.reminder_time is None


async def test_stop_then_delete_removes_every_row(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=5, note="private")
    await app.checkins.pause(member, days=2)
    stopped = await app.checkins.stop(member)
    assert "stopped" in stopped.all_text() and any(b.custom_id == "ci:delete" for b in stopped.buttons)
    await app.router.dispatch(member, "ci:delete")
    for table in ("checkin_members", "checkins", "checkin_pauses"):
        assert await table_rows(app, table, member.user_id) == 0


async def test_mydata_shows_everything_and_deletes_all_of_it(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=5)
    await app.faq.vote(member, "pacing", helpful=False)
    shown = await app.privacy.mydata(member)
    text = shown.all_text()
    assert "Check-ins" in text and "FAQ feedback" in text and shown.ephemeral
    confirm = await app.privacy.mydata(member, action="delete")
    assert any(b.custom_id == "mydata:confirm" for b in confirm.buttons)
    assert await table_rows(app, "checkins", member.user_id) == 1  # nothing deleted before confirming
    await app.router.dispatch(member, "mydata:confirm")
    assert await table_rows(app, "checkins", member.user_id) == 0
    assert await app.db.fetchval("SELECT COUNT(*) FROM faq_feedback") == 0
    assert "don't store anything" in (await app.privacy.mydata(member)).all_text()


async def test_logs_never_contain_notes_or_scores(app: SupportApp, member: Actor, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=9, fatigue=8, mood=1, note="my secret note about Tuesday")
    await app.checkins.stats(member)
    await app.checkins.export(member)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "secret note" not in logged
    for record in caplog.records:
        assert record.args is None or not any(a in (9, 8, 1) for a in (record.args if isinstance(record.args, tuple) else ()))


async def test_other_members_cannot_see_a_members_checkins(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=5, note="only mine")
    moderator = Actor(user_id=222, display_name="Mod", guild_id=member.guild_id, can_manage_guild=True)
    for handler in (app.checkins.stats, app.checkins.export):
        with pytest.raises(NotEnrolled):  # the moderator has none of their own; they never see hers
            await handler(moderator)
    assert "don't store anything" in (await app.privacy.mydata(moderator)).all_text()

