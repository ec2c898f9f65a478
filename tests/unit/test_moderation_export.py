"""Files stay the source of truth: export writes approved revisions as content files that load
back identically; reload re-reads content/, keeps the last good set on errors, and a newer
reviewed file wins over an older Discord revision."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.faq.loader import load_entries
from bot.moderation.export import export_command_async, export_revisions
from tests.conftest import CONTENT
from tests.unit.test_moderation_service import (
    ALICE,
    BLANKET,
    BLANKET_ID,
    BOB,
    CAROL,
    GUILD,
    call,
    draft_number,
    edit,
    moderation,
    propose,
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture
async def local_app(settings: Settings, clock: ManualClock, content: Path) -> AsyncIterator[SupportApp]:
    """An app serving a private copy of the content, so tests may break files."""
    application = await SupportApp.open(settings.model_copy(update={"content_dir": content}), clock=clock)
    try:
        await moderation(application)
        yield application
    finally:
        await application.close()


async def test_export_round_trip_gives_identical_entries(app: SupportApp, tmp_path: Path) -> None:
    await moderation(app)
    await propose(app, ALICE, BLANKET)
    await call(app, "approve", BOB, id=BLANKET_ID)
    await edit(app, BOB, "pacing", summary="Pacing keeps your activity steady from day to day, so good days "
               "don't cost you the next ones.")
    await call(app, "approve", ALICE, id="pacing")
    await call(app, "retire", ALICE, id="opioids", reason="Being rewritten with the pain clinic.")
    await propose(app, ALICE, {**BLANKET, "question": "Is a still pending entry exported?"})
    out = tmp_path / "export"
    paths = await export_revisions(app.db, out, GUILD)
    assert paths == [out / "fibromyalgia" / "pacing.md", out / "fibromyalgia" / f"{BLANKET_ID}.md"]
    loaded = load_entries(out)
    assert loaded.problems == []
    assert set(loaded.entries) == {"pacing", BLANKET_ID}
    for entry_id, entry in loaded.entries.items():
        served = app.library.view(GUILD).get(entry_id)
        assert served is not None and entry.same_content(served) and entry.pack == served.pack
    with_retired = await export_revisions(app.db, tmp_path / "all", GUILD, include_retired=True)
    retired = load_entries(tmp_path / "all").entries["opioids"]
    assert len(with_retired) == 3 and retired.meta.status == "retired"


async def test_export_command_reports_what_it_wrote(app: SupportApp, settings: Settings, tmp_path: Path) -> None:
    await moderation(app)
    await propose(app, ALICE, BLANKET)
    await call(app, "approve", BOB, id=BLANKET_ID)
    await call(app, "retire", ALICE, id="opioids", reason="Being rewritten.")
    import io

    out = io.StringIO()
    assert await export_command_async(settings, tmp_path / "export", GUILD, out) == 0
    text = out.getvalue()
    assert f"{BLANKET_ID}.md" in text and "Exported 1 entry" in text and "Retired in Discord" in text
    missing = settings.model_copy(update={"database_path": tmp_path / "nope.sqlite3"})
    assert await export_command_async(missing, tmp_path / "x", GUILD, io.StringIO()) == 1
    # Without a home server or --guild, export asks which server instead of guessing.
    nobody = io.StringIO()
    assert await export_command_async(settings, tmp_path / "y", None, nobody) == 1
    assert "HOME_GUILD_ID" in nobody.getvalue() and not (tmp_path / "y").exists()


async def test_exported_files_pass_when_copied_into_content(local_app: SupportApp, content: Path) -> None:
    await propose(local_app, ALICE, BLANKET)
    await call(local_app, "approve", BOB, id=BLANKET_ID)
    await export_revisions(local_app.db, content, GUILD)
    reply = await call(local_app, "reload", ALICE)
    assert "Reloaded the content" in reply.all_text()
    served = local_app.library.view(GUILD).get(BLANKET_ID)
    assert served is not None and (content / "fibromyalgia" / f"{BLANKET_ID}.md").exists()
    # the file and the revision say the same, so nothing is reported as drift
    assert reply.cards == []


async def test_reload_with_a_broken_file_keeps_serving_and_names_file_and_field(
    local_app: SupportApp, content: Path
) -> None:
    before = len(local_app.library.view(GUILD).published())
    pacing = content / "fibromyalgia" / "pacing.md"
    pacing.write_text(pacing.read_text().replace("category: self-care", "category: gossip"))
    (content / "fibromyalgia" / "flares.md").write_text("no front matter here\n")
    reply = await call(local_app, "reload", ALICE)
    text = reply.all_text()
    assert "members keep getting the last good content" in text
    assert "content/fibromyalgia/pacing.md: category: Input should be 'basics'" in text
    assert "content/fibromyalgia/flares.md: the file must start with a '---' line" in text
    assert len(local_app.library.view(GUILD).published()) == before
    answer = await local_app.faq.ask(CAROL, "what is pacing")
    assert answer.cards and answer.cards[0].title == "What is pacing and how do I avoid boom-and-bust?"


async def test_reload_picks_up_a_fixed_file_and_keeps_discord_revisions(local_app: SupportApp, content: Path) -> None:
    await propose(local_app, ALICE, BLANKET)
    await call(local_app, "approve", BOB, id=BLANKET_ID)
    flares = content / "fibromyalgia" / "flares.md"
    flares.write_text(flares.read_text().replace("status: published", "status: retired"))
    reply = await call(local_app, "reload", BOB)
    assert "1 of them come from revisions approved here in Discord" in reply.all_text()
    assert local_app.library.view(GUILD).get("flares") is None
    assert local_app.library.view(GUILD).get(BLANKET_ID) is not None


async def test_a_newer_file_wins_over_an_older_discord_revision(local_app: SupportApp, content: Path) -> None:
    await edit(local_app, ALICE, "pacing", summary="Pacing keeps your activity steady from day to day.")
    await call(local_app, "approve", BOB, id="pacing")
    assert local_app.library.view(GUILD).get("pacing").meta.summary.startswith("Pacing keeps")  # type: ignore[union-attr]
    pacing = content / "fibromyalgia" / "pacing.md"
    pacing.write_text(pacing.read_text().replace("Pacing means keeping", "Pacing is about keeping"))
    reply = await call(local_app, "reload", ALICE)
    assert "pacing: the file changed on disk after revision #1" in reply.all_text()
    assert local_app.library.view(GUILD).get("pacing").meta.summary.startswith("Pacing is about keeping")  # type: ignore[union-attr]
    history = await call(local_app, "history", ALICE, id="pacing")
    assert "the file changed on disk after #1, so the file wins" in history.all_text()


async def test_a_draft_goes_stale_when_the_file_changes_under_it(local_app: SupportApp, content: Path) -> None:
    rev = draft_number(await edit(local_app, ALICE, "pacing", summary="Pacing keeps your activity steady."))
    pacing = content / "fibromyalgia" / "pacing.md"
    pacing.write_text(pacing.read_text().replace("Pacing means keeping", "Pacing is about keeping"))
    await call(local_app, "reload", ALICE)
    review = await call(local_app, "review", BOB)
    assert "can't be approved" in review.all_text()
    reply = await call(local_app, "approve", BOB, id="pacing")
    assert "changed after draft #1 was written" in reply.all_text()
    revision = await local_app.moderation.store.get(GUILD, rev)  # type: ignore[attr-defined]
    assert revision is not None and revision.status == "superseded"
    assert local_app.library.view(GUILD).get("pacing").meta.summary.startswith("Pacing is about keeping")  # type: ignore[union-attr]


async def test_published_revisions_survive_a_restart(settings: Settings, clock: ManualClock) -> None:
    first = await SupportApp.open(settings, clock=clock)
    try:
        await moderation(first)
        await propose(first, ALICE, BLANKET)
        await call(first, "approve", BOB, id=BLANKET_ID)
    finally:
        await first.close()
    second = await SupportApp.open(settings, clock=clock)
    try:
        await second.moderation.start()
        assert second.library.view(GUILD).get(BLANKET_ID) is not None
        answer = await second.faq.ask(CAROL, "weighted blanket for fibro")
        assert answer.cards and answer.cards[0].title == BLANKET["question"]
    finally:
        await second.close()


async def test_an_entry_too_long_for_a_form_is_edited_in_its_file(local_app: SupportApp, content: Path) -> None:
    pacing = content / "fibromyalgia" / "pacing.md"
    pacing.write_text(pacing.read_text() + "\n" + "More practical detail about pacing. " * 120)
    await call(local_app, "reload", ALICE)
    reply = await call(local_app, "edit", ALICE, id="pacing")
    assert reply.modal is None and "edit its content file instead" in reply.all_text()
