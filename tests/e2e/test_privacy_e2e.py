"""Privacy end to end, through the real client: the raw bytes of the database, its log and the
data folder hold no note before or after deletion while the bot is running; logs at DEBUG hold
no note or score; /mydata export, retention; medicine answers private by default; the weekly
digest posts no member's words."""

from __future__ import annotations

import json
import secrets
import sqlite3
from pathlib import Path

import pytest

from .conftest import Recorder, World
from .test_checkins_e2e import opt_in

pytestmark = pytest.mark.e2e


def data_folder(world: World) -> Path:
    return Path(world.app.settings.database_path).parent


def raw_files(world: World) -> dict[str, bytes]:
    folder = data_folder(world)
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def found_in(world: World, needle: str) -> list[str]:
    return [name for name, data in raw_files(world).items() if needle.encode() in data]


async def test_no_note_in_the_raw_bytes_before_or_after_deletion_while_running(
    world: World, debug_logs: Recorder
) -> None:
    note = f"hip pain after the bus {secrets.token_hex(6)}"
    await opt_in(world, world.alice)
    saved = await world.fake.slash("checkin log", pain=8, fatigue=7, note=note, user=world.alice)
    assert "Saved" in saved.text
    export = await world.fake.slash("checkin export", user=world.alice)
    assert note.encode() in export.files[0].data  # the member reads it back
    assert "e2e.sqlite3-wal" in raw_files(world)  # the log exists and is grepped too
    assert found_in(world, note) == [] and found_in(world, "hip pain") == []
    with sqlite3.connect(world.app.settings.database_path) as conn:
        [(stored,)] = conn.execute("SELECT note FROM checkins").fetchall()
    assert stored.startswith("enc1:")
    body = stored.split(":")[2][:32]
    assert found_in(world, body)  # the ciphertext is on disk (main file or log)...

    ask = await world.fake.slash("mydata", action="delete", user=world.alice)
    confirm = next(c for c in ask.components if c.custom_id == "mydata:confirm")
    done = await world.fake.click(ask, confirm.custom_id, user=world.alice)
    assert "deleted" in done.text
    assert not world.bot.is_closed()  # still running: nothing was flushed by a clean stop
    assert found_in(world, body) == [] and found_in(world, note) == []  # ...and after deletion, nowhere
    wal = world.app.settings.database_path.with_name(world.app.settings.database_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    logged = "\n".join(debug_logs.lines)
    assert debug_logs.lines and note not in logged and "hip pain" not in logged
    assert "fatigue" not in logged  # no interaction payload (scores) in any record


async def test_mydata_export_and_retention_through_discord(world: World) -> None:
    await opt_in(world, world.bob)
    await world.fake.slash("checkin log", pain=4, note="exported words", user=world.bob)
    export = await world.fake.slash("mydata", action="export", user=world.bob)
    assert export.ephemeral and [f.filename.rsplit(".", 1)[1] for f in export.files] == ["json", "csv"]
    document = json.loads(export.files[0].data)
    assert document["data"]["Check-ins"]["checkins"][0]["note"] == "exported words"
    kept = await world.fake.slash("mydata", action="retention", keep="1y", user=world.bob)
    assert kept.ephemeral and "kept for 1 year" in kept.text
    shown = await world.fake.slash("mydata", user=world.bob)
    assert "Kept for 1 year" in shown.text


async def test_medicine_answers_are_private_unless_asked_public(world: World) -> None:
    private = await world.fake.slash("faq", question="what is amitriptyline", user=world.alice)
    assert private.ephemeral and "answered privately" in private.text
    public = await world.fake.slash("faq", question="what is amitriptyline", private=False, user=world.alice)
    assert not public.ephemeral
    general = await world.fake.slash("faq", question="what is pacing", user=world.alice)
    assert not general.ephemeral


async def test_the_weekly_digest_posts_counts_and_numbers_never_words(world: World) -> None:
    audit = world.guild.channel("mod-audit")
    await world.fake.slash("setup", audit_channel=audit, user=world.admin)
    await world.fake.slash("faq", question="I'm Sarah, can fibro make my teeth hurt", user=world.alice)
    assert await world.app.moderation.send_due_digests() == 1
    posted = [m for m in world.fake.messages_in(audit) if "digest" in json.dumps(m.embeds).casefold()]
    assert posted
    text = json.dumps(posted[-1].embeds)
    assert "teeth" not in text and "Sarah" not in text and "1 question, asked 1 time in all" in text
