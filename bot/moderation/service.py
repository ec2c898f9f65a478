"""Moderators keep the FAQ true from Discord: propose, review, approve, retire, audit.

The rules this module exists to enforce:

* Health information never goes live on one person's say-so. A proposal is a *draft revision*;
  it is served only after a second moderator approves it (unless the server, or the whole bot,
  explicitly allows self-approval for a very small group).
* Taking an answer *away* is immediate: ``retire`` needs one moderator and a reason, because
  wrong content should stop reaching members at once. Bringing it back is a proposal again.
* Drafts are validated with exactly the schema of the content files, and stored whole.
* Nothing is ever deleted from the history; every change is also posted to the server's audit
  channel when one is configured.
* Files stay the source of truth: an approved revision overrides the file entry with the same id
  only while that file is still the one the revision was written against (or says the same). A
  newer, reviewed change to the file on disk wins, and ``reload`` says so.

Every handler returns a :class:`~bot.ui.Reply`; nothing here imports discord.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.faq.library import FaqLibrary, LibraryView
from bot.faq.models import CATEGORY_ORDER, FaqEntry, FrontMatter
from bot.faq.render import answer_card
from bot.moderation import buttons as ids
from bot.moderation.audit import AuditMixin
from bot.moderation.common import KIND_WORDS, PROTECTED_RETIRE, STALE, fit_cards, join_lines
from bot.moderation.completion import CompletionMixin
from bot.moderation.components import ComponentsMixin
from bot.moderation.diff import changed_fields, content_hash, entry_text
from bot.moderation.forms import (
    F_QUESTION,
    FORM,
    FORM_NAMES,
    NEW_ID_MAX,
    build_draft,
    category_code,
    category_from,
    form_values,
    proposal_modal,
    slugify,
    too_big_for_form,
)
from bot.moderation.insights import InsightsMixin
from bot.moderation.review import ReviewMixin
from bot.moderation.signing import SigningMixin
from bot.moderation.signoffs import SignOffStore
from bot.moderation.store import ModerationStore, NewRevision, Revision
from bot.permissions import MODERATORS_ONLY, allowed, moderators
from bot.problems import Problem, Severity
from bot.ui import (
    EMBED_DESCRIPTION_MAX,
    Actor,
    Attachment,
    Button,
    Card,
    Colour,
    Reply,
    Style,
    clip,
    plural,
)

if TYPE_CHECKING:
    from bot.care.service import CareService
    from bot.core import Core
    from bot.faq.store import FaqStore


log = logging.getLogger(__name__)


# -- the service -----------------------------------------------------------------------------

class ModerationService(ComponentsMixin, ReviewMixin, SigningMixin, AuditMixin, InsightsMixin, CompletionMixin):
    """Every method acts for the server of the actor (``actor.guild_id``): drafts, decisions,
    sign-offs, gaps and audit posts of one server are invisible and ineffective in another."""

    def __init__(self, core: Core, library: FaqLibrary, faq_store: FaqStore, care: CareService) -> None:
        self.core = core
        self.library = library
        self.faq_store = faq_store
        self.care = care
        self.startup_problems: list[Problem] = []  # FAQ files that failed at start-up, posted once ready
        self.store = ModerationStore(core.db)
        self.signoffs = SignOffStore(core.db)
        # Per server: the revisions served now (by entry id), and approved revisions a newer file
        # on disk has replaced.
        self.applied: dict[int, dict[str, FaqEntry]] = {}
        self.drift: dict[int, list[Revision]] = {}
        self._writing = asyncio.Lock()  # a new entry's id is chosen and stored in one step
        # What a moderator typed into a form that did not validate, per (server, moderator), so
        # "Open the form again" shows it again. Kept in memory only: nothing was stored or promised.
        self._typed: dict[tuple[int, int], dict[str, str]] = {}

    async def start(self) -> None:
        """Serve the published revisions (call after the content files are loaded)."""
        await self.refresh()

    async def post_startup_problems_quietly(self) -> None:
        """The background job: post the start-up problems; a failure is logged, never raised."""
        try:
            await self.post_startup_problems()
        except Exception:
            log.exception("could not post the start-up content problems")

    async def send_due_digests_job(self) -> None:
        """The background job: send the weekly digests that are due."""
        await self.send_due_digests()

    def now(self) -> datetime:
        return self.core.clock.now()

    def today(self) -> date:
        return self.now().date()

    # -- permissions ------------------------------------------------------------------------

    async def refusal(self, actor: Actor) -> str | None:
        """The refusal text for a non-moderator, or None (for suggestions, which stay empty)."""
        return None if await allowed(moderators, actor, self.core.guilds) else MODERATORS_ONLY

    async def _guard(self, actor: Actor) -> Reply | None:
        """Raise :class:`~bot.permissions.NotModerator` unless the actor moderates here."""
        await moderators(actor, self.core.guilds)
        return None

    # -- overrides --------------------------------------------------------------------------

    async def refresh(self) -> list[Revision]:
        """Serve each server the latest approved revision of each entry, unless the file on disk
        changed after it was written (then the newer file wins). Returns those set aside."""
        files = self.library.file_entries()
        signed = await self.signoffs.signed()
        applied: dict[int, dict[str, FaqEntry]] = {}
        drift: dict[int, list[Revision]] = {}
        for guild_id in await self.store.guilds_with_revisions():
            overrides: dict[str, FaqEntry] = {}
            for revision in await self.store.latest_approved(guild_id):
                try:
                    entry = revision.entry()
                except ValidationError:
                    log.warning("revision #%d no longer validates; the file entry is served", revision.id)
                    continue
                on_disk = files.get(revision.entry_id)
                if content_hash(on_disk) == revision.file_hash or (on_disk is not None
                                                                    and on_disk.same_content(entry)):
                    overrides[revision.entry_id] = entry
                else:
                    drift.setdefault(guild_id, []).append(revision)
            applied[guild_id] = overrides
        self.applied = applied
        self.drift = drift
        tenants = {g: (applied.get(g, {}), signed.get(g, {})) for g in {*applied, *signed}}
        self.library.set_tenants(tenants)
        return [r for revisions in drift.values() for r in revisions]

    def view(self, guild_id: int | None) -> LibraryView:
        return self.library.view(guild_id)

    def live(self, guild_id: int | None, entry_id: str) -> FaqEntry | None:
        """What the entry is now in this server (published, draft-status or retired)."""
        return self.view(guild_id).get_any(entry_id)

    def _pack_for(self, guild_id: int | None, category: str) -> str:
        entries = [*self.library.file_entries().values(), *self.applied.get(guild_id or 0, {}).values()]
        same = Counter(e.pack for e in entries if e.meta.category == category)
        every = Counter(e.pack for e in entries)
        for counts in (same, every):
            if counts:
                return counts.most_common(1)[0][0]
        return "faq"

    def guess_category(self, question: str, guild_id: int | None = None) -> str:
        """For a proposal from a gap: the category of the nearest entry (a moderator can change it)."""
        view = self.view(guild_id)
        result = view.index.search(question)
        for hit in result.ranked[:1]:
            entry = view.get(hit.entry_id)
            if entry is not None:
                return entry.meta.category
        return "basics"

    async def _new_id(self, guild_id: int | None, question: str) -> str:
        base = slugify(question)
        taken = (await self.store.entry_ids(guild_id) | set(self.library.file_entries())
                 | set(self.applied.get(guild_id or 0, {})))
        candidate, n = base, 2
        while candidate in taken:
            suffix = f"-{n}"
            candidate, n = base[: NEW_ID_MAX - len(suffix)].rstrip("-") + suffix, n + 1
        return candidate

    # -- propose / edit ---------------------------------------------------------------------

    async def propose(self, actor: Actor, category: str = "basics") -> Reply:
        """/faq-admin propose: an empty form for a new entry."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return self._new_form(category if category in CATEGORY_ORDER else "basics")

    @staticmethod
    def _new_form(category: str, values: Mapping[str, str] | None = None,
                  title: str = "Propose an FAQ entry") -> Reply:
        """The proposal form for a new entry in ``category``, optionally pre-filled."""
        return Reply(modal=proposal_modal(ids.SUBMIT_NEW(category_code(category)), title, values))

    async def edit(self, actor: Actor, id: str, category: str | None = None) -> Reply:
        """/faq-admin edit: the form pre-filled with the waiting draft, or else the live entry."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return await self._edit_form(actor.guild_id, id.strip(), category)

    async def _edit_form(self, guild_id: int | None, entry_id: str, category: str | None,
                         typed: Mapping[str, str] | None = None) -> Reply:
        pending = await self.store.pending_for(guild_id, entry_id)
        current = pending.entry() if pending is not None else self.live(guild_id, entry_id)
        if current is None:
            return Reply.text(f"I don't know an entry `{clip(entry_id, 80)}`. Pick one from the suggestions, "
                              "or use `/faq-admin propose` for a new one.")
        values = dict(typed) if typed is not None else form_values(current)
        too_big = too_big_for_form(values)
        if too_big:
            return Reply.text(
                f"`{entry_id}` has more text in {', '.join(too_big)} than a Discord form can hold, so editing it "
                "here would cut it short. Please edit its content file instead (see docs/content-format.md)."
            )
        if category is not None and category not in CATEGORY_ORDER:
            category = None
        title = f"Edit draft #{pending.id}: {entry_id}" if pending is not None else f"Edit: {entry_id}"
        return Reply(modal=proposal_modal(ids.SUBMIT_EDIT(category_code(category), entry_id), title, values))

    async def submit(self, actor: Actor, mode: str, code: str, entry_id: str | None,
                     values: Mapping[str, str]) -> Reply:
        """A submitted proposal form: validate, store as a pending draft, tell the audit channel."""
        async with self._writing:
            return await self._submit(actor, mode, code, entry_id, values)

    async def _submit(self, actor: Actor, mode: str, code: str, entry_id: str | None,
                      values: Mapping[str, str]) -> Reply:
        today = self.today()
        pending: Revision | None = None
        if mode == "edit" and entry_id:
            pending = await self.store.pending_for(actor.guild_id, entry_id)
            base = self.live(actor.guild_id, entry_id)
            keep = pending.entry() if pending is not None else base
            if keep is None:
                return Reply.text(f"`{entry_id}` no longer exists, so there is nothing to edit.")
            category = category_from(code) or keep.meta.category
            pack = base.pack if base is not None else keep.pack
        elif mode == "new":
            base, keep = None, None
            category = category_from(code) or "basics"
            entry_id = await self._new_id(actor.guild_id, values.get(F_QUESTION, ""))
            pack = self._pack_for(actor.guild_id, category)
        else:
            return Reply.text(STALE)
        result = build_draft(values, entry_id=entry_id, category=category, pack=pack, keep=keep, today=today)
        if result.entry is None:
            self._typed[(actor.guild_id or 0, actor.user_id)] = dict(values)
            return self._form_problems(result.problems, values, mode, code, entry_id)
        self._typed.pop((actor.guild_id or 0, actor.user_id), None)
        draft = result.entry
        if pending is not None and pending.entry().same_content(draft):
            return Reply.text(f"That is the same as draft #{pending.id}, which is still waiting for review; "
                              "nothing new was saved.")
        kind = "edit" if base is not None else "create"
        changes = ", ".join(changed_fields(base, draft)) if base is not None else "new entry"
        if base is not None and not changes:
            changes = "review only (no changes to the text)"
        new = NewRevision(
            entry_id=draft.id, kind=kind, pack=draft.pack, front_matter=draft.meta.model_dump(mode="json"),
            body=draft.body, changes=changes, base_text=entry_text(base) if base is not None else None,
            base_hash=content_hash(base), file_hash=content_hash(self.library.file_entries().get(draft.id)),
            guild_id=actor.guild_id, author_id=actor.user_id, author_name=actor.display_name,
        )
        rev_id, superseded = await self.store.add_pending(new, self.now())
        warnings = self._warnings(actor.guild_id, draft)
        replaced = f" It replaces draft {', '.join(f'#{s}' for s in superseded)}." if superseded else ""
        still = ("Members keep getting the current answer until then." if base is not None and base.published
                 else "Members won't see it until then.")
        what = f"edit of `{draft.id}` ({changes})" if kind == "edit" else f"new entry `{draft.id}`"
        text = (f"Thank you. Draft #{rev_id} is saved: {what}.{replaced}\n"
                f"Another moderator can approve it with `/faq-admin approve {draft.id}` or from "
                f"`/faq-admin review`. {still}")
        cards: list[Card] = []
        if warnings:
            cards.append(self._warnings_card(warnings))
        preview = answer_card(draft, self.view(actor.guild_id).review_of(draft, today))
        preview.title = clip(f"Preview: {preview.title}", 256)
        cards.append(preview)
        await self._audit(actor, f"FAQ draft #{rev_id} proposed: {KIND_WORDS[kind]} {draft.id}",
                          [f"**{draft.question}**", f"Changes: {changes}.{replaced}",
                           f"Proposed by {actor.display_name}. Review with `/faq-admin review`."],
                          colour=Colour.INFO)
        return Reply(content=text, cards=fit_cards(cards), buttons=[
            Button("Preview as members see it", ids.DRAFT("preview", rev_id), Style.SECONDARY),
        ])

    def _form_problems(self, problems: list[str], values: Mapping[str, str], mode: str, code: str,
                       entry_id: str | None) -> Reply:
        """Nothing is stored; the moderator gets every problem at once and a copy of their text."""
        listing = "\n".join(f"• {p}" for p in problems)
        copy = "\n\n".join(f"{FORM_NAMES[key]}:\n{values.get(key, '').strip()}" for key in FORM)
        again = ids.AGAIN(mode, code, entry_id if mode == "edit" and entry_id else None)
        return Reply(
            content=clip("I couldn't save that yet, so nothing was stored. Please fix these and send the form "
                         "again: the button below opens it with what you wrote (also attached, to copy from):",
                         2000),
            cards=[Card(title="What to fix", description=clip(listing, EMBED_DESCRIPTION_MAX), colour=Colour.URGENT)],
            files=[Attachment("your-draft.txt", copy.encode("utf-8"), "What you wrote in the form")],
            buttons=[Button("Open the form again", again, Style.PRIMARY)],
        )

    async def _open_again(self, actor: Actor, mode: str, code: str, entry_id: str | None) -> Reply:
        """Reopen a form that did not validate with what this moderator typed (the last time)."""
        typed = self._typed.get((actor.guild_id or 0, actor.user_id))
        if mode == "edit" and entry_id:
            return await self._edit_form(actor.guild_id, entry_id, category_from(code), typed)
        return self._new_form(category_from(code) or "basics", typed)

    def _protected(self, guild_id: int | None, entry_id: str) -> bool:
        """A safety entry, as marked in its file or this server's live revision (either keeps the
        protection)."""
        entries = [self.live(guild_id, entry_id), self.library.file_entries().get(entry_id)]
        return any(e is not None and e.meta.protected for e in entries)

    async def retire(self, actor: Actor, id: str, reason: str) -> Reply:
        """/faq-admin retire: take an entry away from members at once (one moderator suffices,
        because removing a wrong answer must not wait); bringing it back needs approval."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        async with self._writing:
            return await self._retire_now(actor, id.strip(), reason)

    async def _retire_now(self, actor: Actor, entry_id: str, reason: str) -> Reply:
        live = self.view(actor.guild_id).get(entry_id)
        if live is None:
            current = self.live(actor.guild_id, entry_id)
            if current is not None and current.meta.status == "retired":
                return Reply.text(f"`{entry_id}` is already retired.")
            return Reply.text(f"`{clip(entry_id, 80)}` is not being served, so there is nothing to retire.")
        reason = " ".join(reason.split())[:500]
        if len(reason) < 3:
            return Reply.text("Please give a short reason: it goes into the history and the audit channel.")
        data = live.meta.model_dump(mode="json")
        data["status"] = "retired"
        FrontMatter.model_validate(data)
        new = NewRevision(
            entry_id=entry_id, kind="retire", pack=live.pack, front_matter=data, body=live.body,
            changes="retired", base_text=entry_text(live), base_hash=content_hash(live),
            file_hash=content_hash(self.library.file_entries().get(entry_id)), guild_id=actor.guild_id,
            author_id=actor.user_id, author_name=actor.display_name,
        )
        if live.meta.protected:
            # A safety entry stays served until a second moderator approves its retirement.
            rev_id, _ = await self.store.add_pending(new, self.now())
            await self._audit(actor, f"Retirement of safety entry {entry_id} proposed (#{rev_id})",
                              [f"**{live.question}**", f"Proposed by {actor.display_name}. Reason: {reason}",
                               "It stays served until another moderator approves."], colour=Colour.URGENT)
            return Reply.text(PROTECTED_RETIRE.format(entry=entry_id, rev=rev_id))
        rev_id, closed = await self.store.add_approved(new, self.now(), reason)
        await self.refresh()
        closed_note = f" Waiting drafts for it were closed: {', '.join(f'#{c}' for c in closed)}." if closed else ""
        await self._audit(actor, f"FAQ entry retired: {entry_id} (#{rev_id})",
                          [f"**{live.question}**", f"Retired by {actor.display_name}. Reason: {reason}",
                           f"Members no longer get this answer.{closed_note}"], colour=Colour.URGENT)
        return Reply.text(
            f"`{entry_id}` is retired (#{rev_id}): members no longer get this answer.{closed_note} "
            f"To bring it back, use `/faq-admin edit {entry_id}`; another moderator approves it."
        )

    # -- reload -----------------------------------------------------------------------------

    async def reload(self, actor: Actor) -> Reply:
        """/faq-admin reload: re-read content/ from disk; on errors keep serving the last good set.
        The files are the base pack every server shares; each server keeps its own revisions."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        report = await asyncio.to_thread(self.library.load)
        safety_problems = await asyncio.to_thread(self.care.load)
        safety_lines = [self._problem_line(p) for p in safety_problems if p.severity is Severity.ERROR]
        drift = await self.refresh()
        lines = [self._problem_line(p) for p in report.errors]
        drift_lines = [f"• {r.entry_id}: the file changed on disk after revision #{r.id} was approved in "
                       "Discord, so the file is served now." for r in drift]
        cards: list[Card] = []
        if safety_lines:
            cards.append(Card(title="Safety files NOT reloaded: the last good safety set stays in force",
                              colour=Colour.URGENT, description=join_lines(safety_lines, EMBED_DESCRIPTION_MAX)))
        if lines:
            cards.append(Card(title="Problems in the content files", colour=Colour.URGENT,
                              description=join_lines(lines, EMBED_DESCRIPTION_MAX)))
        if drift_lines:
            cards.append(Card(title="Files newer than Discord revisions", colour=Colour.NEUTRAL,
                              description=join_lines(drift_lines, 1500)))
        view = self.view(actor.guild_id)
        served = len(view.published())
        if report.applied:
            text = f"Reloaded the content from disk: {served} entries are served in this server."
            from_discord = view.served_from_revisions()
            if from_discord:
                text += f" {from_discord} of them come from revisions approved here in Discord."
            await self._audit(actor, "FAQ content reloaded from disk", [text], colour=Colour.INFO)
        else:
            text = (f"I found {len(report.errors)} problem{'s' if len(report.errors) != 1 else ''} in the content "
                    f"files, so members keep getting the last good content ({served} entries). Nothing changed. "
                    "Fix these, then run `/faq-admin reload` again:")
        if safety_lines:
            text += (f" The safety files have {plural(len(safety_lines), 'problem')}, so the triage keeps the last good "
                     "rules, exemplars and crisis lines; fix them and reload again.")
            await self._audit(actor, "Safety files failed to reload", safety_lines[:10], colour=Colour.URGENT)
        else:
            text += " Safety set reloaded: " + "; ".join(self.care.describe()[:3]) + "."
        return Reply(content=text, cards=fit_cards(cards))
