"""Moderation on the real app (real SQLite, real content pack): propose, review, approve, reject,
retire, history and the audit channel. Two moderators, Alice and Bob; Carol is a member."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.app import SupportApp
from bot.moderation.service import ModerationService, slugify
from bot.ui import (
    BUTTON_LABEL_MAX,
    BUTTONS_PER_ROW,
    CONTENT_MAX,
    CUSTOM_ID_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    MODAL_LABEL_MAX,
    MODAL_TITLE_MAX,
    Actor,
    Reply,
)

GUILD = 900_000_000_000_000_001
CHANNEL = 900_000_000_000_000_002
AUDIT = 900_000_000_000_000_555
ALICE = Actor(user_id=310_000_000_000_000_001, display_name="Alice", guild_id=GUILD, channel_id=CHANNEL,
              can_manage_guild=True)
BOB = Actor(user_id=310_000_000_000_000_002, display_name="Bob", guild_id=GUILD, channel_id=CHANNEL,
            can_manage_guild=True)
CAROL = Actor(user_id=310_000_000_000_000_003, display_name="Carol", guild_id=GUILD, channel_id=CHANNEL)

BLANKET = {
    "question": "Can a weighted blanket help with fibromyalgia?",
    "summary": "Some people with fibromyalgia find a weighted blanket calming and say they sleep better under "
               "one. Research is small so far, so treat it as a comfort to try rather than a treatment.",
    "detail": "A weighted blanket is heavier than a normal one. The gentle pressure feels calming to many "
              "people.\n\n- Pick one you can move off easily.\n- Try it for a few nights first.\n\n"
              "**When to see a professional:** talk to your GP if poor sleep goes on for weeks.",
    "aliases": "weighted blanket for fibro\ndo weighted blankets help fibro pain\n"
               "heavy blanket to sleep better with fibromyalgia",
    "sources": "Fibromyalgia | NHS | 2022 | https://www.nhs.uk/conditions/fibromyalgia/",
}
BLANKET_ID = "weighted-blanket-fibromyalgia"


def check_limits(reply: Reply) -> Reply:
    """Everything Discord would reject, checked on every moderator reply."""
    assert reply.content is None or len(reply.content) <= CONTENT_MAX
    assert sum(card.char_count() for card in reply.cards) <= EMBED_TOTAL_MAX
    for card in reply.cards:
        assert len(card.title or "") <= EMBED_TITLE_MAX
        assert len(card.description or "") <= EMBED_DESCRIPTION_MAX
        assert len(card.fields) <= 25
        assert all(len(f.value) <= EMBED_FIELD_VALUE_MAX for f in card.fields)
    assert len(reply.buttons) <= 25
    rows: dict[int, int] = {}
    for button in reply.buttons:
        assert len(button.label) <= BUTTON_LABEL_MAX
        assert button.custom_id is None or len(button.custom_id) <= CUSTOM_ID_MAX
        if button.row is not None:
            rows[button.row] = rows.get(button.row, 0) + 1
    assert all(count <= BUTTONS_PER_ROW for count in rows.values()) and all(r < 5 for r in rows)
    if reply.modal is not None:
        assert len(reply.modal.title) <= MODAL_TITLE_MAX and len(reply.modal.fields) <= 5
        assert len(reply.modal.custom_id) <= CUSTOM_ID_MAX
        for field in reply.modal.fields:
            assert len(field.label) <= MODAL_LABEL_MAX
            assert field.placeholder is None or len(field.placeholder) <= 100
            assert field.value is None or field.max_length is None or len(field.value) <= field.max_length
    return reply


async def moderation(app: SupportApp) -> ModerationService:
    """The service as the app wires it, with published revisions applied."""
    service = app.moderation
    await service.start()
    return service


async def call(app: SupportApp, name: str, actor: Actor, **kwargs: Any) -> Reply:
    handler = app.moderation.add_alias if name == "alias" else getattr(app.moderation, name)
    return check_limits(await handler(actor, **kwargs))


async def press(app: SupportApp, actor: Actor, custom_id: str, values: dict[str, str] | None = None) -> Reply:
    return check_limits(await app.router.dispatch(actor, custom_id, values))


async def propose(app: SupportApp, actor: Actor, values: dict[str, str], category: str = "self-care") -> Reply:
    """Open the form with /faq-admin propose and send it, as Discord and the console do."""
    form = await call(app, "propose", actor, category=category)
    assert form.modal is not None
    return await press(app, actor, form.modal.custom_id, values)


async def edit(app: SupportApp, actor: Actor, entry_id: str, **changes: str) -> Reply:
    form = await call(app, "edit", actor, id=entry_id)
    assert form.modal is not None, form.all_text()
    values = {f.custom_id: f.value or "" for f in form.modal.fields}
    values.update(changes)
    return await press(app, actor, form.modal.custom_id, values)


def draft_number(reply: Reply) -> int:
    match = re.search(r"Draft #(\d+)", reply.all_text())
    assert match, reply.all_text()
    return int(match.group(1))


@pytest.fixture
async def service(app: SupportApp) -> ModerationService:
    return await moderation(app)


# -- proposals --------------------------------------------------------------------------------

async def test_the_form_fits_discord_and_explains_the_source_format(app: SupportApp, service: ModerationService) -> None:
    reply = await call(app, "propose", ALICE, category="treatment")
    assert reply.modal is not None and len(reply.modal.fields) == 5
    sources = next(f for f in reply.modal.fields if f.custom_id == "sources")
    assert sources.placeholder is not None and "Title | Publisher | Year | https://" in sources.placeholder


async def test_invalid_proposal_lists_every_problem_and_stores_nothing(app: SupportApp, service: ModerationService) -> None:
    bad = {**BLANKET, "summary": "x" * 320, "sources": "NHS page, 2022\nGood | NHS | 20x2 | https://nhs.uk\n"
           "Title | Publisher | 2020 | www.example.org", "detail": "  ", "question": "Hi"}
    reply = await propose(app, ALICE, bad)
    text = reply.all_text()
    assert "nothing was stored" in text
    assert "Short answer: is too long: at most 300 characters (yours has 320)" in text
    assert "Sources, line 1: write it as `Title | Publisher | Year | https://link`" in text
    assert "Sources, line 2: the year must be a number" in text
    assert "Sources, line 3, link: must be a web link starting with https://" in text
    assert "Detail: is empty" in text
    assert "Question: is too short" in text
    assert reply.files and b"Can a weighted" not in reply.files[0].data and b"x" * 300 in reply.files[0].data
    assert reply.buttons and reply.buttons[0].custom_id == "mod:again:new:4"
    assert await service.store.count_all(GUILD) == 0
    assert app.library.view(GUILD).get_any("hi") is None
    # "Open the form again" shows what was typed, not an empty form; only to the one who typed it.
    again = await press(app, ALICE, reply.buttons[0].custom_id)
    assert again.modal is not None
    typed = {f.custom_id: f.value for f in again.modal.fields}
    assert typed["sources"] == bad["sources"] and typed["aliases"] == BLANKET["aliases"]
    other = await press(app, BOB, reply.buttons[0].custom_id)
    assert other.modal is not None and all(not f.value for f in other.modal.fields)


async def test_duplicate_alias_lines_are_named_by_line(app: SupportApp, service: ModerationService) -> None:
    reply = await propose(app, ALICE, {**BLANKET, "aliases": "weighted blanket\n\nWeighted blanket"})
    assert "Other ways to ask: 'Weighted blanket' is listed twice." in reply.all_text()
    assert await service.store.count_all(GUILD) == 0


async def test_valid_proposal_is_pending_and_not_served(app: SupportApp, service: ModerationService) -> None:
    reply = await propose(app, ALICE, BLANKET)
    rev = draft_number(reply)
    assert f"new entry `{BLANKET_ID}`" in reply.all_text()
    revision = await service.store.get(GUILD, rev)
    assert revision is not None and revision.status == "pending" and revision.author_name == "Alice"
    assert revision.front_matter["category"] == "self-care" and revision.front_matter["review"] == "drafted"
    assert "reviewed_by" not in revision.front_matter or revision.front_matter["reviewed_by"] is None
    assert revision.front_matter["sources"][0] == {"title": "Fibromyalgia", "publisher": "NHS", "year": 2022,
                                                   "url": "https://www.nhs.uk/conditions/fibromyalgia/"}
    assert app.library.view(GUILD).get(BLANKET_ID) is None
    answer = await app.faq.ask(CAROL, "Can a weighted blanket help with fibromyalgia?")
    assert all(card.title != BLANKET["question"] for card in answer.cards)


async def test_ids_are_slugs_from_the_question_and_unique(app: SupportApp, service: ModerationService) -> None:
    assert slugify("Can a weighted blanket help with fibromyalgia?") == BLANKET_ID
    assert slugify("???") == "entry"
    await propose(app, ALICE, BLANKET)
    second = await propose(app, BOB, BLANKET)
    assert f"`{BLANKET_ID}-2`" in second.all_text()
    assert "Members asking this" not in second.all_text()  # the first is only a draft


# -- approval ---------------------------------------------------------------------------------

async def test_author_cannot_approve_their_own_draft(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await propose(app, ALICE, BLANKET))
    reply = await call(app, "approve", ALICE, id=BLANKET_ID)
    assert "another moderator needs to approve it" in reply.all_text()
    assert (await service.store.get(GUILD, rev)).status == "pending"  # type: ignore[union-attr]
    button = await press(app, ALICE, f"mod:approve:{rev}")
    assert "another moderator needs to approve it" in button.all_text()
    assert app.library.view(GUILD).get(BLANKET_ID) is None


async def test_self_approval_when_the_server_allows_it(app: SupportApp, service: ModerationService) -> None:
    await app.guilds.update(GUILD, allow_self_approval=True)
    await propose(app, ALICE, BLANKET)
    reply = await call(app, "approve", ALICE, id=BLANKET_ID)
    assert "is live now" in reply.all_text() and "self-approved" in reply.all_text()
    assert app.library.view(GUILD).get(BLANKET_ID) is not None


async def test_self_approval_when_the_settings_allow_it(app: SupportApp, service: ModerationService) -> None:
    app.settings.allow_self_approval = True
    await propose(app, ALICE, BLANKET)
    assert "is live now" in (await call(app, "approve", ALICE, id=BLANKET_ID)).all_text()


async def test_second_moderator_approves_and_faq_answers_at_once(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await propose(app, ALICE, BLANKET))
    reply = await call(app, "approve", BOB, id=BLANKET_ID)
    assert f"Approved draft #{rev} by Alice" in reply.all_text()
    answer = await app.faq.ask(CAROL, "do weighted blankets help with fibro?")
    assert answer.cards and answer.cards[0].title == BLANKET["question"]
    entry = app.library.view(GUILD).get(BLANKET_ID)
    assert entry is not None and entry.origin == "database"
    # Approving publishes; it is not a review: the new entry reads as drafted until signed off.
    assert entry.meta.review == "drafted" and entry.meta.reviewed_on is None
    assert "not yet reviewed by this server's moderators" in (answer.cards[0].footer or "")
    again = await call(app, "approve", BOB, id=str(rev))
    assert "already approved by Bob" in again.all_text()


async def test_approval_marked_reviewed_signs_off_on_the_approval_date(app: SupportApp, service: ModerationService,
                                                                       clock: Any) -> None:
    from datetime import timedelta

    await propose(app, ALICE, BLANKET)
    clock.advance(timedelta(days=3))
    reply = await call(app, "approve", BOB, id=BLANKET_ID, reviewed=True)
    assert "Signed off" in reply.all_text()
    view = app.library.view(GUILD)
    entry = view.get(BLANKET_ID)
    assert entry is not None
    status = view.review_of(entry, clock.now().date())
    assert status.state == "reviewed" and status.by == "Bob"
    assert status.on is not None and status.on.isoformat() == "2026-11-26"
    assert status.due is not None and status.due.isoformat() == "2027-11-26"


async def test_edit_is_prefilled_and_the_review_shows_the_diff(app: SupportApp, service: ModerationService) -> None:
    form = await call(app, "edit", ALICE, id="pacing")
    assert form.modal is not None and form.modal.custom_id == "mod:form:edit:k:pacing"
    values = {f.custom_id: f.value for f in form.modal.fields}
    assert values["question"] == "What is pacing and how do I avoid boom-and-bust?"
    assert "Mayo Clinic | 2017 | https://" in (values["sources"] or "")
    new_summary = ("Pacing means keeping activity steady instead of doing lots on good days and crashing "
                   "after. Rest before you are worn out and build up slowly.")
    rev = draft_number(await edit(app, ALICE, "pacing", summary=new_summary))
    revision = await service.store.get(GUILD, rev)
    assert revision is not None and revision.kind == "edit" and revision.changes == "short answer"
    assert revision.front_matter["related"] == ["flare-plan", "starting-exercise", "symptom-diary"]
    assert revision.front_matter["category"] == "self-care"
    review = await call(app, "review", BOB)
    card = review.cards[0]
    assert card.title == f"#{rev} · edit · pacing"
    assert "```diff" in (card.description or "") and "+summary: Pacing means keeping activity steady" in (card.description or "")
    assert [b.custom_id for b in review.buttons][:3] == [f"mod:approve:{rev}", f"mod:approve:{rev}:signed",
                                                         f"mod:reject:{rev}"]
    full = await press(app, BOB, f"mod:show:{rev}")
    assert "-summary:" in (full.cards[0].description or "")
    assert (await app.faq.ask(CAROL, "what is pacing")).cards[0].description.startswith("**Pacing means keeping your")  # type: ignore[union-attr]
    await press(app, BOB, f"mod:approve:{rev}")
    assert (await app.faq.ask(CAROL, "what is pacing")).cards[0].description.startswith(f"**{new_summary}")  # type: ignore[union-attr]


async def test_edit_moves_category_and_the_review_lists_many_drafts_within_limits(app: SupportApp, service: ModerationService) -> None:
    for entry_id in ("pacing", "flares", "fibro-fog", "sleep-habits", "triggers", "flare-plan", "opioids"):
        await edit(app, ALICE, entry_id, detail="A much shorter detail.\n\n**When to see a professional:** ask your GP.")
    review = await call(app, "review", BOB)
    assert len(review.cards) == 5 and "7 drafts waiting" in (review.content or "")
    form = await call(app, "edit", ALICE, id="pacing", category="living")
    assert form.modal is not None and form.modal.custom_id == "mod:form:edit:6:pacing"
    assert form.modal.title == "Edit draft #1: pacing"  # the waiting draft is what gets refined
    values = {f.custom_id: f.value or "" for f in form.modal.fields}
    rev = draft_number(await press(app, ALICE, form.modal.custom_id, values))
    revision = await service.store.get(GUILD, rev)
    assert revision is not None and revision.front_matter["category"] == "living" and "category" in revision.changes


async def test_a_newer_draft_supersedes_the_older_one_which_stays(app: SupportApp, service: ModerationService) -> None:
    first = draft_number(await edit(app, ALICE, "pacing", summary="Pacing keeps your activity steady from day to day."))
    second_reply = await edit(app, BOB, "pacing", summary="Pacing keeps activity level so good days don't cost you.")
    second = draft_number(second_reply)
    assert f"It replaces draft #{first}" in second_reply.all_text()
    old = await service.store.get(GUILD, first)
    assert old is not None and old.status == "superseded" and old.reason == f"replaced by #{second}"
    history = await call(app, "history", ALICE, id="pacing")
    assert f"#{first}" in history.all_text() and "superseded" in history.all_text()


async def test_a_draft_written_against_an_older_version_cannot_be_approved(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await edit(app, ALICE, "pacing", summary="Pacing keeps your activity steady from day to day."))
    await call(app, "retire", BOB, id="pacing", reason="sources out of date")
    # retiring closed the draft; a stale draft is never published over a newer live version
    reply = await call(app, "approve", BOB, id=str(rev))
    assert "replaced by a newer draft" in reply.all_text()
    assert app.library.view(GUILD).get("pacing") is None


async def test_reject_keeps_the_draft_in_history(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await propose(app, ALICE, BLANKET))
    reply = await call(app, "reject", BOB, id=BLANKET_ID, reason="Please add a second source.")
    assert f"Rejected draft #{rev}" in reply.all_text()
    revision = await service.store.get(GUILD, rev)
    assert revision is not None and revision.status == "rejected" and revision.reason == "Please add a second source."
    assert app.library.view(GUILD).get(BLANKET_ID) is None
    history = await call(app, "history", ALICE, id=BLANKET_ID)
    text = history.all_text()
    assert "proposed by Alice" in text and "rejected by Bob" in text and "Please add a second source." in text
    assert "no draft waiting" in (await call(app, "approve", BOB, id=BLANKET_ID)).all_text()


async def test_reject_from_the_review_button_asks_for_a_reason(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await propose(app, ALICE, BLANKET))
    form = await press(app, BOB, f"mod:reject:{rev}")
    assert form.modal is not None and form.modal.custom_id == f"mod:why:{rev}"
    reply = await press(app, BOB, form.modal.custom_id, {"reason": "Too close to the sleep entry."})
    assert "Rejected" in reply.all_text()


async def test_retire_removes_the_entry_from_search_at_once(app: SupportApp, service: ModerationService) -> None:
    assert (await app.faq.ask(CAROL, "what is pacing")).cards
    reply = await call(app, "retire", ALICE, id="pacing", reason="A source was withdrawn.")
    assert "members no longer get this answer" in reply.all_text()
    assert app.library.view(GUILD).get("pacing") is None
    history = await call(app, "history", BOB, id="pacing")
    assert "Now: retired by revision #1, approved in Discord (not served)." in history.all_text()
    assert "reason: A source was withdrawn." in history.all_text()
    # Not the next entry down as if it were the answer: the moderators withdrew this one
    answer = await app.faq.ask(CAROL, "what is pacing")
    assert not answer.cards and "vetted answer" in answer.all_text(), answer.all_text()
    assert all("pacing" not in (b.custom_id or "") for b in answer.buttons)
    assert (await app.faq.ask(CAROL, "does tai chi help fibromyalgia")).cards  # other questions unchanged
    assert "already retired" in (await call(app, "retire", ALICE, id="pacing", reason="again")).all_text()
    # bringing it back is a proposal like any other, approved by someone else
    rev = draft_number(await edit(app, ALICE, "pacing"))
    assert "brings it back" in (await service.store.get(GUILD, rev)).changes  # type: ignore[union-attr]
    await call(app, "approve", BOB, id="pacing")
    assert app.library.view(GUILD).get("pacing") is not None


async def test_history_lists_proposer_approver_and_changes(app: SupportApp, service: ModerationService) -> None:
    await propose(app, ALICE, BLANKET)
    await call(app, "approve", BOB, id=BLANKET_ID)
    await edit(app, BOB, BLANKET_ID, summary="Some people find a weighted blanket calming and sleep better. "
               "Evidence is small, so treat it as a comfort to try.")
    await call(app, "approve", ALICE, id=BLANKET_ID)
    reply = await call(app, "history", ALICE, id=BLANKET_ID)
    text = reply.all_text()
    assert "#1** new entry — proposed by Alice, 23 Nov 2026, 18:00 UTC" in text
    assert "approved by Bob" in text and "approved by Alice" in text
    assert "changes: short answer" in text
    assert "Now: served from revision #2, approved in Discord." in text
    diff = await press(app, ALICE, "mod:show:2")
    assert "```diff" in diff.all_text() and "Approved by Alice" in diff.all_text()
    files = await call(app, "history", ALICE, id="exercise-first")
    assert "served from the file fibromyalgia/exercise-first.md" in files.all_text()


async def test_history_pages_and_every_row_survives(app: SupportApp, service: ModerationService) -> None:
    for n in range(12):
        await edit(app, ALICE if n % 2 else BOB, "pacing", summary=f"Pacing keeps activity steady, version {n}.")
    reply = await call(app, "history", ALICE, id="pacing")
    assert "Page 1 of 2 · 12 revisions" in reply.all_text()
    older = next(b for b in reply.buttons if b.label == "Older")
    page2 = await press(app, ALICE, older.custom_id or "")
    assert "#1**" in page2.all_text() and "#2**" in page2.all_text()
    assert await service.store.count_all(GUILD) == 12


def test_revisions_are_never_deleted() -> None:
    source = (Path(__file__).resolve().parents[2] / "bot" / "moderation" / "store.py").read_text()
    assert not re.search(r"DELETE\s+FROM\s+faq_revisions", source, re.IGNORECASE)


async def test_audit_channel_receives_every_change(app: SupportApp, service: ModerationService) -> None:
    await propose(app, ALICE, BLANKET)
    assert app.outbox.channel_posts == []  # no audit channel configured: nothing is posted
    await app.guilds.update(GUILD, audit_channel_id=AUDIT)
    rev = draft_number(await edit(app, ALICE, "pacing", summary="Pacing keeps your activity steady from day to day."))
    await call(app, "approve", BOB, id="pacing")
    await call(app, "reject", BOB, id=BLANKET_ID, reason="Needs a second source.")
    await call(app, "retire", ALICE, id="flares", reason="Being rewritten.")
    await call(app, "reload", ALICE)
    titles = [reply.cards[0].title for channel, reply in app.outbox.channel_posts if channel == AUDIT]
    assert titles == [
        f"FAQ draft #{rev} proposed: edit pacing",
        f"FAQ draft #{rev} approved: pacing is live",
        "FAQ draft #1 rejected: weighted-blanket-fibromyalgia",
        "FAQ entry retired: flares (#3)",
        "FAQ content reloaded from disk",
    ]
    posts = [reply for _, reply in app.outbox.channel_posts]
    assert all(not p.ephemeral for p in posts)
    assert "Proposed by Alice, approved by Bob." in posts[1].all_text()
    assert "Needs a second source." in posts[2].all_text()


async def test_preview_shows_the_member_view(app: SupportApp, service: ModerationService) -> None:
    rev = draft_number(await propose(app, ALICE, {**BLANKET, "aliases": "weighted blanket"}))
    reply = await press(app, BOB, f"mod:preview:{rev}")
    assert reply.cards[-1].title == BLANKET["question"]
    assert "3 to 8 ways of asking" in reply.all_text()


async def test_warnings_reach_the_author_without_blocking(app: SupportApp, service: ModerationService) -> None:
    values = {**BLANKET, "detail": BLANKET["detail"] + "\n\nThis is a miracle for everyone.",
              "sources": "Old page | Somewhere | 2010 | https://example.org/page"}
    reply = await propose(app, ALICE, values)
    text = reply.all_text()
    assert "Please check before approving" in text
    assert "absolute claim 'miracle'" in text
    assert draft_number(reply)
    # A link that is not https is no longer a warning: nothing is stored.
    refused = await propose(app, ALICE, {**values, "sources": "Old page | Somewhere | 2010 | http://example.org/page"})
    assert "Sources, line 1, link: must be a web link starting with https://" in refused.all_text()
    assert "nothing was stored" in refused.all_text()


async def test_editing_an_unknown_entry_says_so(app: SupportApp, service: ModerationService) -> None:
    unknown = await call(app, "edit", ALICE, id="no-such-entry")
    assert unknown.modal is None and "I don't know an entry" in unknown.all_text()


async def test_completers_offer_entries_and_waiting_drafts(app: SupportApp, service: ModerationService) -> None:
    await propose(app, ALICE, BLANKET)
    pending = await app.moderation.complete_pending(BOB, "blanket")
    assert [c.value for c in pending] == [BLANKET_ID]
    entries = await app.moderation.complete_entries(BOB, "pacing")
    assert entries[0].value == "pacing"
    assert BLANKET_ID in [c.value for c in await app.moderation.complete_entries(BOB, "weighted")]
    live = await app.moderation.complete_live(BOB, "pacing")
    assert "pacing" in [c.value for c in live]
    assert len(await app.moderation.complete_entries(BOB, "")) == 25
