"""Write what one server's moderators did in Discord back into content files, so it can be committed.

The files are the shared base pack; the *home* server (``HOME_GUILD_ID``, or ``--guild``) is the
community that owns them. ``supportbot content export DIR`` writes that server's latest approved
revision of each entry, and its sign-offs as review metadata, into ``DIR/<pack>/<id>.md``. An
existing file (in ``DIR``, or else in the content folder) is edited in place, changing only the
fields that changed (:mod:`bot.faq.roundtrip`), so adding one alias is a one-line diff.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from bot.db import Database
from bot.faq.loader import load_entries
from bot.faq.models import FaqEntry
from bot.faq.review import review_hash
from bot.faq.roundtrip import update_entry_text
from bot.moderation.signoffs import SignOffRow, SignOffStore
from bot.moderation.store import ModerationStore, Revision

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


class ExportError(Exception):
    """Export cannot run as asked (no server named); the message says what to do."""


async def approved_revisions(db: Database, guild_id: int) -> list[Revision]:
    """The latest approved revision of each entry in one server."""
    return await ModerationStore(db).latest_approved(guild_id)


def _with_signoff(entry: FaqEntry, signoff: SignOffRow | None) -> FaqEntry:
    """The entry with the server's sign-off as its file review metadata, when the sign-off covers
    exactly this text; an entry whose text changed since is written as drafted, never as reviewed."""
    if signoff is not None and signoff.review_hash == review_hash(entry):
        meta = entry.meta.model_copy(update={"review": "reviewed", "reviewed_by": signoff.signoff().reviewers,
                                             "reviewed_on": signoff.reviewed_on, "review_due": signoff.review_due})
        return entry.model_copy(update={"meta": meta})
    if entry.meta.review == "reviewed" and signoff is not None:
        meta = entry.meta.model_copy(update={"review": "drafted", "reviewed_by": None, "reviewed_on": None,
                                             "review_due": None})
        return entry.model_copy(update={"meta": meta})
    return entry


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


async def export_revisions(db: Database, out_dir: Path, guild_id: int, *, content_dir: Path | None = None,
                           include_retired: bool = False) -> list[Path]:
    """Write the server's approved revisions and sign-offs as ``out_dir/<pack>/<id>.md``; return
    the paths written (files whose text would not change are left alone). Retired entries are
    left out unless ``include_retired`` (then they get ``status: retired``)."""
    files = load_entries(content_dir).entries if content_dir is not None else {}
    signed = await SignOffStore(db).signed_in(guild_id)
    entries: dict[str, FaqEntry] = {}
    for revision in await approved_revisions(db, guild_id):
        if revision.kind == "retire" and not include_retired:
            continue
        try:
            entries[revision.entry_id] = revision.entry()
        except ValidationError:
            log.warning("revision #%d no longer validates; not exported", revision.id)
    for entry_id in signed:
        if entry_id not in entries and entry_id in files:
            entries[entry_id] = files[entry_id]
    written: list[Path] = []
    for entry_id, entry in entries.items():
        entry = _with_signoff(entry, signed.get(entry_id))
        path = out_dir / entry.pack / f"{entry.id}.md"
        existing = _read(path)
        old = existing
        if old is None and content_dir is not None:
            old = _read(content_dir / entry.pack / f"{entry.id}.md")
        text = update_entry_text(old, entry)
        if text == existing:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return sorted(written)


async def export_command_async(settings: Settings, out_dir: Path, guild_id: int | None = None,
                               out: TextIO = sys.stdout) -> int:
    """``supportbot content export DIR [--guild ID]``: exit 0 with the files written, 1 without a
    database or without a server to export."""
    guild = guild_id or settings.home_guild_id
    if guild is None:
        print("Which server's revisions should be written? Set HOME_GUILD_ID (the server whose moderators own "
              "the content files) or pass --guild ID. Nothing was written.", file=out)
        return 1
    database_path = settings.database.path
    if database_path is not None and not await asyncio.to_thread(database_path.exists):
        print(f"There is no database at {database_path}, so there is nothing to export.", file=out)
        return 1
    db = await Database.open(settings.database)
    try:
        paths = await export_revisions(db, out_dir, guild, content_dir=Path(settings.content_dir))
        retired = [r.entry_id for r in await approved_revisions(db, guild) if r.kind == "retire"]
    finally:
        await db.close()
    for path in paths:
        print(path, file=out)
    print(f"Exported {len(paths)} entr{'y' if len(paths) == 1 else 'ies'} changed in server {guild} to {out_dir}.",
          file=out)
    if retired:
        print(f"Retired in Discord (not exported; set status: retired in their files): {', '.join(sorted(retired))}",
              file=out)
    return 0


def export_command(settings: Settings, out_dir: Path, guild_id: int | None = None) -> int:
    """The plain function the command line calls."""
    return asyncio.run(export_command_async(settings, out_dir, guild_id))
