"""Privacy checked byte by byte: notes are encrypted on disk, a database without its key reveals
nothing and will not start, rotation re-encrypts in place, and deletion leaves no trace in the
database, its log or the data folder."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.__main__ import main
from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import load_settings
from bot.console.render import render
from bot.crypto import DataKeyError, DecryptError, Keyring, generate_key, is_encrypted
from bot.db import Database
from bot.keys import key_file_path, rotate_keys
from bot.ui import Actor
from tests.integration.test_checkins import opt_in


def unique_note() -> str:
    return f"knee flare after swimming {secrets.token_hex(6)}"


def folder_bytes(folder: Path) -> dict[Path, bytes]:
    """Every file under the data folder, raw (database, -wal, -shm, key, saved files)."""
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_nowhere(folder: Path, *needles: str) -> None:
    for path, data in folder_bytes(folder).items():
        for needle in needles:
            assert needle.encode() not in data, f"{needle!r} found in {path.name}"


def stored_notes(path: Path) -> list[str]:
    """The note column read with plain sqlite3, as anyone holding a copy of the file could."""
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT note FROM checkins WHERE note IS NOT NULL")]


async def test_notes_are_encrypted_on_disk_and_read_back_for_the_member(app: SupportApp, member: Actor) -> None:
    note = unique_note()
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=6, note=note)
    export = await app.checkins.export(member)
    assert note.encode() in export.files[0].data  # the member gets their words back
    assert_nowhere(app.settings.database_path.parent, note, "knee flare")  # while the bot runs
    [stored] = stored_notes(app.settings.database_path)
    assert is_encrypted(stored) and "knee" not in stored


async def test_a_copied_database_without_its_key_reveals_no_note_and_will_not_start(
    app: SupportApp, member: Actor, tmp_path: Path
) -> None:
    note = unique_note()
    await opt_in(app, member)
    await app.checkins.log_checkin(member, note=note)
    await app.close()
    copy = tmp_path / "stolen" / "copy.sqlite3"
    copy.parent.mkdir()
    shutil.copy(app.settings.database_path, copy)
    assert note not in "".join(stored_notes(copy))
    assert_nowhere(copy.parent, note)

    missing = app.settings.model_copy(update={"database_path": copy})
    with pytest.raises(DataKeyError, match="is missing"):
        await SupportApp.open(missing)
    assert not key_file_path(missing).exists()  # never a new key over existing encrypted data

    wrong = missing.model_copy(update={"data_key": SecretStr(generate_key())})
    with pytest.raises(DataKeyError, match="wrong key"):
        await SupportApp.open(wrong)

    right = missing.model_copy(update={"data_key_file": key_file_path(app.settings)})
    reopened = await SupportApp.open(right)
    try:
        assert (await reopened.checkins.store.checkins(member.user_id))[0].note == note
    finally:
        await reopened.close()


def test_the_command_line_refuses_a_wrong_key_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "data" / "bot.sqlite3"))
    monkeypatch.setenv("CONTENT_DIR", str(Path(__file__).resolve().parents[2] / "content"))
    monkeypatch.setenv("DATA_KEY", generate_key())

    async def first_start() -> None:  # the database now belongs to that key
        await (await SupportApp.open(load_settings())).close()

    asyncio.run(first_start())
    monkeypatch.setenv("DATA_KEY", generate_key())
    assert main(["chat"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Cannot start:") and "wrong key" in err and "\n" not in err
    monkeypatch.setenv("DATA_KEY", "not-a-key")
    assert main(["chat"]) == 2
    err = capsys.readouterr().err.strip()
    assert "DATA_KEY is not valid" in err and "not-a-key" not in err and "\n" not in err


async def test_the_key_file_is_created_private_and_a_readable_one_is_refused(app: SupportApp) -> None:
    path = key_file_path(app.settings)
    assert path is not None and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await app.close()
    path.chmod(0o644)
    with pytest.raises(DataKeyError, match="chmod 600"):
        await SupportApp.open(app.settings)


async def test_rotation_re_encrypts_in_place_and_the_old_key_opens_nothing(
    app: SupportApp, member: Actor, clock: ManualClock
) -> None:
    note = unique_note()
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=3, note=note)
    await app.faq.vote(member, "pacing", helpful=True)
    await app.close()
    path = key_file_path(app.settings)
    old = path.read_text().strip()
    message = await rotate_keys(app.settings)
    assert "Rotated" in message and "re-encrypted" in message
    new = path.read_text().strip()
    assert new != old and "\n" not in new and stat.S_IMODE(path.stat().st_mode) == 0o600
    [stored] = stored_notes(app.settings.database_path)
    with pytest.raises(DecryptError):
        Keyring.from_text(old).decrypt(stored, f"checkins.note:{member.user_id}")
    assert Keyring.from_text(new).decrypt(stored, f"checkins.note:{member.user_id}") == note
    reopened = await SupportApp.open(app.settings, clock=clock)
    try:
        assert (await reopened.checkins.store.checkins(member.user_id))[0].note == note
        assert await reopened.faq_store.votes_by(member.user_id) == 1  # the salt survived rotation
    finally:
        await reopened.close()
    assert_nowhere(app.settings.database_path.parent, note)


async def test_rotation_with_data_key_takes_the_new_key_first(app: SupportApp, member: Actor, clock: ManualClock) -> None:
    await app.close()
    first = generate_key()
    settings = app.settings.model_copy(update={"database_path": app.settings.database_path.with_name("env.sqlite3")})
    settings.data_key = SecretStr(first)
    opened = await SupportApp.open(settings, clock=clock)
    await opt_in(opened, member)
    await opened.checkins.log_checkin(member, note="env note")
    await opened.close()
    assert "put a new key first" in await rotate_keys(settings)
    second = generate_key()
    settings.data_key = SecretStr(f"{second},{first}")
    assert "Re-encrypted" in await rotate_keys(settings)
    settings.data_key = SecretStr(second)
    reopened = await SupportApp.open(settings, clock=clock)
    try:
        assert (await reopened.checkins.store.checkins(member.user_id))[0].note == "env note"
    finally:
        await reopened.close()
    settings.data_key = SecretStr(first)
    with pytest.raises(DataKeyError, match="wrong key"):
        await SupportApp.open(settings, clock=clock)


async def test_plain_notes_and_salt_from_an_older_version_are_encrypted_in_place(
    app: SupportApp, member: Actor, clock: ManualClock
) -> None:
    """A database written before encryption existed: plain notes and a plain salt."""
    await app.close()
    path = app.settings.database_path.with_name("legacy.sqlite3")
    db = await Database.open(path)
    salt = secrets.token_hex(32)
    note = unique_note()
    voter = hmac.new(bytes.fromhex(salt), str(member.user_id).encode(), hashlib.sha256).hexdigest()
    await db.execute("INSERT INTO app_secrets VALUES ('feedback_salt', ?, '2026-01-01T00:00:00.000000Z')", (salt,))
    await db.execute("INSERT INTO checkin_members (user_id, timezone, consented_at, updated_at) "
                     "VALUES (?, 'Europe/London', 'x', 'x')", (member.user_id,))
    await db.execute("INSERT INTO checkins (user_id, day, note, created_at, updated_at) VALUES (?, '2026-11-20', ?, "
                     "'x', 'x')", (member.user_id, note))
    await db.execute("INSERT INTO faq_feedback (entry_id, voter_hash, helpful, guild_id, voted_at) "
                     "VALUES ('pacing', ?, 1, 0, 'x')", (voter,))
    question = "I'm Dana Whitfield from Harrogate, can fibro make my teeth hurt"
    await db.execute("INSERT INTO unanswered_questions (guild_id, normalized, question, asked_at) VALUES "
                     "(7, 'im dana whitfield', ?, '2026-11-20T13:14:15.123456Z')", (question,))
    await db.close()
    legacy = app.settings.model_copy(update={"database_path": path})
    opened = await SupportApp.open(legacy, clock=clock)
    try:
        assert (await opened.checkins.store.checkins(member.user_id))[0].note == note
        assert await opened.faq_store.votes_by(member.user_id) == 1  # same salt, now encrypted
        stored_salt = await opened.db.fetchval("SELECT value FROM app_secrets WHERE name = 'feedback_salt'")
        assert is_encrypted(stored_salt)
        row = await opened.db.fetchone("SELECT guild_id, question, normalized, asked_at FROM unanswered_questions")
        assert is_encrypted(row["question"]) and row["asked_at"] == "2026-11-20T00:00:00.000000Z"
        words = opened.faq_store.open_question(row["question"], row["guild_id"])
        assert "teeth hurt" in words and "Dana" not in words and "Harrogate" not in words
        # gone from the main file and the log, bot still running
        assert_nowhere(path.parent, note, salt, "Whitfield", "dana whitfield")
    finally:
        await opened.close()


async def test_deletion_leaves_no_trace_in_the_database_its_log_or_the_data_folder(
    app: SupportApp, member: Actor
) -> None:
    note = unique_note()
    folder = app.settings.database_path.parent
    await opt_in(app, member)
    await app.checkins.log_checkin(member, pain=7, note=note)
    await app.checkins.log_checkin(member, day="yesterday", note=note + " again")
    _, saved = render(await app.checkins.export(member), files_dir=app.member_files.of(member.user_id))
    assert saved and saved[0].is_relative_to(folder)  # the console saves under the data folder
    ciphertexts = stored_notes(app.settings.database_path)
    assert len(ciphertexts) == 2
    assert_nowhere(folder / "test.sqlite3", note)  # before deletion: only ciphertext
    assert "Saved files" in (await app.privacy.mydata(member)).all_text()
    await app.router.dispatch(member, "mydata:confirm")
    # The bot is still running: the connection is open, nothing was closed or checkpointed by a stop.
    wal = folder / "test.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert_nowhere(folder, note, *ciphertexts, *(c.split(":")[2][:24] for c in ciphertexts))
    assert not app.member_files.of(member.user_id).exists()
    assert "don't store anything" in (await app.privacy.mydata(member)).all_text()


async def test_stopping_check_ins_and_deleting_them_also_scrubs_the_log(app: SupportApp, member: Actor) -> None:
    await opt_in(app, member)
    note = unique_note()
    await app.checkins.log_checkin(member, note=note)
    render(await app.checkins.export(member), files_dir=app.member_files.of(member.user_id))
    ciphertexts = stored_notes(app.settings.database_path)
    await app.checkins.stop(member)
    await app.router.dispatch(member, "ci:delete")
    assert_nowhere(app.settings.database_path.parent, note, *ciphertexts)
    assert not app.member_files.of(member.user_id).exists()


async def test_rotation_refuses_while_the_bot_is_running(app: SupportApp) -> None:
    old = key_file_path(app.settings).read_text()
    with pytest.raises(DataKeyError, match="stop it before rotating"):
        await rotate_keys(app.settings)
    assert key_file_path(app.settings).read_text() == old  # nothing changed
