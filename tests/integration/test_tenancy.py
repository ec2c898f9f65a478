"""One bot, many support groups. Server A's moderators build up drafts, approvals, a retirement,
a sign-off, gaps and votes; then server B's admins run every moderator command, button, form and
autocomplete against A's objects. Nothing B does changes what A's members are served, and B sees
none of A's drafts, audit posts, gaps or statistics."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import SupportApp
from bot.faq.review import review_hash
from bot.moderation.service import ModerationService
from bot.ui import Actor, Reply
from tests.unit.test_moderation_service import BLANKET, BLANKET_ID, check_limits, moderation

A, B = 910_000_000_000_000_001, 920_000_000_000_000_002
AUDIT_A, AUDIT_B = 910_000_000_000_000_555, 920_000_000_000_000_555
ALICE = Actor(user_id=1001, display_name="Alice", guild_id=A, can_manage_guild=True)
BOB = Actor(user_id=1002, display_name="Bob", guild_id=A, can_manage_guild=True)
CAROL = Actor(user_id=1003, display_name="Carol", guild_id=A)
MALLORY = Actor(user_id=2001, display_name="Mallory", guild_id=B, can_manage_guild=True)
TRENT = Actor(user_id=2002, display_name="Trent", guild_id=B, can_manage_guild=True)
DAVE = Actor(user_id=1003, display_name="Dave", guild_id=B)  # the same person as Carol, in B too
GAP = "can fibro make my teeth hurt"
FLARES = ("A flare is a spell of worse pain and tiredness. Plan ahead: rest, heat, gentle movement and a "
          "kind word to yourself help many people.")
SHOP = {**BLANKET, "question": "Which magnets cure fibromyalgia?",
        "sources": "Buy now | Magnet Shop | 2024 | https://magnets.example.com/buy",
        "aliases": "magnets for fibro\nbest magnet bracelet\ndo magnets cure fibro"}

pytestmark = pytest.mark.both_backends


async def call(app: SupportApp, name: str, actor: Actor, **kwargs: Any) -> Reply:
    handler = app.moderation.add_alias if name == "alias" else getattr(app.moderation, name)
    return check_limits(await handler(actor, **kwargs))


async def press(app: SupportApp, actor: Actor, custom_id: str, values: dict[str, str] | None = None) -> Reply:
    return check_limits(await app.router.dispatch(actor, custom_id, values))


async def submit_new(app: SupportApp, actor: Actor, values: dict[str, str]) -> Reply:
    form = await call(app, "propose", actor, category="self-care")
    assert form.modal is not None
    return await press(app, actor, form.modal.custom_id, values)


async def submit_edit(app: SupportApp, actor: Actor, entry_id: str, **changes: str) -> Reply:
    form = await call(app, "edit", actor, id=entry_id)
    assert form.modal is not None, form.all_text()
    values = {f.custom_id: f.value or "" for f in form.modal.fields} | changes
    return await press(app, actor, form.modal.custom_id, values)


def draft_number(reply: Reply) -> int:
    found = re.search(r"Draft #(\d+)", reply.all_text())
    assert found, reply.all_text()
    return int(found.group(1))


async def served(app: SupportApp, guild_id: int) -> dict[str, Any]:
    """Everything that decides what a server's members get, and what its moderators see."""
    view = app.library.view(guild_id)
    today = app.clock.now().date()
    service: ModerationService = app.moderation
    return {
        "entries": {e.id: (review_hash(e), tuple(e.meta.aliases), e.meta.status) for e in view.published()},
        "reviews": {e.id: view.review_of(e, today) for e in view.published()},
        "pending": [(r.id, r.status) for r in await service.store.pending(guild_id)],
        "history": {i: [(r.id, r.status) for r in await service.store.history(guild_id, i)]
                    for i in ("pacing", "flares", "opioids", BLANKET_ID)},
        "gaps": [(g.question, g.count) for g in await service.store.gaps(guild_id, app.clock.now().replace(year=2000))],
        "votes": await service.store.votes_since(guild_id, app.clock.now().replace(year=2000)),
        "signoffs": await service.signoffs.signed_in(guild_id),
    }


async def test_nothing_server_b_does_changes_server_a(app: SupportApp) -> None:
    service = await moderation(app)
    await app.guilds.update(A, audit_channel_id=AUDIT_A)
    await app.guilds.update(B, audit_channel_id=AUDIT_B)

    # -- server A's own moderation -----------------------------------------------------------
    blanket = draft_number(await submit_new(app, ALICE, BLANKET))
    flares = draft_number(await submit_edit(app, ALICE, "flares", summary=FLARES))
    assert "is live now" in (await call(app, "approve", BOB, id="flares")).all_text()
    assert "is retired" in (await call(app, "retire", BOB, id="opioids", reason="Being rewritten")).all_text()
    shown = await call(app, "sign_off", ALICE, id="pacing")
    sign = next(b.custom_id for b in shown.buttons if b.custom_id and b.custom_id.startswith("mod:so:"))
    assert "Signed off `pacing`" in (await press(app, ALICE, sign)).all_text()
    assert "don't have a vetted answer" in (await app.faq.ask(CAROL, GAP)).all_text()
    await app.faq.vote(CAROL, "pacing", helpful=False)
    gap_row = (await service.store.gaps(A, app.clock.now().replace(year=2000)))[0].row_id
    a_posts = [p for p in app.outbox.channel_posts if p[0] == AUDIT_A]
    assert len(a_posts) >= 4 and not [p for p in app.outbox.channel_posts if p[0] == AUDIT_B]
    before = await served(app, A)
    index_a = app.library.view(A).index
    assert before["entries"]["flares"][0] != review_hash(app.library.get("flares"))  # type: ignore[arg-type]
    assert "opioids" not in before["entries"] and before["reviews"]["pacing"].state == "reviewed"

    # -- server B's admins, against A's objects ----------------------------------------------
    refusals: dict[str, str] = {}
    for ref in (str(blanket), f"#{blanket}", BLANKET_ID, str(flares)):
        refusals[f"approve {ref}"] = (await call(app, "approve", MALLORY, id=ref)).all_text()
        refusals[f"approve+sign {ref}"] = (await call(app, "approve", MALLORY, id=ref, reviewed=True)).all_text()
        refusals[f"reject {ref}"] = (await call(app, "reject", MALLORY, id=ref, reason="outsider")).all_text()
    for name, text in refusals.items():
        assert "no draft waiting" in text, (name, text)
    review = (await call(app, "review", MALLORY)).all_text()
    assert "No drafts are waiting" in review and "Alice" not in review
    for revision in (blanket, flares):
        assert f"There is no draft #{revision}" in (await call(app, "review", MALLORY, revision=revision)).all_text()
    assert "I don't know an entry" in (await call(app, "edit", MALLORY, id=BLANKET_ID)).all_text()
    b_flares = await call(app, "edit", MALLORY, id="flares")  # B edits the base pack's text, not A's revision
    assert b_flares.modal is not None
    assert {f.custom_id: f.value for f in b_flares.modal.fields}["summary"] != FLARES
    history = (await call(app, "history", MALLORY, id="flares")).all_text()
    assert "No changes were made from Discord yet" in history and "Alice" not in history and "Bob" not in history
    assert "I don't know an entry" in (await call(app, "history", MALLORY, id=BLANKET_ID)).all_text()
    gaps = (await call(app, "gaps", MALLORY)).all_text()
    assert GAP not in gaps and "pacing" not in gaps
    stats = await call(app, "stats", MALLORY)
    fields = {f.name: f.value for f in stats.cards[0].fields}
    assert fields["Answers served"] == "0" and fields["No vetted answer"] == "0"
    assert fields["Feedback"] == "👍 0 · 👎 0" and fields["Most served"] == "None yet"
    status = await call(app, "status", MALLORY)
    fields = {f.name: f.value for f in status.cards[0].fields}
    assert fields["Reviewed"] == "0" and fields["Drafts waiting"] == "0" and fields["Drafted"] == "60"
    assert "no longer available" in (await call(app, "alias", MALLORY, question=str(gap_row), entry="pacing")).all_text()
    due = (await call(app, "due", MALLORY)).all_text()
    assert "pacing" not in due.split("still drafted")[0]
    # Buttons and forms carrying A's ids.
    for custom_id in (f"mod:approve:{blanket}", f"mod:approve:{blanket}:signed", f"mod:why:{blanket}",
                      f"mod:reject:{blanket}", f"mod:approve:{flares}", f"mod:why:{flares}", f"mod:reject:{flares}"):
        assert "no longer works" in (await press(app, MALLORY, custom_id, {"reason": "outsider"})).all_text()
    for custom_id in (f"mod:show:{blanket}", f"mod:preview:{blanket}", f"mod:show:{flares}"):
        assert "There is no draft" in (await press(app, MALLORY, custom_id)).all_text()
    for custom_id in (f"mod:gap:{gap_row}", f"mod:dismiss:{gap_row}"):
        assert "no longer available" in (await press(app, MALLORY, custom_id)).all_text()
    for custom_id in (f"mod:open:edit:k:{BLANKET_ID}", f"mod:again:edit:k:{BLANKET_ID}"):
        assert "I don't know an entry" in (await press(app, MALLORY, custom_id)).all_text()
    assert "no longer exists" in (await press(app, MALLORY, f"mod:form:edit:k:{BLANKET_ID}", dict(BLANKET))).all_text()
    hist = (await press(app, MALLORY, "mod:hist:0:flares")).all_text()
    assert "Alice" not in hist and "Bob" not in hist
    # Autocomplete offers none of A's drafts or gaps.
    assert await app.moderation.complete_pending(MALLORY, "") == []
    assert BLANKET_ID not in {c.value for c in await app.moderation.complete_entries(MALLORY, "blanket")}
    assert await app.moderation.complete_gaps(MALLORY, "") == []
    assert "opioids" in {c.value for c in await app.moderation.complete_live(MALLORY, "opioids")}

    # B's own changes stay in B: retire, sign off, an approved shop link, a vote, a dismissal.
    assert "is retired" in (await call(app, "retire", MALLORY, id="pacing", reason="we disagree")).all_text()
    walk = await call(app, "review_due", MALLORY)
    button = next(b.custom_id for b in walk.buttons if b.custom_id and b.custom_id.startswith("mod:so:"))
    assert "Signed off" in (await press(app, MALLORY, button)).all_text()
    assert "no longer served" in (await press(app, TRENT, sign)).all_text()  # A's button: pacing is retired in B
    b_sign = next(b.custom_id for b in (await call(app, "sign_off", TRENT, id="flares")).buttons
                  if b.custom_id and b.custom_id.startswith("mod:so:"))
    assert "Signed off `flares`" in (await press(app, TRENT, b_sign)).all_text()  # B's sign-off of the base text
    a_flares = sign.replace("pacing", "flares").rsplit(":", 1)[0] + ":" + before["entries"]["flares"][0][:10]
    assert "changed since you opened it" in (await press(app, TRENT, a_flares)).all_text()
    draft_number(await submit_new(app, MALLORY, SHOP))
    assert "is live now" in (await call(app, "approve", TRENT, id="magnets-cure-fibromyalgia")).all_text()
    assert "magnets" in (await app.faq.ask(DAVE, "do magnets cure fibro")).all_text().casefold()
    await app.faq.vote(DAVE, "pacing", helpful=True)
    await press(app, MALLORY, "mod:walk:-")
    assert app.library.view(A).index is index_a  # B's changes never even rebuilt A's search index
    await call(app, "reload", MALLORY)  # re-reads the shared files: A keeps its revisions

    # -- server A is exactly as it was --------------------------------------------------------
    after = await served(app, A)
    assert after == before
    magnets = (await app.faq.ask(CAROL, "do magnets cure fibro")).all_text()
    assert "Magnet Shop" not in magnets and "magnets.example.com" not in magnets
    answer = await app.faq.ask(CAROL, "what is pacing")
    assert answer.cards and "Alice" in (answer.cards[0].footer or "")
    assert [p for p in app.outbox.channel_posts if p[0] == AUDIT_A] == a_posts
    b_posts = "\n".join(p[1].all_text() for p in app.outbox.channel_posts if p[0] == AUDIT_B)
    assert "Alice" not in b_posts and "Bob" not in b_posts and b_posts
    assert app.library.view(B).get("pacing") is None and app.library.view(A).get("pacing") is not None
    digest_a = (await service.digest_reply(A)).all_text()
    digest_b = (await service.digest_reply(B)).all_text()
    assert BLANKET_ID in digest_a and BLANKET_ID not in digest_b and GAP not in digest_b
