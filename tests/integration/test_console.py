"""Console fidelity: posts the bot makes elsewhere are printed and labelled, the prompt shows who
acts, roles are checked, quoted values and ``option:?`` work, logs stay off the replies, and no
escape sequence reaches the screen or a command."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from bot.app import SupportApp
from bot.client import SupportBot
from bot.console.outbox import ConsoleOutbox
from bot.console.session import CONSOLE_GUILD_ID, Console, clean_line, console_actor
from bot.logs import setup_logging
from bot.ui import Reply
from tests.conftest import CONTENT
from tests.integration.test_cli import supportbot


async def _console(app: SupportApp, tmp_path: Path, name: str = "alice", moderator: bool = False) -> tuple[Console, io.StringIO]:
    bot = SupportBot(app)
    await bot.load_features()
    out = io.StringIO()
    console = Console(app, bot.tree, console_actor(name, moderator=moderator), out=out, files_dir=tmp_path)
    app.outbox = ConsoleOutbox(app, console.say, CONSOLE_GUILD_ID, console.names)
    return console, out


async def typed(console: Console, out: io.StringIO, line: str) -> str:
    start = len(out.getvalue())
    await console.handle(line)
    return out.getvalue()[start:]


async def test_alert_audit_and_dm_posts_are_printed_with_their_channel(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path, "dave", moderator=True)
    await typed(console, out, "/setup alert_channel:77 audit_channel:78")
    await typed(console, out, ":user alice")
    await typed(console, out, "/help-now")
    pressed = await typed(console, out, "1")
    assert "[posted in the moderators' alert channel (#77)]" in pressed
    assert "would like some support from a moderator" in pressed
    assert pressed.index("posted in the moderators' alert channel") < pressed.index("I've let the moderators know")
    await app.outbox.to_channel(78, Reply(content="An entry was retired.", ephemeral=False))
    assert "[posted in the audit channel (#78)]" in out.getvalue()
    await app.outbox.to_member(console.actor.user_id, Reply(content="Time for your check-in?"))
    assert "[direct message to member alice]" in out.getvalue()


async def test_the_prompt_shows_who_is_acting_and_unknown_roles_are_refused(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    assert console.prompt == "alice> "
    refused = await typed(console, out, ":user dave boss")
    assert "I don't know the role 'boss'" in refused
    assert "mod" in refused and "member" in refused and "admin" in refused and "Nothing changed" in refused
    assert console.actor.display_name == "alice" and not console.actor.can_manage_guild
    await typed(console, out, ":user dave mod")
    assert console.prompt == "dave (mod)> " and console.actor.can_manage_guild
    await typed(console, out, ":user erin member")
    assert console.prompt == "erin> " and not console.actor.can_manage_guild


async def test_quoted_values_work(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    answer = await typed(console, out, '/faq question:"what is pacing"')
    assert "WHAT IS PACING" in answer
    await typed(console, out, "/checkin start timezone:'Europe/London'")
    await typed(console, out, "1")
    logged = await typed(console, out, '/checkin log note:"pain: better today, sleep: poor" pain:3')
    assert "Saved your check-in" in logged
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert (row.note, row.pain, row.sleep) == ("pain: better today, sleep: poor", 3, None)
    unclosed = await typed(console, out, '/checkin log note:"never closed')
    assert "never closed" in unclosed and "Sorry" in unclosed


async def test_a_mistyped_option_name_is_refused_and_changes_nothing(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    await typed(console, out, "/checkin start timezone:Europe/London")
    await typed(console, out, "1")
    alone = await typed(console, out, "/checkin log pian:3")
    assert "no option called pian" in alone and "Did you mean pain:?" in alone and "fatigue" in alone
    inside = await typed(console, out, "/checkin log pain:3 note:slept ok fatige:4")
    assert "no option called fatige" in inside and "Did you mean fatigue:?" in inside
    assert await app.checkins.store.checkins(console.actor.user_id) == []
    # A colon in words that name no option stays the member's text.
    kept = await typed(console, out, "/checkin log pain:2 note:time: 3pm was rough")
    assert "Saved your check-in" in kept
    [row] = await app.checkins.store.checkins(console.actor.user_id)
    assert (row.pain, row.fatigue, row.note) == (2, None, "time: 3pm was rough")


async def test_question_mark_lists_the_choices_of_a_choice_option(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    listed = await typed(console, out, "/care guide topic:?")
    assert "No suggestions" not in listed
    assert "[1] When to see a GP" in listed and "[6] Preparing for an appointment" in listed
    opened = await typed(console, out, "6")
    assert "APPOINTMENT" in opened.upper()
    formats = await typed(console, out, "/checkin export format:?")
    assert "[1] csv" in formats and "[2] pdf" in formats


async def test_a_question_ending_in_a_question_mark_is_asked_not_autocompleted(app: SupportApp, tmp_path: Path) -> None:
    """Members end questions with "?": "/faq what is pacing?" answers (and is screened, so a crisis
    question with a "?" gets the crisis reply), while "exer?", "topic:?" and "??" list suggestions."""
    console, out = await _console(app, tmp_path)
    asked = await typed(console, out, "/faq what is pacing?")
    assert "WHAT IS PACING" in asked.upper() and "Choices for" not in asked
    named = await typed(console, out, "/faq question:what is pacing?")
    assert "BOOM-AND-BUST" in named.upper() and "Choices for" not in named
    crisis = await typed(console, out, "/faq is it normal to want to die?")
    assert "YOU MATTER" in crisis.upper() and "Choices for" not in crisis
    suggested = await typed(console, out, "/faq exer?")
    assert "Choices for question" in suggested and "exercise" in suggested
    doubled = await typed(console, out, "/faq what is pac??")
    assert "Choices for question" in doubled and "[1] What is pacing" in doubled
    days = await typed(console, out, "/checkin log day:las?")
    assert "Choices for day" in days


async def test_a_missing_question_is_asked_for_in_plain_words(app: SupportApp, tmp_path: Path) -> None:
    console, out = await _console(app, tmp_path)
    said = await typed(console, out, "/faq")
    assert "needs your question" in said and "just write it after /faq" in said
    assert "/faq question:<text> [private:<yes|no>]" in said
    assert "<string>" not in said and "<boolean>" not in said
    empty = await typed(console, out, "/faq question:")
    assert "can't be empty" in empty
    listed = await typed(console, out, ":commands")
    assert "topic:<one of 6; topic:? lists them>" in listed  # six long choices: not spelled out
    assert "[format:<csv|pdf>]" in listed  # short choices are


def test_escape_sequences_are_removed() -> None:
    assert clean_line("/faq what is pac\x1b[Ding\x1b[C\x07") == "/faq what is pacing"
    assert clean_line("plain ✓ text") == "plain ✓ text"


def test_logs_can_go_to_a_file_instead_of_the_screen(tmp_path: Path, capsys: object) -> None:
    path = tmp_path / "logs" / "console.log"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging(logging.WARNING, path)
        logging.getLogger("bot.test").warning("a warning for the log file")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], level = saved
        root.setLevel(level)
    assert "a warning for the log file" in path.read_text()
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert "a warning" not in captured.out and "a warning" not in captured.err


def test_piped_transcript_shows_the_prompt_and_no_escapes(tmp_path: Path) -> None:
    script = ":user bob mod\n/faq what is pac\x1b[A\x1b[Bing\n:user carol\n:quit\n"
    out = supportbot("chat", "--user", "alice", stdin=script, cwd=tmp_path,
                     env={"CONTENT_DIR": str(CONTENT), "DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout
    assert "alice> :user bob mod" in out.stdout
    assert "bob (mod)> /faq what is pacing" in out.stdout
    assert "WHAT IS PACING" in out.stdout
    assert "carol> :quit" in out.stdout
    assert "WARNING" not in out.stdout


async def test_roles_are_named_as_channels_are_and_mentions_print_as_names(app: SupportApp, tmp_path: Path) -> None:
    """``moderator_role:@Moderators`` works as ``alert_channel:#mod-alerts`` does, and the reply
    shows "@Moderators" and "#mod-alerts", not raw mention ids."""
    console, out = await _console(app, tmp_path, "dave", moderator=True)
    saved = await typed(console, out, "/setup alert_channel:#mod-alerts moderator_role:@Moderators")
    assert "Moderator role: @Moderators" in saved and "Alert channel: #mod-alerts" in saved
    assert "<@&" not in saved and "<#" not in saved
    refused = await typed(console, out, "/setup moderator_role:mods")
    assert "@Moderators or an id number" in refused
