"""Write what moderators approved in Discord back as content files, so it can be committed.

Files are the source of truth: ``supportbot content export DIR`` turns the latest approved
revision of each entry into ``DIR/<pack>/<id>.md``, in exactly the format ``content check`` and the
loader read, ready to copy into ``content/`` and review as a pull request.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from bot.db import Database
from bot.faq.loader import dump_entry
from bot.moderation.store import ModerationStore, Revision

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)


async def approved_revisions(db: Database) -> list[Revision]:
    return await ModerationStore(db).latest_approved()


async def export_revisions(db: Database, out_dir: Path, *, include_retired: bool = False) -> list[Path]:
    """Write the latest approved revision of every entry as ``out_dir/<pack>/<id>.md``; return the
    paths written. Retired entries are left out unless ``include_retired`` (then they are written
    with ``status: retired``, which the loader keeps but never serves)."""
    written: list[Path] = []
    for revision in await approved_revisions(db):
        if revision.kind == "retire" and not include_retired:
            continue
        try:
            entry = revision.entry()
        except ValidationError:
            log.warning("revision #%d no longer validates; not exported", revision.id)
            continue
        path = out_dir / entry.pack / f"{entry.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_entry(entry), encoding="utf-8")
        written.append(path)
    return sorted(written)


async def export_command_async(settings: Settings, out_dir: Path, out: TextIO = sys.stdout) -> int:
    """``supportbot content export DIR``: exit 0 with the files written, 1 without a database."""
    database_path = Path(settings.database_path)
    if not await asyncio.to_thread(database_path.exists):
        print(f"There is no database at {database_path}, so there is nothing to export.", file=out)
        return 1
    db = await Database.open(database_path)
    try:
        paths = await export_revisions(db, out_dir)
        retired = [r.entry_id for r in await approved_revisions(db) if r.kind == "retire"]
    finally:
        await db.close()
    for path in paths:
        print(path, file=out)
    print(f"Exported {len(paths)} entr{'y' if len(paths) == 1 else 'ies'} approved in Discord to {out_dir}.", file=out)
    if retired:
        print(f"Retired in Discord (not exported; set status: retired in their files): {', '.join(sorted(retired))}",
              file=out)
    return 0


def export_command(settings: Settings, out_dir: Path) -> int:
    """The plain function the command line calls."""
    return asyncio.run(export_command_async(settings, out_dir))
