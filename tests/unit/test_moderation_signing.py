"""Honest review from Discord: sign-offs (two people for protected entries), the walk-through,
status, gaps that become aliases or are dismissed, reload counts, and the home server's export."""

from __future__ import annotations

import difflib
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.config import Settings
from bot.moderation.export import export_command_async
from tests.conftest import CONTENT
from tests.unit.test_moderation_service import (
    ALICE,
    BLANKET,
    BLANKET_ID,
    BOB,
    CAROL,
    GUILD,
    call,
    moderation,
    press,
)
from tests.unit.test_moderation_service import propose as propose_entry

PROTECTED = "crisis-lines"
PIZZA = "best pizza in town"
TEETH = "can fibro make my teeth hurt"


async def sign_button(app: SupportApp, actor, entry_id: str) -> str:  # type: ignore[no-untyped-def]
    shown = await call(app, "sign_off", actor, id=entry_id)
    return next(b.custom_id for b in shown.buttons if b.custom_id and b.custom_id.startswith("mod:so:"))


async def test_a_protected_entry_needs_two_moderators_to_sign_off(app: SupportApp) -> None:
    await moderation(app)
    view = lambda: app.library.view(GUILD)  # noqa: E731
    entry = view().get(PROTECTED)
    assert entry is not None and entry.meta.category == "safety"
    first = (await press(app, ALICE, await sign_button(app, ALICE, PROTECTED))).all_text()
    assert "a second moderator signs it off too" in first
    assert view().review_of(entry, app.clock.now().date()).state == "drafted"
    again = (await press(app, ALICE, await sign_button(app, ALICE, PROTECTED))).all_text()
    assert "You already signed off" in again
    assert view().review_of(entry, app.clock.now().date()).state == "drafted"
    second = (await press(app, BOB, await sign_button(app, BOB, PROTECTED))).all_text()
    assert f"Signed off protected entry `{PROTECTED}` by Alice and Bob" in second
    status = view().review_of(entry, app.clock.now().date())
    assert status.state == "reviewed" and status.by == "Alice and Bob"
    assert str(status.due) == "2027-02-23"  # safety entries are re-checked every three months


async def test_a_member_sees_the_state_and_a_stale_button_records_nothing(app: SupportApp) -> None:
    service = await moderation(app)
    answer = await app.faq.ask(CAROL, "what is pacing")
    assert "not yet reviewed by this server's moderators" in (answer.cards[0].footer or "")
    fresh = await sign_button(app, ALICE, "pacing")
    stale = fresh[:-3] + ("000" if not fresh.endswith("000") else "fff")  # the text changed since
    assert "changed since you opened it" in (await press(app, ALICE, stale)).all_text()
    assert await service.signoffs.signed_in(GUILD) == {}
    await press(app, ALICE, await sign_button(app, ALICE, "pacing"))
    answer = await app.faq.ask(CAROL, "what is pacing")
    assert "Reviewed by this server's moderators (Alice) on 23 Nov 2026" in (answer.cards[0].footer or "")


async def test_the_walk_through_visits_each_entry_once_and_status_counts(app: SupportApp) -> None:
    await moderation(app)
    reply = await call(app, "review_due", ALICE)
    seen: list[str] = []
    while reply.cards:
        sign = next(b.custom_id for b in reply.buttons if b.custom_id and b.custom_id.startswith("mod:so:"))
        entry_id = sign.split(":")[2]
        assert entry_id not in seen
        seen.append(entry_id)
        assert reply.cards[0].fields and reply.cards[0].fields[0].name == "Sources"
        if len(seen) <= 3:
            reply = await press(app, ALICE, sign)  # sign off the first three...
            reply = await press(app, ALICE, f"mod:walk:{entry_id}")
        else:  # ...and skip the rest
            skip = next(b.custom_id for b in reply.buttons if b.label == "Skip for now")
            reply = await press(app, ALICE, skip)
    assert len(seen) == 60 and seen == sorted(seen)
    assert "That was the last one. 57 entries still to review here" in reply.all_text()
    status = await call(app, "status", ALICE)
    fields = {f.name: f.value for f in status.cards[0].fields}
    protected_signed = sum(1 for e in seen[:3] if app.library.view(GUILD).get(e).meta.category == "safety")  # type: ignore[union-attr]
    assert int(fields["Reviewed"]) == 3 - protected_signed and int(fields["Drafted"]) == 57 + protected_signed
    assert fields["Entries served here"].startswith("60 ")
    assert "Server Settings → Integrations" in fields["Who can see /faq-admin"]


async def test_gaps_become_aliases_or_are_dismissed(app: SupportApp) -> None:
    service = await moderation(app)
    for question in (PIZZA, TEETH, TEETH):
        await app.faq.ask(CAROL, question)
    gaps = await call(app, "gaps", ALICE)
    assert PIZZA in gaps.all_text() and TEETH in gaps.all_text()
    # The store holds questions encrypted; opened here as the gaps reply opens them.
    rows = {app.faq_store.open_question(g.question, GUILD): g.row_id
            for g in await service.store.gaps(GUILD, app.clock.now().replace(year=2000))}
    dismissed = await press(app, ALICE, f"mod:dismiss:{rows[PIZZA]}")
    assert "Dismissed" in dismissed.all_text()
    assert PIZZA not in (await call(app, "gaps", ALICE)).all_text()
    offered = await app.moderation.complete_gaps(ALICE, "teeth")
    assert [c.value for c in offered] == [str(rows[TEETH])]
    proposed = await call(app, "alias", ALICE, question=offered[0].value, entry="main-symptoms")
    assert "Draft #" in proposed.all_text() and "other ways to ask" in proposed.all_text()
    await call(app, "approve", BOB, id="main-symptoms")
    entry = app.library.view(GUILD).get("main-symptoms")
    assert entry is not None and TEETH in entry.meta.aliases
    assert TEETH not in (await call(app, "gaps", ALICE)).all_text()
    answer = await app.faq.ask(CAROL, TEETH)
    assert answer.cards and answer.cards[0].title == entry.question


async def test_reload_counts_only_revisions_that_are_served(app: SupportApp) -> None:
    await moderation(app)
    await propose_entry(app, ALICE, BLANKET)
    await call(app, "approve", BOB, id=BLANKET_ID)
    await call(app, "retire", ALICE, id="opioids", reason="being rewritten")
    await call(app, "retire", ALICE, id="acupuncture", reason="being rewritten")
    text = (await call(app, "reload", ALICE)).all_text()
    assert "59 entries are served in this server" in text  # 60 files, one new entry, two retired
    assert "1 of them come from revisions approved here in Discord" in text


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


@pytest.fixture
async def home_app(settings: Settings, clock: ManualClock, content: Path) -> AsyncIterator[SupportApp]:
    settings = settings.model_copy(update={"content_dir": content, "home_guild_id": GUILD})
    application = await SupportApp.open(settings, clock=clock)
    try:
        await moderation(application)
        yield application
    finally:
        await application.close()


async def test_the_home_servers_work_goes_back_to_the_files_as_small_diffs(home_app: SupportApp,
                                                                          content: Path) -> None:
    pacing = content / "fibromyalgia" / "pacing.md"
    before = pacing.read_text(encoding="utf-8")
    await home_app.faq.ask(CAROL, TEETH)
    row = (await home_app.moderation.store.gaps(GUILD, home_app.clock.now().replace(year=2000)))[0].row_id  # type: ignore[attr-defined]
    await call(home_app, "alias", ALICE, question=str(row), entry="pacing")
    await call(home_app, "approve", BOB, id="pacing")
    out = io.StringIO()
    assert await export_command_async(home_app.settings, content, None, out) == 0
    diff = [line for line in difflib.unified_diff(before.splitlines(), pacing.read_text().splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == [f"+  - {TEETH}"]
    # A sign-off in the home server becomes the file's review metadata; reloading keeps it reviewed.
    await press(home_app, BOB, await sign_button(home_app, BOB, "pacing"))
    assert await export_command_async(home_app.settings, content, None, io.StringIO()) == 0
    text = pacing.read_text()
    assert "review: reviewed\nreviewed_by: Bob\nreviewed_on: 2026-11-23\nreview_due: 2027-11-23\n" in text
    await call(home_app, "reload", ALICE)
    entry = home_app.library.file_entries()["pacing"]
    assert entry.meta.review == "reviewed"
    # The file's review counts for the home server only; another server still sees it drafted.
    other = home_app.library.view(GUILD + 1)
    assert other.review_of(entry, home_app.clock.now().date()).state == "drafted"
    home = home_app.library.view(GUILD)
    assert home.review_of(home.get("pacing"), home_app.clock.now().date()).state == "reviewed"  # type: ignore[arg-type]


async def test_restoring_a_retired_entry_keeps_its_review_and_dates(app: SupportApp, clock: ManualClock) -> None:
    from datetime import timedelta

    await moderation(app)
    await press(app, ALICE, await sign_button(app, ALICE, "pacing"))
    await call(app, "retire", ALICE, id="pacing", reason="checking a source")
    assert app.library.view(GUILD).get("pacing") is None
    clock.advance(timedelta(days=40))
    form = await call(app, "edit", BOB, id="pacing")
    assert form.modal is not None
    restored = await press(app, BOB, form.modal.custom_id, {f.custom_id: f.value or "" for f in form.modal.fields})
    assert "brings it back" in restored.all_text()  # the draft says it restores the entry
    await call(app, "approve", ALICE, id="pacing")
    view = app.library.view(GUILD)
    entry = view.get("pacing")
    assert entry is not None
    status = view.review_of(entry, clock.now().date())
    assert status.state == "reviewed" and status.by == "Alice"
    assert str(status.on) == "2026-11-23" and str(status.due) == "2027-11-23"
