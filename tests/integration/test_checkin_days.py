"""Check-ins that never punish, through the real app and a real SQLite file: pauses that freeze
the streak, back-filling the last week, time-zone moves, and stopped-but-kept data."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import SupportApp
from bot.checkins.errors import CheckinsStopped
from bot.clock import ManualClock
from bot.ui import Actor
from tests.integration.test_checkins import opt_in, table_rows

# the fixture clock: Monday 23 November 2026, 18:00 UTC (18:00 in London)

pytestmark = pytest.mark.both_backends


async def streak(app: SupportApp, member: Actor) -> tuple[int, int]:
    member_row = await app.checkins.store.member(member.user_id)
    assert member_row is not None
    s = await app.checkins.summary(member_row)
    return s.current, s.longest


async def test_pausing_after_checking_in_keeps_the_streak(app: SupportApp, member: Actor, clock: ManualClock) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, day="yesterday", pain=3)
    await app.checkins.log_checkin(member, pain=4)
    assert await streak(app, member) == (2, 2)
    await app.checkins.pause(member, days=5)
    assert await streak(app, member) == (2, 2)
    for _ in range(4):
        clock.advance(timedelta(days=1))
        assert await streak(app, member) == (2, 2)


async def test_back_fill_any_of_the_last_seven_days(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    friday = await app.checkins.log_checkin(member, day="friday", pain=5)
    assert "20 November 2026" in friday.all_text()
    dated = await app.checkins.log_checkin(member, day="17 November", pain=6)
    assert "17 November 2026" in dated.all_text()
    iso = await app.checkins.log_checkin(member, day="2026-11-16", pain=7)  # a week ago today
    assert "16 November 2026" in iso.all_text()
    days = [d.isoformat() for d in await app.checkins.store.days(member.user_id)]
    assert days == ["2026-11-16", "2026-11-17", "2026-11-20"]
    for too_far in ("2026-11-15", "15 November", "next tuesday", "2026-11-24"):
        reply = await app.checkins.log_checkin(member, day=too_far, pain=1)
        assert "7 days" in reply.all_text() and "Nothing was changed" in reply.all_text(), too_far
    assert await table_rows(app, "checkins", member.user_id) == 3
    fortnight = (await app.checkins.log_checkin(member, day="9 November", pain=1)).all_text()
    assert "Monday 9 November 2026 is more than 7 days ago" in fortnight and "Monday 16 November 2026" in fortnight


async def test_day_autocomplete_offers_the_week_in_the_members_zone(app: SupportApp, member: Actor,
                                                                     clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 24, 3, 30, tzinfo=UTC))  # still Monday 23rd in New York
    await opt_in(app, member, "America/New_York")
    choices = await app.checkins.complete_day(member, "")
    assert [c.value for c in choices][:2] == ["2026-11-23", "2026-11-22"]
    assert choices[0].name.startswith("Today (Mon 23 November")
    assert choices[1].name.startswith("Yesterday")
    assert len(choices) == 8
    assert [c.value for c in await app.checkins.complete_day(member, "thu")] == ["2026-11-19"]
    picked = await app.checkins.log_checkin(member, day=choices[3].value, pain=2)
    assert "20 November 2026" in picked.all_text()


async def test_moving_west_never_overwrites_a_different_real_day(app: SupportApp, member: Actor,
                                                                  clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # Monday 23rd, 02:00 at UTC+14
    await opt_in(app, member, "Pacific/Kiritimati")
    await app.checkins.log_checkin(member, pain=3, note="slow morning")
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # Tuesday there: log it, then move
    await app.checkins.log_checkin(member, pain=4)
    await app.checkins.set_reminders(member, timezone="Etc/GMT+12")
    clock.set(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # Monday 23rd again, 08:00 at UTC-12
    reply = await app.checkins.log_checkin(member, pain=9, note="second monday")
    assert "different day" in reply.all_text()
    rows = {c.day: c for c in await app.checkins.store.checkins(member.user_id)}
    assert rows[date(2026, 11, 23)].pain == 3 and rows[date(2026, 11, 23)].note == "slow morning"
    assert rows[date(2026, 11, 24)].pain == 4


async def test_a_small_move_still_updates_the_same_day(app: SupportApp, member: Actor, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # Monday in London and in New York
    await opt_in(app, member, "Europe/London")
    await app.checkins.log_checkin(member, pain=3)
    await app.checkins.set_reminders(member, timezone="America/New_York")
    again = await app.checkins.log_checkin(member, fatigue=5)
    assert "Updated your check-in for today" in again.all_text()
    [row] = await app.checkins.store.checkins(member.user_id)
    assert (row.pain, row.fatigue) == (3, 5)


async def test_after_stop_and_keep_stats_and_export_still_work(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    await app.checkins.log_checkin(member, day="yesterday", pain=4)
    await app.checkins.log_checkin(member, pain=6, flare=True)
    await app.checkins.stop(member)
    kept = await app.router.dispatch(member, "ci:keep")
    assert "Kept" in kept.all_text()
    stats = await app.checkins.stats(member, days=28)
    assert "stopped" in stats.all_text() and "haven't started" not in stats.all_text()
    assert stats.files and stats.files[0].data.startswith(b"\x89PNG")
    assert "2 days" in stats.all_text()
    export = await app.checkins.export(member)
    assert "stopped" in export.all_text()
    rows = list(csv.reader(io.StringIO(export.files[0].data.decode())))
    assert len(rows) == 3
    with pytest.raises(CheckinsStopped):
        await app.checkins.log_checkin(member, pain=2)
    assert await table_rows(app, "checkins", member.user_id) == 2


async def test_export_as_a_one_page_pdf_and_the_csv_stays(app: SupportApp, member: Actor) -> None:
    from pypdf import PdfReader

    await opt_in(app, member)
    await app.checkins.log_checkin(member, day="yesterday", pain=4, note="slept badly")
    await app.checkins.log_checkin(member, pain=6, flare=True)
    pdf = await app.checkins.export(member, format="pdf")
    assert pdf.ephemeral and pdf.files[0].filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf.files[0].data))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1 and "22 November 2026 to 23 November 2026" in text
    assert "slept badly" not in text and "without your notes" in pdf.all_text()
    with_notes = await app.checkins.export(member, format="pdf", notes=True)
    assert "slept badly" in PdfReader(io.BytesIO(with_notes.files[0].data)).pages[0].extract_text()
    csv_reply = await app.checkins.export(member)
    assert csv_reply.files[0].filename.endswith(".csv")
    bad = await app.checkins.export(member, format="docx")
    assert "csv" in bad.all_text() and not bad.files


async def test_a_zone_typed_as_an_abbreviation_is_stored_as_the_regions_zone(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    reply = (await app.checkins.set_reminders(member, timezone="EST")).all_text()
    assert "America/New_York" in reply and "I read EST as America/New_York" in reply
    stored = await app.checkins.store.member(member.user_id)
    assert stored is not None and stored.timezone == "America/New_York"


async def test_spoken_reminder_times_fit_the_option_and_the_consent_card_names_the_zone(app: SupportApp,
                                                                                           member: Actor) -> None:
    """"half past eight in the evening" is 30 characters: the option took 20. The consent card
    says which zone "GMT" was read as, before the member agrees."""
    from bot.checkins.cog import CheckinCog

    start = CheckinCog.start  # the option limits Discord enforces are declared on the command
    limits = {p.name: p.max_value for p in start.parameters}
    assert limits["reminder"] >= len("half past eight in the evening")
    card = (await app.checkins.start(member, timezone="GMT", reminder="half past eight in the evening")).all_text()
    assert "I read GMT as Europe/London" in card and "a reminder at 20:30" in card
