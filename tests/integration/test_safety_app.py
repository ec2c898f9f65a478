"""Safety through the real app: the screen has no shortcut, protected entries need two people,
a broken safety file on reload keeps the last good set, and asking for someone else is consistent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.app import SupportApp
from bot.care.service import SafetyLoadError
from bot.clock import ManualClock
from bot.config import Settings
from tests.conftest import CONTENT
from tests.unit.test_moderation_service import ALICE, BOB, CAROL, GUILD, call, draft_number, edit, moderation

SUICIDAL_QUESTION = "I'm having thoughts of suicide. What can I do right now?"


async def test_exact_entry_question_gets_the_crisis_reply_not_the_entry(app: SupportApp) -> None:
    entry = app.library.get("suicidal-thoughts")
    assert entry is not None and entry.question == SUICIDAL_QUESTION
    await app.guilds.update(GUILD, alert_channel_id=77)  # the moderator button needs an alert channel
    reply = await app.faq.ask(CAROL, SUICIDAL_QUESTION)
    text = reply.all_text()
    assert reply.ephemeral and "Are you safe right now?" in text
    assert any(b.custom_id == "care:alert" for b in reply.buttons)
    assert not any(card.title == SUICIDAL_QUESTION for card in reply.cards)
    await app.faq_store.drain()  # statistics are written in batches
    events = await app.db.fetchval("SELECT COUNT(*) FROM faq_events WHERE kind = 'safety'")
    assert events == 1


async def test_a_picked_entry_id_is_not_free_text(app: SupportApp) -> None:
    reply = await app.faq.ask(CAROL, "suicidal-thoughts")
    assert reply.cards and reply.cards[0].title == SUICIDAL_QUESTION


@pytest.mark.parametrize("text", [
    "my friend says she wants to kill herself",
    "My husband told me he wants to end his life",
    "how do i help my son who is self harming",
    "my daughter took an overdose",
    "my best friend is suicidal what should i do",
    "someone in my group said they are going to end it tonight",
])
async def test_asking_for_someone_else_gets_the_helping_answer(app: SupportApp, text: str) -> None:
    reply = await app.faq.ask(CAROL, text)
    body = reply.all_text()
    assert "Helping someone who may be in danger" in body, body
    assert "Samaritans" in body or "988" in body  # the crisis lines are there for the helper too
    assert any(b.custom_id == "faq:open:helping-someone" for b in reply.buttons)


async def test_the_writer_in_crisis_gets_the_crisis_reply(app: SupportApp) -> None:
    reply = await app.faq.ask(CAROL, "my wife would be better off without me")
    assert "Are you safe right now?" in reply.all_text()


async def test_a_gentle_note_goes_beside_the_answer(app: SupportApp) -> None:
    triage = app.care.classify("i have been quietly putting my tablets aside for weeks")
    outcome = await app.care.screen(CAROL, "i have been quietly putting my tablets aside for weeks")
    assert outcome is not None
    if triage.gentle and triage.level.value == "none":
        assert outcome.beside and not outcome.stops
        reply = await app.faq.ask(CAROL, "i have been quietly putting my tablets aside for weeks")
        assert reply.ephemeral and "It sounds like things are really hard" in (reply.content or "")
    else:  # the layers flag it outright: the stronger reply
        assert outcome.level in {"crisis", "urgent", "clinician"}


# -- protected entries ----------------------------------------------------------------------

async def test_one_moderator_cannot_retire_a_protected_entry(app: SupportApp) -> None:
    await moderation(app)
    app.settings.allow_self_approval = True
    reply = await call(app, "retire", ALICE, id="crisis-lines", reason="testing the two-person rule")
    assert "needs a second moderator" in reply.all_text()
    assert app.library.view(GUILD).get("crisis-lines") is not None
    rev = draft_number(reply)
    refused = await call(app, "approve", ALICE, id=str(rev))
    assert "protected safety entry" in refused.all_text()
    assert app.library.view(GUILD).get("crisis-lines") is not None
    answer = await app.faq.ask(CAROL, "crisis-lines")
    assert answer.cards
    approved = await call(app, "approve", BOB, id=str(rev))
    assert "Approved" in approved.all_text()
    assert app.library.view(GUILD).get("crisis-lines") is None


async def test_self_approval_never_changes_a_protected_entry(app: SupportApp) -> None:
    await moderation(app)
    await app.guilds.update(ALICE.guild_id, allow_self_approval=True)
    app.settings.allow_self_approval = True
    rev = draft_number(await edit(app, ALICE, "cauda-equina"))
    refused = await call(app, "approve", ALICE, id=str(rev))
    assert "protected safety entry" in refused.all_text()
    assert (await app.moderation.store.get(GUILD, rev)).status == "pending"  # type: ignore[union-attr]
    assert app.library.view(GUILD).get("cauda-equina") is not None and app.library.view(GUILD).get("cauda-equina").meta.protected  # type: ignore[union-attr]


async def test_unprotected_entries_keep_self_approval(app: SupportApp) -> None:
    await moderation(app)
    app.settings.allow_self_approval = True
    reply = await call(app, "retire", ALICE, id="pacing", reason="A source was withdrawn.")
    assert "members no longer get this answer" in reply.all_text()


# -- reload and start-up ------------------------------------------------------------------

@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


async def test_reload_with_a_broken_safety_file_keeps_the_last_good_set(
    content_copy: Path, settings: Settings, clock: ManualClock
) -> None:
    settings.content_dir = content_copy
    app = await SupportApp.open(settings, clock=clock)
    try:
        await moderation(app)
        before = app.care.triager
        crisis = content_copy / "safety" / "crisis.yaml"
        crisis.write_text(crisis.read_text(encoding="utf-8").replace("rules:\n", "rules: [\n", 1), encoding="utf-8")
        reply = await call(app, "reload", ALICE)
        text = reply.all_text()
        assert "Safety files NOT reloaded" in text and "crisis.yaml" in text and "not valid YAML" in text
        assert "last good" in text
        assert app.care.triager is before
        answer = await app.faq.ask(CAROL, "I want to kill myself")
        assert "Are you safe right now?" in answer.all_text()
    finally:
        await app.close()


async def test_start_up_refuses_without_safety_content(tmp_path: Path, clock: ManualClock) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "db.sqlite3",  # type: ignore[call-arg]
                        content_dir=tmp_path / "nonexistent", discord_token=None)
    with pytest.raises(SafetyLoadError, match="nonexistent"):
        await SupportApp.open(settings, clock=clock)


async def test_broken_faq_files_at_start_up_are_posted_to_audit_channels(
    content_copy: Path, settings: Settings, clock: ManualClock
) -> None:
    (content_copy / "fibromyalgia" / "broken-entry.md").write_text("---\nid: broken-entry\n---\nbody\n", encoding="utf-8")
    settings.content_dir = content_copy
    app = await SupportApp.open(settings, clock=clock)
    try:
        assert await app.moderation.post_startup_problems() == 0  # no audit channel yet: nobody to tell
        await app.guilds.update(ALICE.guild_id, audit_channel_id=555)
        assert await app.moderation.post_startup_problems() == 1
        channel, post = app.outbox.channel_posts[-1]
        assert channel == 555 and not post.ephemeral
        assert "broken-entry.md" in post.all_text() and "start-up" in post.all_text()
    finally:
        await app.close()
