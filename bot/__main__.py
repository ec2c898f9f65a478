"""Command line: ``supportbot run | chat | ask | triage | content | sync``.

Every subcommand builds its settings here, in ``main()``, and reports a bad setting as one line.
The JSON forms of ``ask`` and ``triage`` are contracts other tools rely on (see the README).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot")


def _today() -> Any:
    return datetime.now(UTC).date()


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


# -- run / sync ------------------------------------------------------------------------------

async def run_bot(settings: Settings) -> int:
    """`supportbot run`: the bot on Discord until a signal stops it; the exit status."""
    import discord

    from bot.client import create_bot

    token = settings.token()
    bot = await create_bot(settings)
    app = bot.app
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def stop() -> None:
        if not closing:
            log.info("shutting down")
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await app.start()  # before connecting: without a safety set the bot refuses to start
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        print("Discord refused the token in DISCORD_TOKEN: copy a fresh one from the Developer Portal "
              "(Bot → Reset Token) into .env.", file=sys.stderr)
        return 2
    except discord.ConnectionClosed as exc:
        if exc.code != 4011:
            raise
        print("Discord says this bot is in too many servers for one connection (2,500 per shard): set "
              "SHARD_COUNT (and, across several processes, SHARD_IDS); see \"Many processes\" in the README.",
              file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("Discord says this bot needs an intent it isn't allowed; supportbot needs none, "
              "so check you are using the right token.", file=sys.stderr)
        return 2
    finally:
        await asyncio.gather(*closing, return_exceptions=True)
        await app.close()
    return 0


async def sync_commands(settings: Settings, guild_id: int | None) -> int:
    """`supportbot sync`: register the slash commands globally or with one server."""
    import discord

    from bot.client import create_bot

    token = settings.token()
    bot = await create_bot(settings)
    app = bot.app
    try:
        async with bot:
            await bot.login(token)
            if guild_id:
                bot.tree.copy_global_to(guild=discord.Object(guild_id))
                synced = await bot.tree.sync(guild=discord.Object(guild_id))
                print(f"Synced {len(synced)} commands to server {guild_id}.")
            else:
                synced = await bot.tree.sync()
                print(f"Synced {len(synced)} commands globally (Discord can take up to an hour to show them).")
    finally:
        await app.close()
    return 0


# -- chat ------------------------------------------------------------------------------------

def _line_reader(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.rstrip("\n")


def console_log_path(settings: Settings) -> Path:
    """Where the interactive console writes its log: beside the database, never on screen."""
    return Path(settings.database_path).parent / "console.log"


async def chat(settings: Settings, user: str, moderator: bool, stream: TextIO = sys.stdin) -> int:
    """`supportbot chat`: the console, one member's session in this terminal."""
    from bot.app import SupportApp
    from bot.client import SupportBot
    from bot.console.session import HELP, Console, clean_line, console_actor

    interactive = stream.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing: arrow keys move instead of typing escapes)
        setup_logging(logging.WARNING, console_log_path(settings))
    app = await SupportApp.open(settings)
    try:
        bot = SupportBot(app)
        await bot.load_features()
        lines = None if interactive else _line_reader(stream)

        def ask(prompt: str) -> str | None:
            if lines is None:
                try:
                    return input(prompt)
                except EOFError:
                    return None
            line = next(lines, None)
            if line is not None:  # echo what was read, so a transcript reads like a session
                print(f"{prompt}{clean_line(line)}", flush=True)
            return line

        console = Console(app, bot.tree, console_actor(user, moderator=moderator), ask=ask)
        role = " (moderator)" if moderator else ""
        print(f"supportbot console — you are {user}{role}. Nothing here goes to Discord.")
        if interactive:
            print(HELP)
            print(f"(Log messages go to {console_log_path(settings)}.)")
        while True:
            line = ask(console.prompt)
            if line is None or not await console.handle(line):
                break
            if interactive:
                print()
    finally:
        await app.close()
    return 0


# -- ask / content ---------------------------------------------------------------------------

def _inputs(args: Sequence[str]) -> Iterator[str]:
    if list(args) == ["-"]:
        for line in sys.stdin:
            yield line.rstrip("\n")
    else:
        yield " ".join(args)


async def ask_command(settings: Settings, words: Sequence[str], as_json: bool, database: Path | None = None,
                      guild: int | None = None) -> int:
    """What ``/faq`` answers, through the very flow ``/faq`` runs (:meth:`FaqService.decide`),
    over the database the bot serves from, so approved and retired revisions count. Writes
    nothing: no statistics, no unanswered question, no migration (a missing database file
    means the content files alone, and is not created)."""
    from bot.app import SupportApp
    from bot.console.render import render
    from bot.ui import Actor

    path = Path(database) if database is not None else Path(settings.database_path)
    reading = settings.model_copy(update={"database_path": path if path.exists() else Path(":memory:")})
    guild_id = guild if guild is not None else settings.home_guild_id
    app = await SupportApp.open(reading, start=False)
    try:
        await app.start_reading()
        if not app.library.published():
            print(f"No published entries could be loaded from {settings.content_dir}.", file=sys.stderr)
            return 1
        actor = Actor(user_id=0, display_name="supportbot ask", guild_id=guild_id)
        for question in _inputs(words):
            decision = await app.faq.decide(actor, question)
            if as_json:
                print(json.dumps(decision.as_json(), ensure_ascii=False), flush=True)
            else:
                text, _ = render(decision.reply)
                print(text, flush=True)
    finally:
        await app.close()
    return 0


def _load_safety(settings: Settings) -> Any:
    """The full safety set, or :class:`~bot.care.service.SafetyLoadError` naming the first problem:
    the command line never answers without the triage either."""
    from bot.care.service import SafetyLoadError, load_safety_content
    from bot.problems import Severity

    triager, directory, problems = load_safety_content(settings.content_dir)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or triager is None or directory is None:
        raise SafetyLoadError(errors)
    return triager, directory


def triage_command(settings: Settings, words: Sequence[str], as_json: bool, country: str | None) -> int:
    """`supportbot triage`: how the safety triage reads each text, as text or JSON (a documented contract)."""
    from bot.care.report import triage_json

    triager, directory = _load_safety(settings)
    for text in _inputs(words):
        triage = triager.classify(text)
        if as_json:
            print(json.dumps(triage_json(triage, directory, country), ensure_ascii=False), flush=True)
        else:
            detail = f" ({triage.detail})" if triage.detail else ""
            how = f" [{triage.layer}, confidence {triage.confidence:.2f}]" if triage.layer else ""
            gentle = " (gentle note)" if triage.gentle else ""
            print(f"{triage.level.value}: rule {triage.rule or triage.family or '-'}{detail}{how}{gentle}", flush=True)
    return 0


def doctor(settings: Settings) -> int:
    """Print the safety set in force; exit 1 when it cannot load (and say why)."""
    from bot.care.doctor import describe_safety

    triager, directory = _load_safety(settings)
    print("Safety set in force:")
    for line in describe_safety(triager, directory):
        print(f"  {line}")
    return 0


def content_check(directory: Path, on: date | None = None) -> int:
    """Validate content; ``on`` checks review dates as of that day instead of today (to plan
    reviews, and so that tests do not start failing on their own when a review falls due)."""
    from bot.checks import check_content

    problems = check_content(directory, on or _today())
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for problem in errors + warnings:
        print(problem)
    summary = f"{len(errors)} error(s), {len(warnings)} warning(s) in {directory}"
    print(("content check failed: " if errors else "content check passed: ") + summary)
    return 1 if errors else 0


# -- entry point -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The command line: every subcommand and its options."""
    parser = argparse.ArgumentParser(prog="supportbot", description="A Discord bot for patient support groups.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start the bot on Discord (needs DISCORD_TOKEN)")
    p_chat = sub.add_parser("chat", help="talk to the bot in this terminal, no Discord needed")
    p_chat.add_argument("--user", default="you", help="the member you play (default: you)")
    p_chat.add_argument("--moderator", action="store_true", help="play a moderator (Manage Server)")
    p_ask = sub.add_parser("ask", help="try a question against the FAQ content")
    p_ask.add_argument("--json", action="store_true", help="one JSON object per question")
    p_ask.add_argument("--database", type=Path, metavar="PATH",
                       help="the database the bot serves from (default: DATABASE_PATH)")
    p_ask.add_argument("--guild", type=int, help="answer as this server is served (default: HOME_GUILD_ID)")
    p_ask.add_argument("question", nargs="+", help="the question, or - to read one per line from stdin")
    p_triage = sub.add_parser("triage", help="classify text as crisis, urgent, clinician or none")
    p_triage.add_argument("--json", action="store_true", help="one JSON object per text")
    p_triage.add_argument("--country", help="Country for the resources: code, name or alias such as UK (default: international)")
    p_triage.add_argument("text", nargs="+", help="the text, or - to read one per line from stdin")
    sub.add_parser("doctor", help="show the safety set in force (rules, exemplars, model, resources)")
    p_content = sub.add_parser("content", help="check or export FAQ content")
    content_sub = p_content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    p_check = content_sub.add_parser("check", help="validate every content file")
    p_check.add_argument("directory", nargs="?", type=Path, help="content folder (default: CONTENT_DIR)")
    p_check.add_argument("--on", type=_iso_day, metavar="YYYY-MM-DD",
                         help="judge review dates as of this day (default: today)")
    p_export = content_sub.add_parser("export", help="write FAQ entries approved in Discord as content files")
    p_export.add_argument("directory", type=Path, help="where to write <pack>/<id>.md (e.g. content)")
    p_export.add_argument("--guild", type=int, help="the server whose revisions to write (default: HOME_GUILD_ID)")
    p_keys = sub.add_parser("keys", help="the data key that encrypts health notes at rest")
    keys_sub = p_keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    keys_sub.add_parser("rotate", help="re-encrypt everything with a new data key")
    keys_sub.add_parser("new", help="print a new random key (for DATA_KEY)")
    p_automod = sub.add_parser("automod", help="what channel watch would put into Discord AutoMod")
    p_automod.add_argument("--rules", type=int, choices=range(1, 7), help="AutoMod rules to fill (default: WATCH_AUTOMOD_RULES)")
    p_automod.add_argument("--json", action="store_true", help="one JSON object")
    p_backup = sub.add_parser("backup", help="copy the SQLite database consistently, even while the bot runs")
    p_backup.add_argument("path", type=Path, help="the new backup file (or a folder to put a dated one in)")
    p_backup.add_argument("--with-key", action="store_true", help="also copy the data key file to PATH.key (store it apart)")
    p_restore = sub.add_parser("restore", help="replace the database with a backup (the bot must be stopped)")
    p_restore.add_argument("path", type=Path, help="the backup file")
    p_restore.add_argument("--replace", action="store_true", help="replace an existing database")
    sub.add_parser("health", help="one line of JSON; exit 0 when the bot can serve (for Docker and systemd)")
    p_db = sub.add_parser("db", help="the database: copy a deployment to another database")
    db_sub = p_db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p_copy = db_sub.add_parser("copy", help="copy every table into an empty database, verified by row counts and checksums")
    p_copy.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="where the data is now: sqlite:///path or postgresql://…")
    p_copy.add_argument("--to", dest="target", required=True, metavar="URL",
                        help="an empty database to copy into: postgresql://… or sqlite:///path")
    p_sync = sub.add_parser("sync", help="register the slash commands with Discord")
    p_sync.add_argument("--guild", type=int, help="only this server (instant); default: global")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `supportbot` entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        setup_logging(settings.logging_level if args.command in {"run", "sync"} else logging.WARNING)
        if args.command == "run":
            return asyncio.run(run_bot(settings))
        if args.command == "sync":
            return asyncio.run(sync_commands(settings, args.guild))
        if args.command == "chat":
            return asyncio.run(chat(settings, args.user, args.moderator))
        if args.command == "ask":
            return asyncio.run(ask_command(settings, args.question, args.json, args.database, args.guild))
        if args.command == "triage":
            return triage_command(settings, args.text, args.json, args.country)
        if args.command == "doctor":
            return doctor(settings)
        if args.command == "content" and args.content_command == "export":
            from bot.moderation.export import export_command

            return export_command(settings, args.directory, args.guild)
        if args.command == "automod":
            from bot.watch.plan_cli import automod_command

            return automod_command(settings, args.rules, args.json)
        if args.command in {"backup", "restore", "health"}:
            from bot.ops.cli import ops_command

            return ops_command(settings, args)
        if args.command == "content" and args.content_command == "check":
            return content_check(args.directory or settings.content_dir, args.on)
        if args.command == "db":
            from bot.db.copy import copy_command

            return copy_command(args.source, args.target)
        if args.command == "keys":
            from bot.crypto import generate_key
            from bot.keys import rotate_keys

            print(generate_key() if args.keys_command == "new" else asyncio.run(rotate_keys(settings)))
            return 0
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line instead of a traceback for known start-up failures
        from bot.care.service import SafetyLoadError
        from bot.crypto import DataKeyError
        from bot.db import DatabaseError

        if isinstance(exc, DataKeyError):
            print(f"Cannot start: {exc}", file=sys.stderr)
            return 2
        if isinstance(exc, SafetyLoadError):
            print(exc, file=sys.stderr)
            return 3
        if isinstance(exc, DatabaseError):
            print(exc, file=sys.stderr)
            return 2
        raise
    return 2


if __name__ == "__main__":
    sys.exit(main())
