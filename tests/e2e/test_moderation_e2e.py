"""Moderation end to end: the form, the two-person rule, buttons, refusals and audit posts,
through the real client and the fake Discord."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from .conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.both_backends]

FORM = {
    "question": "Can a weighted blanket help with fibromyalgia?",
    "summary": "Some people find a weighted blanket calming and sleep better under one. Research is small, so "
               "treat it as a comfort to try.",
    "detail": "A weighted blanket is heavier than a normal one.\n\n**When to see a professional:** talk to your "
              "GP if poor sleep goes on for weeks.",
    "aliases": "weighted blanket for fibro\nheavy blanket for sleep with fibromyalgia\nwould a weighted blanket help",
    "sources": "Fibromyalgia | NHS | 2022 | https://www.nhs.uk/conditions/fibromyalgia/",
}

COMMANDS = [
    ("faq-admin propose", {}),
    ("faq-admin edit", {"id": "pacing"}),
    ("faq-admin review", {}),
    ("faq-admin approve", {"id": "pacing"}),
    ("faq-admin reject", {"id": "pacing", "reason": "no"}),
    ("faq-admin retire", {"id": "pacing", "reason": "no"}),
    ("faq-admin history", {"id": "pacing"}),
    ("faq-admin reload", {}),
    ("faq-admin gaps", {}),
    ("faq-admin stats", {}),
    ("faq-admin due", {}),
    ("faq-admin sign-off", {"id": "pacing"}),
    ("faq-admin review-due", {}),
    ("faq-admin status", {}),
    ("faq-admin alias", {"question": "1", "entry": "pacing"}),
]


@pytest.mark.parametrize(("command", "options"), COMMANDS, ids=[c for c, _ in COMMANDS])
async def test_every_moderator_command_refuses_members_kindly(world: World, command: str, options: dict) -> None:
    result = await world.fake.slash(command, user=world.alice, options=options, check=False)
    assert result.ephemeral and "for moderators" in result.text
    assert world.app.library.view(world.guild.id).get("pacing") is not None


async def test_moderator_commands_are_hidden_by_default_permissions(world: World) -> None:
    synced = world.fake.guild_commands[world.guild.id]
    commands = synced.values() if isinstance(synced, dict) else synced
    admin = next(c for c in commands if c["name"] == "faq-admin")
    assert admin["default_member_permissions"] == str(1 << 5)  # Manage Server


async def test_safety_watch_is_hidden_from_members_on_the_group(world: World) -> None:
    """Discord reads default permissions only on the top-level command, so they sit on the group."""
    synced = world.fake.guild_commands[world.guild.id]
    commands = synced.values() if isinstance(synced, dict) else synced
    watch = next(c for c in commands if c["name"] == "safety-watch")
    assert watch["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert all(o.get("default_member_permissions") is None for o in watch.get("options", []))


async def test_propose_approve_history_and_audit(world: World) -> None:
    audit = world.guild.channel("mod-audit")
    await world.fake.slash("setup", audit_channel=audit, moderator_role=world.guild.role("Moderators"),
                           user=world.admin)
    opened = await world.fake.slash("faq-admin propose", user=world.admin)
    assert opened.modal is not None and len(opened.modal.fields) == 5
    submitted = await world.fake.submit_modal(opened, FORM, user=world.admin)
    assert submitted.ephemeral and "draft" in submitted.text.lower()
    entry_id = await world.app.db.fetchval("SELECT entry_id FROM faq_revisions WHERE status = 'pending'")
    assert entry_id and f"`{entry_id}`" in submitted.text
    assert world.app.library.view(world.guild.id).get(entry_id) is None  # not live on one person's say-so
    own = await world.fake.slash("faq-admin approve", id=entry_id, user=world.admin)
    assert own.ephemeral and world.app.library.view(world.guild.id).get(entry_id) is None
    # mia is a moderator by role only. Discord shows her the command once an admin allows the role
    # under Server Settings → Integrations (check=False stands for that); the bot's real check
    # accepts the role.
    review = await world.fake.slash("faq-admin review", user=world.mod, check=False)
    assert "```diff" in review.text
    approve = next(c for c in review.components if c.label.startswith("Approve"))
    approved = await world.fake.click(review, approve.custom_id, user=world.mod)
    assert approved.ephemeral and world.app.library.view(world.guild.id).get(entry_id) is not None
    answer = await world.fake.slash("faq", question="would a weighted blanket help my fibro", user=world.bob)
    assert answer.embeds[0]["title"] == FORM["question"]
    history = await world.fake.slash("faq-admin history", id=entry_id, user=world.mod, check=False)
    assert "ada" in history.text and "mia" in history.text
    posts = world.fake.messages_in(audit)
    assert len(posts) >= 2


async def test_reject_from_a_button_asks_for_a_reason(world: World) -> None:
    await world.fake.slash("setup", moderator_role=world.guild.role("Moderators"), user=world.admin)
    opened = await world.fake.slash("faq-admin edit", id="pacing", user=world.admin)
    values = {f.custom_id: f.value or "" for f in opened.modal.fields}
    values["summary"] = values["summary"] + " Rest is part of pacing too."
    # The whole entry (~2,000 characters) is screened first: on a busy host that takes the model
    # seconds, so the bot defers within Discord's 3 s (the fake enforces it) and answers after.
    await world.fake.submit_modal(opened, values, user=world.admin, timeout=30)
    review = await world.fake.slash("faq-admin review", user=world.mod, check=False)
    reject = next(c for c in review.components if c.label.startswith("Reject"))
    form = await world.fake.click(review, reject.custom_id, user=world.mod)
    assert form.modal is not None
    done = await world.fake.submit_modal(form, {form.modal.fields[0].custom_id: "not sourced"}, user=world.mod)
    assert done.ephemeral and "reject" in done.text.lower()
    assert "Rest is part of pacing too" not in world.app.library.view(world.guild.id).get("pacing").meta.summary


async def test_a_slow_form_is_deferred_privately_then_answered(world: World) -> None:
    """Screening a long form can outlast Discord's 3 seconds on a busy host: after a second the
    bot defers privately ("thinking"), and the answer then replaces that message."""
    await world.fake.slash("setup", moderator_role=world.guild.role("Moderators"), user=world.admin)
    opened = await world.fake.slash("faq-admin edit", id="pacing", user=world.admin)
    values = {f.custom_id: f.value or "" for f in opened.modal.fields}
    values["summary"] = values["summary"] + " Rest is part of pacing too."
    triage = world.app.care.screen  # what the care feature installed as the core's safety screen
    screened: list[str] = []

    async def slow_screen(actor, text):  # the real triage, after a busy host's delay
        await asyncio.sleep(1.5)
        screened.append(text)
        return await triage(actor, text)

    world.app.core.screen.use(slow_screen)
    done = await world.fake.submit_modal(opened, values, user=world.admin, timeout=30)
    assert done.deferred and done.ephemeral
    assert "draft #" in done.text.lower()
    assert any("Rest is part of pacing too." in text for text in screened)  # screened before anything else


async def test_gaps_show_unanswered_questions_and_not_helpful_votes(world: World) -> None:
    await world.fake.slash("faq", question="can my cat sense my pain", user=world.alice)
    answer = await world.fake.slash("faq", question="what is pacing", user=world.bob)
    down = next(c for c in answer.components if c.label == "Not helpful")
    await world.fake.click(answer, down.custom_id, user=world.bob)
    gaps = await world.fake.slash("faq-admin gaps", user=world.admin)
    assert "cat sense my pain" in gaps.text and "pacing" in gaps.text.lower()
    button = next(c for c in gaps.components if c.custom_id.startswith("mod:gap:"))
    form = await world.fake.click(gaps, button.custom_id, user=world.admin)
    assert form.modal is not None


async def test_stats_due_reload_and_retire(world: World) -> None:
    await world.fake.slash("faq", question="does exercise help", user=world.alice)
    stats = await world.fake.slash("faq-admin stats", days=7, user=world.admin)
    assert stats.ephemeral and "exercise" in stats.text.lower()
    due = await world.fake.slash("faq-admin due", user=world.admin)
    assert due.ephemeral
    reload = await world.fake.slash("faq-admin reload", user=world.admin)
    assert (reload.ephemeral and "0 error" in reload.text.replace("No errors", "0 errors")) or "loaded" in reload.text.lower()
    retired = await world.fake.slash("faq-admin retire", id="massage-chiropractic", reason="under review",
                                     user=world.admin)
    assert retired.ephemeral and world.app.library.view(world.guild.id).get("massage-chiropractic") is None



async def test_preview_full_view_and_form_retry_buttons(world: World) -> None:
    opened = await world.fake.slash("faq-admin propose", user=world.admin)
    bad = dict(FORM, sources="just a title")
    failed = await world.fake.submit_modal(opened, bad, user=world.admin)
    assert failed.ephemeral and "Sources" in failed.text and failed.files
    again = next(c for c in failed.components if c.custom_id.startswith("mod:again:"))
    reopened = await world.fake.click(failed, again.custom_id, user=world.admin)
    assert reopened.modal is not None
    kept = {f.custom_id: f.value for f in reopened.modal.fields}
    assert kept["question"] == FORM["question"] and kept["sources"] == "just a title"  # what was typed
    saved = await world.fake.submit_modal(reopened, FORM, user=world.admin)
    preview = next(c for c in saved.components if c.custom_id.startswith("mod:preview:"))
    shown = await world.fake.click(saved, preview.custom_id, user=world.admin)
    assert shown.ephemeral and shown.embeds
    review = await world.fake.slash("faq-admin review", user=world.admin)
    full = next(c for c in review.components if c.custom_id.startswith("mod:show:"))
    detail = await world.fake.click(review, full.custom_id, user=world.admin)
    assert detail.ephemeral and detail.text


async def test_sign_off_walk_through_and_the_answer_card_state(world: World) -> None:
    before = await world.fake.slash("faq", question="what is pacing", user=world.bob)
    assert "not yet reviewed by this server's moderators" in before.embeds[0]["footer"]["text"]
    walk = await world.fake.slash("faq-admin review-due", user=world.admin)
    assert walk.ephemeral and walk.embeds and "To review (60 left)" in walk.embeds[0]["title"]
    skip = next(c for c in walk.components if c.custom_id.startswith("mod:walk:"))
    nxt = await world.fake.click(walk, skip.custom_id, user=world.admin)
    assert "To review (59 left)" in nxt.embeds[0]["title"]
    shown = await world.fake.slash("faq-admin sign-off", id="pacing", user=world.admin)
    sign = next(c for c in shown.components if c.custom_id.startswith("mod:so:pacing:"))
    done = await world.fake.click(shown, sign.custom_id, user=world.admin)
    assert done.ephemeral and "Signed off `pacing`" in done.text
    after = await world.fake.slash("faq", question="what is pacing", user=world.bob)
    assert "Reviewed by this server's moderators (ada)" in after.embeds[0]["footer"]["text"]
    # A sign-off's review falls due a year later: 20 days before then it is in the 30-day window
    # (relative to the sign-off, not a fixed date: the test clock starts at today's date).
    world.clock.advance(timedelta(days=365 - 20))
    due = await world.fake.slash("faq-admin due", user=world.admin)
    assert "pacing" in due.text
    status = await world.fake.slash("faq-admin status", user=world.admin)
    assert status.ephemeral and "Integrations" in status.text


async def test_a_second_server_sees_and_changes_nothing_of_the_first(world: World) -> None:
    """Through the real client: server B's admin can neither see nor decide server A's draft, and
    retiring an entry in B leaves A's members served."""
    import discord

    other = world.fake.guild("Back Pain Circle", channels=["general", "audit-b"])
    mallory = world.fake.user("mallory", guild=other, manage_guild=True)
    world.bot.tree.copy_global_to(guild=discord.Object(other.id))
    await world.bot.tree.sync(guild=discord.Object(other.id))
    opened = await world.fake.slash("faq-admin propose", user=world.admin)
    await world.fake.submit_modal(opened, FORM, user=world.admin)
    entry_id = await world.app.db.fetchval("SELECT entry_id FROM faq_revisions WHERE status = 'pending'")
    review = await world.fake.slash("faq-admin review", user=mallory, guild=other)
    assert review.ephemeral and "No drafts are waiting" in review.text and "ada" not in review.text
    approve = await world.fake.slash("faq-admin approve", id=entry_id, user=mallory, guild=other)
    assert "no draft waiting" in approve.text
    retired = await world.fake.slash("faq-admin retire", id="pacing", reason="not for us", user=mallory, guild=other)
    assert "is retired" in retired.text
    answer = await world.fake.slash("faq", question="what is pacing", user=world.bob)
    assert answer.embeds and answer.embeds[0]["title"].startswith("What is pacing")
    assert world.app.library.view(world.guild.id).get("pacing") is not None
    assert world.app.library.view(other.id).get("pacing") is None
    pending = await world.fake.slash("faq-admin review", user=world.admin)
    assert entry_id in pending.text
