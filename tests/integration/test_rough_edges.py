"""Rough edges members and moderators met in a walk-through, each read as the console shows it:
crisis replies offer a moderator only where one can be reached, a note about someone else in
crisis is answered for the helper, and console command lines are never taken for free text."""

from __future__ import annotations

from pathlib import Path

from bot.app import SupportApp
from bot.care.replies import ALERT_ELSEWHERE, ALERT_ID
from bot.faq.close import LOW_MOOD_POINTER
from bot.faq.service import NO_MATCH_SUGGEST
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


def _offered(console: object) -> list[str]:
    return [b.custom_id.removeprefix("faq:open:") for b in console.buttons  # type: ignore[attr-defined]
            if b.custom_id and b.custom_id.startswith("faq:open:")]


async def test_one_word_and_misspelt_topics_offer_the_entries_about_them(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    for line, expected in (("/faq sleep", "sleep-habits"), ("/faq fatige", "pacing"), ("/faq slep", "sleep-habits")):
        said = await typed(console, out, line)
        assert NO_MATCH_SUGGEST in said, line
        assert expected in _offered(console), (line, _offered(console))
        assert not {"crisis-lines", "emergency-numbers", "suicidal-thoughts"} & set(_offered(console)), line
    decision = await app.faq.decide(console.actor, "sleep")
    assert decision.kind == "no_match" and decision.suggestions[0] == "sleep-habits"  # ask --json says the same


async def test_feeling_low_is_met_with_the_low_mood_entries_and_help_now(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    said = await typed(console, out, "/faq feeling really low today, nobody gets it")
    assert said.index("/help-now") < said.index("I don't have a vetted answer")
    assert LOW_MOOD_POINTER.split(":")[0] in said
    assert _offered(console)[:2] == ["mood-and-pain", "support-groups"]
    # A question about sleep gets no such pointer.
    sleep = await typed(console, out, "/faq sleep")
    assert "/help-now" not in sleep


async def test_the_console_accepts_the_common_role_words(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    for word, prompt in (("mod", "dana (mod)> "), ("Moderator", "dana (mod)> "), ("admin", "dana (admin)> "),
                         ("administrator", "dana (admin)> "), ("member", "dana> "), ("mods", "dana (mod)> ")):
        said = await typed(console, out, f":user dana {word}")
        assert said.startswith("You are now dana"), word
        assert console.prompt == prompt, word
        assert console.actor.can_manage_guild is (prompt != "dana> "), word
    refused = await typed(console, out, ":user dana moderater")
    assert "Did you mean moderator?" in refused and "Roles: member" in refused
    assert console.prompt == "dana (mod)> "  # unchanged


async def test_console_command_lines_never_reach_the_triage_or_the_faq(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path, "dana", moderator=True)
    screened: list[str] = []
    real_screen = app.core.screen

    async def watching(actor: object, text: str) -> object:
        screened.append(text)
        return await real_screen(actor, text)  # type: ignore[arg-type]

    app.core.screen = watching  # type: ignore[assignment]
    app.faq.screen = watching  # type: ignore[assignment]
    app.router.screen = watching  # type: ignore[assignment]
    answers = iter([":user erin mod"])
    console.ask = lambda prompt: next(answers, None)
    said = await typed(console, out, "/faq-admin propose")  # the form asks for its first field
    assert "Form cancelled; nothing was saved." in said and "You are now erin (moderator)." in said
    assert console.prompt == "erin (mod)> "
    for line in (":user dana mod", ":unknown thing", ":USER dana MOD"):
        await typed(console, out, line)
    assert screened == []
    assert "I don't know the console command ':unknown'" in out.getvalue()
    assert await app.db.fetchval("SELECT COUNT(*) FROM unanswered_questions") == 0
    assert "It sounds like things are really hard" not in out.getvalue()


async def test_a_crisis_in_a_direct_message_never_offers_the_button(app: SupportApp) -> None:
    from bot.ui import Actor

    in_dm = Actor(user_id=410_000_000_000_000_001, display_name="Kit", guild_id=None)
    reply = await app.faq.ask(in_dm, IN_CRISIS)
    assert "Are you safe right now?" in reply.all_text()
    assert ALERT_ID not in [b.custom_id for b in reply.buttons]
    assert ALERT_ELSEWHERE in reply.all_text()
