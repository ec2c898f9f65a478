"""Rough edges members and moderators met in a walk-through, each read as the console shows it:
crisis replies offer a moderator only where one can be reached, a note about someone else in
crisis is answered for the helper, and console command lines are never taken for free text."""

from __future__ import annotations

from pathlib import Path

from bot.app import SupportApp
from bot.care.replies import ALERT_ELSEWHERE, ALERT_ID
from tests.integration.test_console import _console
from tests.integration.test_walkthrough_replies import _started, typed

# Written for these tests, in the way members write when things are very bad.
IN_CRISIS = "i cant do this anymore, i want to end my life tonight"
FRIEND_IN_CRISIS = "my mate keeps saying he wants to kill himself and i dont know what to do"


async def test_every_crisis_reply_offers_the_button_only_with_an_alert_channel(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    replies = {
        "/help-now": await typed(console, out, "/help-now"),
        "/faq": await typed(console, out, f"/faq {IN_CRISIS}"),
        "/checkin log": await typed(console, out, f'/checkin log pain:7 note:"{IN_CRISIS}"'),
    }
    for where, said in replies.items():
        assert "Let a moderator know" not in said, where
        assert ALERT_ELSEWHERE in said, where
    assert ALERT_ID not in [b.custom_id for b in console.buttons]

    await typed(console, out, ":user dave mod")
    await typed(console, out, "/setup alert_channel:77")
    await typed(console, out, ":user amy")
    for line in ("/help-now", f"/faq {IN_CRISIS}", f'/checkin log pain:7 note:"{IN_CRISIS}"'):
        said = await typed(console, out, line)
        assert "Let a moderator know I'd like support" in said, line
        assert "press the button below" in said, line
        assert ALERT_ID in [b.custom_id for b in console.buttons], line


async def test_a_note_about_someone_in_crisis_speaks_to_the_helper_and_says_what_was_kept(
        app: SupportApp, tmp_path: Path) -> None:
    console, out = await _started(app, tmp_path)
    said = await typed(console, out, f'/checkin log pain:6 mood:2 note:"{FRIEND_IN_CRISIS}"')
    assert "there for you" not in said
    assert "someone you care about may be in danger" in said
    assert "Helping someone who may be in danger".upper() in said.upper()  # the helper's card
    assert "Saved: your check-in for today (pain 6, mood 2)." in said
    assert "Not saved: your note" in said and "nothing about them is stored" in said
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert (row.pain, row.mood, row.note) == (6, 2, None)
    # The member's own crisis keeps the words written for them.
    own = await typed(console, out, f'/checkin log note:"{IN_CRISIS}"')
    assert "the people below are there for you right now" in own
    assert "Updated: your check-in for today. Not saved: your note" in own
