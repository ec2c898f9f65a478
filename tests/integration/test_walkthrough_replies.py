"""Replies as members and moderators read them in the console: no contradiction between the
saved line and the streak line, real plurals ("1 check-in", never "1 check-in(s)" or "1 check-in
are"), and a no-match reply whose last line leads into the suggestion buttons below it."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import SupportApp
from bot.console.session import Console
from bot.faq.service import NO_MATCH_SUGGEST
from tests.integration.test_console import _console
from tests.integration.test_console import typed as typed_wrapped


async def typed(console: Console, out: io.StringIO, line: str) -> str:
    """What the console printed, with its line wrapping undone, so sentences can be matched."""
    return " ".join((await typed_wrapped(console, out, line)).split())


async def _started(app: SupportApp, tmp_path: Path, name: str = "amy") -> tuple[Console, io.StringIO]:
    console, out = await _console(app, tmp_path, name)
    await typed(console, out, "/checkin start timezone:Europe/London")
    await typed(console, out, "1")
    return console, out


async def test_updating_the_first_check_in_is_not_thanked_as_a_first_check_in(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    first = await typed(console, out, "/checkin log pain:6 fatigue:7")
    assert "Saved your check-in for today." in first and "first check-in" in first
    again = await typed(console, out, "/checkin log pain:7")
    assert "Updated your check-in for today" in again
    assert "first check-in" not in again
    assert "kept the rest" in again  # fatigue stays: the reply says so
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert (row.pain, row.fatigue) == (7, 7)


async def test_a_rejected_day_reads_as_two_sentences(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    refused = await typed(console, out, '/checkin log day:"last month" pain:3')
    assert "I couldn't save that. You can log today" in refused
    assert "Nothing was changed." in refused
    assert await app.checkins.store.checkins(console.actor.user_id) == []


async def test_stop_and_mydata_count_one_check_in_in_the_singular(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    await typed(console, out, "/checkin log pain:5")
    mydata = await typed(console, out, "/mydata")
    assert "1 check-in," in mydata and "check-in(s)" not in mydata
    stopped = await typed(console, out, "/checkin stop")
    assert "Your check-in is still saved and only you can see it. Would you like me to delete it?" in stopped
    assert "1 check-in are" not in stopped


async def test_stop_with_several_check_ins_uses_the_plural(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    await typed(console, out, "/checkin log pain:5")
    await typed(console, out, "/checkin log day:yesterday pain:4")
    stopped = await typed(console, out, "/checkin stop")
    assert "Your 2 check-ins are still saved and only you can see them." in stopped


async def test_stop_without_any_check_in_speaks_of_the_settings_not_of_0_check_ins(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    stopped = await typed(console, out, "/checkin stop")
    assert "You have no check-ins saved, only your check-in settings" in stopped
    assert "0 check-ins" not in stopped
    await typed(console, out, "1")  # Delete my check-ins
    assert await app.checkins.store.member(console.actor.user_id) is None


async def test_no_match_ends_with_the_line_that_leads_into_its_buttons(app: SupportApp, tmp_path: Path) -> None:
    console, _out = await _console(app, tmp_path)
    with_buttons = 0
    for question in ("fatige", "sleep", "feeling rubbish and nobody gets it", "brain fog at work"):
        decision = await app.faq.decide(console.actor, question)
        if decision.kind != "no_match":
            continue
        reply = decision.reply
        if reply.buttons:
            with_buttons += 1
            assert reply.content.rstrip().endswith(NO_MATCH_SUGGEST)
        else:
            assert NO_MATCH_SUGGEST not in reply.content
    assert with_buttons >= 1


async def test_history_of_one_revision_is_singular(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path, "dana", moderator=True)
    await typed(console, out, '/faq-admin retire id:pacing reason:"merged into another entry"')
    history = await typed(console, out, "/faq-admin history id:pacing")
    assert "1 revision;" in history and "revision(s)" not in history


async def test_reminders_without_options_never_offers_to_stop_what_is_already_off(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    off = await typed(console, out, "/checkin reminders")
    assert "Your reminders are off." in off and "time:8pm" in off
    assert "off:true" not in off
    await typed(console, out, "/checkin reminders time:9am")
    on = await typed(console, out, "/checkin reminders")
    assert "Your reminder is at 09:00 (Europe/London)." in on and "`off:true` to stop it" in on


async def test_retention_without_a_choice_says_how_to_choose_in_plain_words(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    shown = await typed(console, out, "/mydata action:retention")
    assert "Your check-ins are kept until you delete them." in shown
    assert "pick keep: forever, 1 year or 90 days" in shown
    assert "keep:` forever" not in shown  # no half-written command for the member to finish


async def test_dismissing_a_gap_counts_its_askings_in_words(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path, "eve")
    await typed(console, out, "/faq zzqx flibbertigibbet")
    await typed(console, out, ":user dana mod")
    gaps = await typed(console, out, "/faq-admin gaps")
    assert "zzqx flibbertigibbet" in gaps
    pressed = await typed(console, out, "2")  # Dismiss #1
    assert "(asked 1 time) and deleted it" in pressed and "(s)" not in pressed


def test_a_card_without_a_description_has_one_gap_under_its_title() -> None:
    from bot.console.render import render
    from bot.ui import Card, Field, Reply

    text, _ = render(Reply(cards=[Card(title="Your data", fields=[Field("Check-ins", "1 check-in")])]))
    assert "│\n│\n" not in text
    assert "│ YOUR DATA\n│\n│ Check-ins:" in text


async def test_a_second_crisis_note_the_same_day_says_the_check_in_was_updated(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    first = await typed(console, out, '/checkin log pain:9 note:"i really want to die tonight"')
    assert "Saved: your check-in for today (pain 9). Not saved: your note" in first
    again = await typed(console, out, '/checkin log mood:1 note:"still want to die honestly"')
    assert "Updated: your check-in for today (mood 1). Not saved: your note" in again
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert (row.pain, row.mood, row.note) == (9, 1, None)


async def test_stats_after_stop_and_keep_do_not_thank_for_checking_in(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    await typed(console, out, "/checkin log pain:4")
    await typed(console, out, "/checkin stop")
    await typed(console, out, "2")  # Keep them
    stats = await typed(console, out, "/checkin stats")
    assert "Your check-ins are stopped" in stats and "Current streak:" in stats
    assert "Thank you for" not in stats and "Resting today is fine" not in stats


async def test_not_helpful_says_where_to_go_next_and_helpful_does_not(app: SupportApp, tmp_path: Path) -> None:
    console, _out = await _console(app, tmp_path)
    unhelpful = await app.faq.vote(console.actor, "pacing", False)
    assert unhelpful.ephemeral and "in other words" in unhelpful.content
    helpful = await app.faq.vote(console.actor, "pacing", True)
    assert "updated your feedback" in helpful.content and "in other words" not in helpful.content


async def test_a_red_flag_note_shows_the_urgent_advice_before_the_saved_line(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    logged = await typed(console, out, '/checkin log pain:8 note:"my legs went numb and i cant control my bladder, back is agony"')
    assert "PLEASE GET MEDICAL HELP NOW" in logged
    assert "Saved your check-in for today." in logged
    assert logged.index("PLEASE GET MEDICAL HELP NOW") < logged.index("Saved your check-in for today.")
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert row.pain == 8 and row.note is not None  # not a crisis: the note is the member's and is kept


async def test_the_reminder_button_after_a_check_in_keeps_it_and_says_so(app: SupportApp, tmp_path: Path) -> None:
    from bot.checkins.timezones import local_day

    console, out = await _started(app, tmp_path)
    await typed(console, out, "/checkin log pain:5")
    today = local_day("Europe/London", app.checkins.core.clock.now())
    reply = await app.checkins.bare(console.actor, today)
    assert "already checked in" in reply.content and "kept as it was" in reply.content
    assert "first check-in" not in reply.content
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert row.pain == 5


async def test_a_bare_greeting_is_told_how_to_ask_and_not_kept_as_a_gap(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    for text in ("hello", "Hi there!", "thanks :)", "help please"):
        said = await typed(console, out, f"/faq {text}")
        assert "Ask me a question in your own words" in said, text
        assert "I don't have a vetted answer" not in said
    asked = await typed(console, out, "/faq hi, what is pacing")  # a greeting with a question is a question
    assert "WHAT IS PACING" in asked
    await typed(console, out, ":user dana mod")
    gaps = await typed(console, out, "/faq-admin gaps")
    assert "hello" not in gaps and "thanks" not in gaps


async def test_saving_a_region_names_the_country_as_a_sentence_would(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    uk = await typed(console, out, "/care region country:united kingdom")
    assert "I'll show the crisis lines in the United Kingdom." in uk
    ie = await typed(console, out, "/care region country:ireland")
    assert "I'll show the crisis lines in Ireland." in ie


async def test_after_a_vote_the_answers_buttons_can_still_be_pressed(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    await typed(console, out, "/faq what is pacing")
    labels = [b.label for b in console.buttons]
    unhelpful = labels.index("Not helpful") + 1
    helpful = labels.index("Helpful") + 1
    voted = await typed(console, out, str(unhelpful))
    assert "Thank you" in voted and "the buttons above still work" in voted
    changed = await typed(console, out, str(helpful))
    assert "updated your feedback" in changed


async def test_a_back_filled_day_is_confirmed_with_its_weekday(app: SupportApp, tmp_path: Path) -> None:
    from datetime import timedelta

    from bot.checkins.timezones import local_day

    console, out = await _started(app, tmp_path)
    day = local_day("Europe/London", app.checkins.core.clock.now()) - timedelta(days=3)
    weekday = day.strftime("%A")
    saved = await typed(console, out, f"/checkin log day:{weekday.lower()} pain:4")
    assert f"Saved your check-in for {weekday} {day.day} " in saved


async def test_help_now_offers_the_moderator_button_only_where_it_can_reach_them(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path, "dana", moderator=True)
    before = await typed(console, out, "/help-now")
    assert "Let a moderator know" not in before and "message one of them directly" in before
    await typed(console, out, "/setup alert_channel:77")
    after = await typed(console, out, "/help-now")
    assert "Let a moderator know I'd like support" in after and "press the button below" in after
