"""Review and decisions: waiting drafts with diffs, approve (two-person rule) and reject."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.faq.lint import lint_pack
from bot.faq.models import FaqEntry
from bot.faq.render import answer_card
from bot.moderation.buttons import APPROVE, DRAFT
from bot.moderation.common import (
    KIND_WORDS,
    PROTECTED_SELF,
    REVIEW_PAGE,
    SELF_APPROVAL,
    STALE,
    STALE_BASE,
    STATUS_WORDS,
    day,
    fit_cards,
    no_pending,
    when,
)
from bot.moderation.diff import code_block, content_hash, entry_text, unified
from bot.moderation.forms import friendly_field, friendly_message
from bot.moderation.permissions import may_self_approve
from bot.moderation.store import ModerationStore, Revision
from bot.problems import Problem
from bot.ui import (
    EMBED_DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    Actor,
    Button,
    Card,
    Colour,
    Reply,
    Style,
    clip,
)

if TYPE_CHECKING:
    from bot.core import Core
    from bot.faq.store import FaqStore



class ReviewMixin:
    """Proposals, review, approval, rejection and retirement."""

    core: Core
    faq_store: FaqStore
    store: ModerationStore

    def _warnings(self, guild_id: int | None, draft: FaqEntry) -> list[str]:
        """Lint, as ``content check`` would, plus hints only a proposal needs."""
        view = self.view(guild_id)
        others = [e for e in view.published() if e.id != draft.id]
        problems: list[Problem] = lint_pack([*others, draft], labels={}, today=self.today())
        found = [f"{friendly_field(p.field.split('.') if p.field else [])}: {p.message}"
                 for p in problems if p.file == draft.id]
        if len(draft.meta.aliases) < 3:
            found.append("Other ways to ask: members find answers more often with 3 to 8 ways of asking.")
        result = view.index.search(draft.question)
        if result.kind == "answer" and result.best is not None and result.best.entry_id != draft.id:
            found.append(f"Members asking this question now get `{result.best.entry_id}`: "
                         "consider editing that entry instead, or make the questions clearly different.")
        return found

    @staticmethod
    def _warnings_card(warnings: list[str]) -> Card:
        return Card(title="Please check before approving",
                    description=clip("\n".join(f"• {w}" for w in warnings), 2000), colour=Colour.URGENT)

    # -- review -----------------------------------------------------------------------------

    def _diff(self, revision: Revision) -> str:
        """Pending: against what is live now. Decided: against what was live when it was written."""
        new_text = entry_text(revision.entry())
        if revision.status == "pending":
            live = self.live(revision.guild_id, revision.entry_id)
            old_text = entry_text(live)
            old_label = f"{revision.entry_id}.md (live)" if live is not None else "(new entry)"
        else:
            old_text = revision.base_text or ""
            old_label = f"{revision.entry_id}.md (before)" if revision.base_text else "(new entry)"
        return unified(old_text, new_text, old_label=old_label, new_label=f"{revision.entry_id}.md (#{revision.id})")

    def _is_stale(self, revision: Revision) -> bool:
        return content_hash(self.live(revision.guild_id, revision.entry_id)) != revision.base_hash

    def _header(self, revision: Revision) -> str:
        lines = [f"Proposed by **{revision.author_name}** on {when(revision.proposed_at)}",
                 f"Changes: {revision.changes}"]
        if revision.status != "pending":
            by = f" by {revision.decided_by_name}" if revision.decided_by_name else ""
            at = f" on {when(revision.decided_at)}" if revision.decided_at else ""
            lines.append(f"{STATUS_WORDS[revision.status].capitalize()}{by}{at}")
            if revision.reason:
                lines.append(f"Reason: {clip(revision.reason, 300)}")
        elif self._is_stale(revision):
            lines.append("⚠️ The live entry changed after this draft was written: it can't be approved; "
                         "propose the change again.")
        return "\n".join(lines)

    def _title(self, revision: Revision) -> str:
        return clip(f"#{revision.id} · {KIND_WORDS[revision.kind]} · {revision.entry_id}", 256)

    @staticmethod
    def _decision_buttons(rev_id: int, row: int | None = None) -> list[Button]:
        """Approve, approve and sign off, or reject a waiting draft."""
        return [Button(f"Approve #{rev_id}", APPROVE(rev_id, False), Style.SUCCESS, row=row),
                Button(f"Approve & sign off #{rev_id}", APPROVE(rev_id, True), Style.SUCCESS, row=row),
                Button(f"Reject #{rev_id}", DRAFT("reject", rev_id), Style.DANGER, row=row)]

    async def review(self, actor: Actor, revision: int | None = None) -> Reply:
        """/faq-admin review: waiting drafts with a diff against the live text."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        if revision is not None:
            return await self._show(actor.guild_id, revision)
        total = await self.store.pending_count(actor.guild_id)
        if total == 0:
            return Reply.text("No drafts are waiting for review. Thank you for keeping up!")
        drafts = await self.store.pending(actor.guild_id, limit=REVIEW_PAGE)
        headers = [(self._title(r), self._header(r)) for r in drafts]
        fixed = sum(len(t) + len(h) + 2 for t, h in headers)
        share = max(200, (EMBED_TOTAL_MAX - 100 - fixed) // len(drafts))
        cards: list[Card] = []
        buttons: list[Button] = []
        for row, (draft, (title, header)) in enumerate(zip(drafts, headers, strict=True)):
            limit = min(share, EMBED_DESCRIPTION_MAX - len(header) - 2)
            block = code_block(self._diff(draft), limit, more_hint=f"; press Full view #{draft.id}")
            cards.append(Card(title=title, description=f"{header}\n{block}", colour=Colour.INFO))
            buttons += [*self._decision_buttons(draft.id, row=row),
                        Button(f"Full view #{draft.id}", DRAFT("show", draft.id), Style.SECONDARY, row=row)]
        cards = fit_cards(cards)
        buttons = [b for b in buttons if b.row is not None and b.row < len(cards)]
        more = (f" Showing the oldest {len(cards)}; decide these to see the rest, or open one with "
                "`/faq-admin review revision:<number>`.") if total > len(cards) else ""
        content = (f"{total} draft{'s' if total != 1 else ''} waiting for review, oldest first. A draft goes live "
                   f"only when a moderator other than its author approves it.{more}")
        return Reply(content=content, cards=cards, buttons=buttons)

    async def _show(self, guild_id: int | None, rev_id: int) -> Reply:
        revision = await self.store.get(guild_id, rev_id)
        if revision is None:
            return Reply.text(f"There is no draft #{rev_id}.")
        header = self._header(revision)
        block = code_block(self._diff(revision), EMBED_DESCRIPTION_MAX - len(header) - 2)
        buttons = [Button("Preview as members see it", DRAFT("preview", revision.id), Style.SECONDARY)]
        if revision.status == "pending":
            buttons = [*self._decision_buttons(revision.id), *buttons]
        card = Card(title=self._title(revision), description=f"{header}\n{block}", colour=Colour.INFO)
        return Reply(cards=[card], buttons=buttons)

    async def _preview(self, guild_id: int | None, rev_id: int) -> Reply:
        revision = await self.store.get(guild_id, rev_id)
        if revision is None:
            return Reply.text(f"There is no draft #{rev_id}.")
        entry = revision.entry()
        cards = [answer_card(entry, self.view(guild_id).review_of(entry, self.today()))]
        warnings = self._warnings(guild_id, entry) if revision.status == "pending" else []
        if warnings:
            cards.insert(0, self._warnings_card(warnings))
        status = STATUS_WORDS[revision.status]
        return Reply(content=f"Draft #{revision.id} ({status}) as members would see it:", cards=fit_cards(cards))

    # -- decide -----------------------------------------------------------------------------

    async def _pending_by_ref(self, guild_id: int | None, ref: str) -> tuple[Revision | None, str]:
        """A waiting draft of this server by entry id (at most one per entry) or number ("12", "#12")."""
        ref = ref.strip()
        number = ref.lstrip("#")
        if number.isdigit():
            revision = await self.store.get(guild_id, int(number))
            if revision is not None:
                return revision, ref
        return await self.store.pending_for(guild_id, ref), ref

    def _not_pending(self, revision: Revision) -> Reply:
        if revision.status == "superseded":
            return Reply.text(f"Draft #{revision.id} was replaced by a newer draft ({revision.reason or 'superseded'}). "
                              f"See `/faq-admin history {revision.entry_id}`.")
        by = f" by {revision.decided_by_name}" if revision.decided_by_name else ""
        return Reply.text(f"Draft #{revision.id} was already {STATUS_WORDS[revision.status]}{by}. "
                          f"See `/faq-admin history {revision.entry_id}`.")

    async def approve(self, actor: Actor, id: str, reviewed: bool = False) -> Reply:
        """/faq-admin approve: publish a waiting draft, at once, if the approver is not its author.
        ``reviewed``: the approver also checked the text and sources, so it counts as a sign-off."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        revision, ref = await self._pending_by_ref(actor.guild_id, id)
        if revision is None:
            return no_pending(ref)
        return await self._approve(actor, revision, reviewed=reviewed)

    async def _approve(self, actor: Actor, revision: Revision, *, reviewed: bool = False) -> Reply:
        async with self._writing:  # one decision at a time: the staleness check stays true until stored
            return await self._approve_now(actor, revision, reviewed)

    async def _approve_now(self, actor: Actor, revision: Revision, reviewed: bool = False) -> Reply:
        # The latest state, not the caller's copy; and only ever a revision of the actor's server.
        revision = await self.store.get(actor.guild_id, revision.id)  # type: ignore[assignment]
        if revision is None:
            return Reply.text(STALE)
        if revision.status != "pending":
            return self._not_pending(revision)
        if revision.author_id == actor.user_id and self._protected(actor.guild_id, revision.entry_id):
            return Reply.text(PROTECTED_SELF.format(rev=revision.id, entry=revision.entry_id))
        if revision.author_id == actor.user_id and not await may_self_approve(
            actor, self.core.guilds, self.core.settings.allow_self_approval
        ):
            return Reply.text(SELF_APPROVAL.format(rev=revision.id))
        now = self.now()
        if self._is_stale(revision):
            await self.store.decide(actor.guild_id, revision.id, "superseded", actor.user_id, actor.display_name, now,
                                    "the live entry changed after this draft was written")
            return Reply.text(STALE_BASE.format(entry=revision.entry_id, rev=revision.id))
        try:
            entry = revision.entry()
        except ValidationError as exc:
            listing = "; ".join(f"{friendly_field(e['loc'])}: {friendly_message(e)}" for e in exc.errors())
            return Reply.text(f"Draft #{revision.id} no longer passes the content checks ({listing}). "
                              f"Please propose it again with `/faq-admin edit {revision.entry_id}`.")
        if not await self.store.decide(actor.guild_id, revision.id, "approved", actor.user_id, actor.display_name,
                                       now):
            return Reply.text(f"Another moderator decided draft #{revision.id} a moment ago. "
                              f"See `/faq-admin history {revision.entry_id}`.")
        signed_note = ""
        if reviewed:
            signed_note = " " + await self._record_sign_off(actor, entry, also=(revision.author_id,
                                                                                 revision.author_name))
        await self.refresh()
        view = self.view(actor.guild_id)
        served = view.get(entry.id)
        status = view.review_of(entry, now.date())
        self_note = " (self-approved: allowed on this server)" if revision.author_id == actor.user_id else ""
        review_text = (f"Review: {status.state}, by {status.by} on {day(status.on)}; next review due {day(status.due)}."
                       if status.reviewed else
                       "Review: drafted (not signed off here yet; `/faq-admin sign-off` once a moderator has checked "
                       "the text and sources).")
        text = (f"Approved draft #{revision.id} by {revision.author_name}{self_note}: `{entry.id}` is live now in this "
                f"server and `/faq` answers with it at once.{signed_note} {review_text}")
        if served is None and entry.published:
            text += " (It is not served right now; `/faq-admin reload` explains why.)"
        await self._audit(actor, f"FAQ draft #{revision.id} approved: {entry.id} is live",
                          [f"**{entry.question}**", f"Changes: {revision.changes}",
                           f"Proposed by {revision.author_name}, approved by {actor.display_name}{self_note}."],
                          colour=Colour.SUCCESS)
        return Reply(content=text, cards=[answer_card(entry, status)])

    async def reject(self, actor: Actor, id: str, reason: str) -> Reply:
        """/faq-admin reject: close a draft with a reason; it stays in the history."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        revision, ref = await self._pending_by_ref(actor.guild_id, id)
        if revision is None:
            return no_pending(ref)
        return await self._reject(actor, revision, reason)

    async def _reject(self, actor: Actor, revision: Revision, reason: str) -> Reply:
        async with self._writing:
            return await self._reject_now(actor, revision, reason)

    async def _reject_now(self, actor: Actor, revision: Revision, reason: str) -> Reply:
        revision = await self.store.get(actor.guild_id, revision.id)  # type: ignore[assignment]
        if revision is None:
            return Reply.text(STALE)
        if revision.status != "pending":
            return self._not_pending(revision)
        reason = " ".join(reason.split())[:500]
        if len(reason) < 3:
            return Reply.text("Please give a short reason, so the author knows what to change.")
        if not await self.store.decide(actor.guild_id, revision.id, "rejected", actor.user_id, actor.display_name,
                                       self.now(), reason):
            return Reply.text(f"Another moderator decided draft #{revision.id} a moment ago.")
        await self._audit(actor, f"FAQ draft #{revision.id} rejected: {revision.entry_id}",
                          [f"Proposed by {revision.author_name}, rejected by {actor.display_name}.",
                           f"Reason: {reason}"], colour=Colour.NEUTRAL)
        return Reply.text(f"Rejected draft #{revision.id} for `{revision.entry_id}`. It stays in the history with "
                          f"your reason, and members keep getting what they got before.")
