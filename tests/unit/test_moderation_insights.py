"""What moderators learn from members' use of the FAQ: gaps, weak answers, statistics, reviews
falling due, and the weekly digest (posted once a week, even across restarts)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import SupportApp
from bot.clock import ManualClock
from bot.moderation.service import ModerationService
from bot.ui import Actor
from tests.unit.test_moderation_service import (
    ALICE,
    AUDIT,
    BLANKET,
    BOB,
    CAROL,
    GUILD,
    call,
    moderation,
    press,
    propose,
)

TEETH = "can fibro make my teeth hurt"


async def test_gaps_list_unanswered_questions_and_not_helpful_votes(app: SupportApp) -> None:
    await moderation(app)
    for _ in range(3):
        await app.faq.ask(CAROL, TEETH)
    await app.faq.ask(CAROL, "Can fibro make my TEETH hurt?")
    await app.faq.ask(CAROL, "is there a fibro diet for cats")
    await app.faq.vote(CAROL, "pacing", False)
    other_server = Actor(user_id=5, display_name="Eve", guild_id=GUILD + 1)
    await app.faq.ask(other_server, "what about my left ear ringing")
    reply = await call(app, "gaps", ALICE)
    text = reply.all_text()
    assert "“Can fibro make my TEETH hurt?” — asked 4×, last 23 Nov 2026" in text
    assert "fibro diet for cats" in text
    assert "ear ringing" not in text  # another server's members' words stay there
    assert "`pacing` — What is pacing and how do I avoid boom-and-bust?: 👎 1 · 👍 0" in text
    gap_button = reply.buttons[0]
    assert gap_button.custom_id is not None and gap_button.custom_id.startswith("mod:gap:")
    assert any(b.custom_id == "mod:open:edit:k:pacing" for b in reply.buttons)


async def test_a_gap_becomes_a_prefilled_proposal(app: SupportApp) -> None:
    await moderation(app)
    await app.faq.ask(CAROL, "Can a weighted blanket help me sleep with fibro?")
    gaps = await call(app, "gaps", ALICE)
    form = await press(app, ALICE, gaps.buttons[0].custom_id or "")
    assert form.modal is not None and form.modal.title == "Answer a member question"
    assert form.modal.fields[0].value == "Can a weighted blanket help me sleep with fibro?"
    reply = await press(app, ALICE, form.modal.custom_id, BLANKET)
    assert "Draft #1 is saved" in reply.all_text()
    await call(app, "approve", BOB, id="weighted-blanket-fibromyalgia")
    # once answered, the question is no longer a gap
    assert "weighted blanket" not in (await call(app, "gaps", ALICE)).all_text()


async def test_a_gap_button_from_another_server_does_not_open(app: SupportApp) -> None:
    await moderation(app)
    await app.faq.ask(CAROL, TEETH)
    gaps = await call(app, "gaps", ALICE)
    elsewhere = Actor(user_id=ALICE.user_id, display_name="Alice", guild_id=GUILD + 1, can_manage_guild=True)
    reply = await press(app, elsewhere, gaps.buttons[0].custom_id or "")
    assert reply.modal is None and "no longer available" in reply.all_text()


async def test_gaps_when_there_are_none(app: SupportApp) -> None:
    await moderation(app)
    assert "No unanswered questions" in (await call(app, "gaps", ALICE, days=7)).all_text()


async def test_stats_count_answers_no_matches_and_top_entries(app: SupportApp, clock: ManualClock) -> None:
    await moderation(app)
    await app.faq.ask(CAROL, "what is pacing")
    await app.faq.ask(CAROL, "what is pacing")
    await app.faq.ask(CAROL, "does exercise help")
    await app.faq.ask(CAROL, TEETH)
    await app.faq.vote(CAROL, "pacing", True)
    reply = await call(app, "stats", ALICE, days=7)
    fields = {f.name: f.value for f in reply.cards[0].fields}
    assert reply.cards[0].title == "FAQ in the last 7 days"
    assert fields["Answers served"] == "3"
    assert fields["No vetted answer"] == "1 (25% of questions)"
    assert fields["Feedback"] == "👍 1 · 👎 0"
    assert fields["Most served"].splitlines()[0].startswith("2× `pacing`")
    clock.advance(timedelta(days=10))
    later = {f.name: f.value for f in (await call(app, "stats", ALICE, days=7)).cards[0].fields}
    assert later["Answers served"] == "0" and later["No vetted answer"] == "0"


async def sign_off(app: SupportApp, actor: Actor, entry_id: str) -> str:
    """/faq-admin sign-off, then the confirm button, as a moderator does it."""
    shown = await call(app, "sign_off", actor, id=entry_id)
    button = next(b for b in shown.buttons if b.custom_id and b.custom_id.startswith("mod:so:"))
    return (await press(app, actor, button.custom_id)).all_text()


async def test_due_lists_entries_due_within_30_days(app: SupportApp, clock: ManualClock) -> None:
    await moderation(app)
    first = (await call(app, "due", ALICE)).all_text()
    assert "No reviewed entries are due" in first and "60 entries are still drafted" in first
    assert "Signed off `pacing` as reviewed by Alice on 23 Nov 2026" in await sign_off(app, ALICE, "pacing")
    clock.set(datetime(2027, 11, 1, 9, 0, tzinfo=UTC))
    text = (await call(app, "due", ALICE)).all_text()
    assert "1 entry to re-review" in text and "`pacing`" in text and "due 23 Nov 2027 (in 22 days)" in text
    clock.set(datetime(2027, 12, 1, 9, 0, tzinfo=UTC))
    text = (await call(app, "due", ALICE)).all_text()
    assert "`pacing`" in text and "overdue since 23 Nov 2027" in text
    answer = await app.faq.ask(CAROL, "pacing")
    assert "A new review is due" in (answer.cards[0].footer or "")


async def test_only_a_sign_off_moves_the_review_date(app: SupportApp, clock: ManualClock) -> None:
    await moderation(app)
    await sign_off(app, ALICE, "pacing")
    clock.set(datetime(2027, 11, 1, 9, 0, tzinfo=UTC))
    # An alias-only edit, approved: served at once, but it is not a review and keeps the old dates.
    form = await press(app, ALICE, "mod:open:edit:k:pacing")
    assert form.modal is not None
    values = {f.custom_id: f.value or "" for f in form.modal.fields}
    values["aliases"] += "\nhow do i pace myself on a good day"
    assert "other ways to ask" in (await press(app, ALICE, form.modal.custom_id, values)).all_text()
    await call(app, "approve", BOB, id="pacing")
    view = app.library.view(GUILD)
    entry = view.get("pacing")
    assert entry is not None and "how do i pace myself on a good day" in entry.meta.aliases
    status = view.review_of(entry, clock.now().date())
    assert status.state == "reviewed" and status.by == "Alice" and str(status.due) == "2027-11-23"
    # A text change is not covered by the old sign-off: the entry reads as drafted again.
    form = await press(app, ALICE, "mod:open:edit:k:pacing")
    values = {f.custom_id: f.value or "" for f in form.modal.fields}
    values["summary"] = "Pacing keeps activity steady from day to day, so a good day does not cost you the next."
    await press(app, ALICE, form.modal.custom_id, values)
    await call(app, "approve", BOB, id="pacing")
    entry = app.library.view(GUILD).get("pacing")
    assert entry is not None and app.library.view(GUILD).review_of(entry, clock.now().date()).state == "drafted"
    assert "Signed off `pacing` as reviewed by Bob on 1 Nov 2027; next review due 1 Nov 2028" in \
        await sign_off(app, BOB, "pacing")
    assert "`pacing`" not in (await call(app, "due", ALICE)).all_text()


async def test_weekly_digest_posts_once_a_week_even_across_restarts(app: SupportApp, clock: ManualClock) -> None:
    service = await moderation(app)
    await app.faq.ask(CAROL, TEETH)
    await propose(app, ALICE, BLANKET)
    assert await service.weekly_digest(GUILD) is False  # no audit channel: nothing to post to
    assert await service.send_due_digests() == 0
    await app.guilds.update(GUILD, audit_channel_id=AUDIT)
    assert await service.send_due_digests() == 1
    channel, digest = app.outbox.channel_posts[-1]
    text = digest.all_text()
    assert channel == AUDIT and not digest.ephemeral
    assert "Drafts waiting for review (1)" in text and "weighted-blanket-fibromyalgia" in text
    # Posted to a channel: the count and the entry number, never the member's words.
    row_id = await app.db.fetchval("SELECT id FROM unanswered_questions")
    assert "teeth" not in text and f"#{row_id} (1×)" in text and "1 question, asked 1 time in all" in text
    assert await service.send_due_digests() == 0
    restarted = ModerationService(app.core, app.library, app.faq_store, app.care)  # a new process reads the last digest time from the database
    assert await restarted.send_due_digests() == 0
    clock.advance(timedelta(days=6, hours=23))
    assert await restarted.send_due_digests() == 0
    clock.advance(timedelta(hours=1))
    assert await restarted.send_due_digests() == 1
    assert len(app.outbox.channel_posts) == 2


async def test_run_digests_stops_when_asked(app: SupportApp) -> None:
    service = await moderation(app)
    await app.guilds.update(GUILD, audit_channel_id=AUDIT)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run_digests(stop, check_every=0.01))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=1)
    assert len(app.outbox.channel_posts) == 1
