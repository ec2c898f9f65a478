"""What moderators learn from usage: gaps, unhelpful answers, statistics, due reviews, the weekly digest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.faq.models import FaqEntry
from bot.moderation.common import (
    DIGEST_EVERY,
    DIGEST_SLACK,
    DUE_WINDOW,
    KIND_WORDS,
    PREFIX,
    day,
    fit_cards,
    join_lines,
)
from bot.moderation.forms import F_QUESTION, FORM, category_code, proposal_modal
from bot.moderation.store import ModerationStore
from bot.ui import (
    BUTTON_LABEL_MAX,
    EMBED_DESCRIPTION_MAX,
    Actor,
    Button,
    Card,
    Colour,
    Field,
    Reply,
    Style,
    clip,
)

if TYPE_CHECKING:
    from bot.app import SupportApp


log = logging.getLogger(__name__)


class InsightsMixin:
    app: SupportApp
    store: ModerationStore

    # -- gaps, stats, due -------------------------------------------------------------------

    async def gaps(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin gaps: what members asked that the FAQ could not answer, and weak answers."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        gaps = await self._open_gaps(actor.guild_id, self.now() - timedelta(days=days), 10)
        votes = await self.store.not_helpful(actor.guild_id, limit=5)
        if not gaps and not votes:
            return Reply.text(f"No unanswered questions and no \"Not helpful\" votes in the last {days} days.")
        cards: list[Card] = []
        buttons: list[Button] = []
        if gaps:
            lines = [f"{i}. “{clip(g.question, 150)}” — asked {g.count}×, last {day(g.last_seen.date())}"
                     for i, g in enumerate(gaps, start=1)]
            cards.append(Card(title=f"Questions without a vetted answer (last {days} days)",
                              description="\n".join(lines), colour=Colour.INFO,
                              footer="Words only: who asked is never stored. A button opens a pre-filled proposal."))
            buttons += [Button(clip(f"{i}. Answer: {g.question}", BUTTON_LABEL_MAX), f"{PREFIX}:gap:{g.row_id}",
                               Style.PRIMARY, row=(i - 1) // 5) for i, g in enumerate(gaps, start=1)]
        if votes:
            lines = []
            for v in votes:
                entry = self.live(v.entry_id)
                question = f" — {clip(entry.question, 120)}" if entry is not None else ""
                lines.append(f"`{v.entry_id}`{question}: 👎 {v.not_helpful} · 👍 {v.helpful}")
            cards.append(Card(title="Answers marked “Not helpful”", description="\n".join(lines), colour=Colour.NEUTRAL))
            buttons += [Button(clip(f"Edit {v.entry_id}", BUTTON_LABEL_MAX), f"{PREFIX}:open:edit:k:{v.entry_id}",
                               Style.SECONDARY, row=2 + i // 5)
                        for i, v in enumerate(votes) if self.live(v.entry_id) is not None]
        return Reply(cards=fit_cards(cards), buttons=buttons)

    async def _open_gaps(self, guild_id: int | None, since: datetime, limit: int) -> list[Any]:
        """Gaps the FAQ still can't answer (an entry approved since then closes a gap)."""
        rows = await self.store.gaps(guild_id, since, limit=limit * 3)
        return [g for g in rows if self.library.index.search(g.question).kind != "answer"][:limit]

    async def _gap_form(self, actor: Actor, row_id: int) -> Reply:
        found = await self.store.unanswered(row_id)
        if found is None or found[0] != actor.guild_id:
            return Reply.text("That question is no longer available. Run `/faq-admin gaps` again.")
        question = clip(found[1].strip(), FORM[F_QUESTION][3])
        category = self.guess_category(question)
        return Reply(modal=proposal_modal(f"{PREFIX}:form:new:{category_code(category)}", "Answer a member question",
                                          {F_QUESTION: question}))

    async def stats(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin stats: answers served, top entries and the no-match rate over a period."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        since = self.now() - timedelta(days=days)
        counts = await self.app.faq_store.event_counts(since, actor.guild_id)
        top = await self.app.faq_store.top_entries(since, 5, actor.guild_id)
        up, down = await self.store.votes_since(actor.guild_id, since)
        answers, misses, safety = counts.get("answer", 0), counts.get("no_match", 0), counts.get("safety", 0)
        asked = answers + misses
        share = f"{misses} ({misses / asked:.0%} of questions)" if asked else str(misses)
        top_lines = []
        for entry_id, n in top:
            entry = self.live(entry_id)
            top_lines.append(f"{n}× `{entry_id}`" + (f" — {clip(entry.question, 90)}" if entry else ""))
        card = Card(
            title=f"FAQ in the last {days} day{'s' if days != 1 else ''}",
            fields=[
                Field("Answers served", str(answers), inline=True),
                Field("No vetted answer", share, inline=True),
                Field("Pointed to care first", str(safety), inline=True),
                Field("Feedback", f"👍 {up} · 👎 {down}", inline=True),
                Field("Most served", "\n".join(top_lines) or "None yet"),
            ],
            footer="Counts only: no member is identified.",
            colour=Colour.INFO,
        )
        return Reply(cards=[card])

    def due_entries(self) -> list[FaqEntry]:
        """Served entries whose review is overdue or due within 30 days, soonest first."""
        horizon = self.today() + DUE_WINDOW
        due = [e for e in self.library.published() if e.meta.review_due <= horizon]
        return sorted(due, key=lambda e: (e.meta.review_due, e.id))

    def _due_line(self, entry: FaqEntry, *, question: bool = True) -> str:
        days_left = (entry.meta.review_due - self.today()).days
        if days_left < 0:
            status = f"overdue since {day(entry.meta.review_due)}"
        elif days_left == 0:
            status = "due today"
        else:
            status = f"due {day(entry.meta.review_due)} (in {days_left} day{'s' if days_left != 1 else ''})"
        return f"`{entry.id}` — {clip(entry.question, 100)} — {status}" if question else f"`{entry.id}` — {status}"

    async def due(self, actor: Actor) -> Reply:
        """/faq-admin due: entries to re-review (overdue, or due within 30 days)."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        entries = self.due_entries()
        if not entries:
            return Reply.text("No entries are due for review in the next 30 days.")
        card = Card(title=f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'} to re-review",
                    description=join_lines([self._due_line(e, question=len(entries) <= 15) for e in entries],
                                           EMBED_DESCRIPTION_MAX),
                    colour=Colour.URGENT)
        text = ("To re-review, open the form, check each source still says the same, change what needs changing "
                "(or nothing) and send it. Once another moderator approves, the next review moves 12 months on.")
        buttons = [Button(clip(f"Re-review {e.id}", BUTTON_LABEL_MAX), f"{PREFIX}:open:edit:k:{e.id}", Style.PRIMARY)
                   for e in entries[:10]]
        return Reply(content=text, cards=[card], buttons=buttons)

    # -- weekly digest ----------------------------------------------------------------------

    async def digest_reply(self, guild_id: int) -> Reply:
        due = self.due_entries()
        pending = await self.store.pending(limit=5)
        pending_total = await self.store.pending_count()
        gaps = await self._open_gaps(guild_id, self.now() - DIGEST_EVERY, 5)
        due_text = "\n".join(self._due_line(e) for e in due[:10]) or "Nothing due in the next 30 days."
        if len(due) > 10:
            due_text += f"\n…and {len(due) - 10} more: `/faq-admin due`."
        pending_text = "\n".join(
            f"#{r.id} {KIND_WORDS[r.kind]} `{r.entry_id}` by {r.author_name}, {day(r.proposed_at.date())}" for r in pending
        ) or "No drafts waiting."
        if pending_total > len(pending):
            pending_text += f"\n…and {pending_total - len(pending)} more: `/faq-admin review`."
        gap_text = "\n".join(f"“{clip(g.question, 150)}” — {g.count}×" for g in gaps) or "None this week."
        card = Card(
            title="Weekly FAQ digest for moderators",
            fields=[
                Field(f"Reviews due ({len(due)})", clip(due_text, 1024)),
                Field(f"Drafts waiting for review ({pending_total})", clip(pending_text, 1024)),
                Field("Top unanswered questions this week", clip(gap_text, 1024)),
            ],
            footer="Words only: who asked is never stored.",
            colour=Colour.INFO,
        )
        return Reply(cards=[card], ephemeral=False)

    async def weekly_digest(self, guild_id: int) -> bool:
        """Post the digest to the server's audit channel; False when it has none."""
        channel = (await self.app.guilds.get(guild_id)).audit_channel_id
        if channel is None:
            return False
        await self.app.outbox.to_channel(channel, await self.digest_reply(guild_id))
        return True

    async def send_due_digests(self) -> int:
        """Post a digest to every server whose last one is a week old; the claim is stored first,
        so a restart (or a second process) never posts the same week twice."""
        sent = 0
        now = self.now()
        for guild_id, _channel in await self.store.audit_channels():
            if not await self.store.claim_digest(guild_id, now, now - DIGEST_EVERY + DIGEST_SLACK):
                continue
            try:
                if await self.weekly_digest(guild_id):
                    sent += 1
            except Exception:
                log.warning("weekly digest for server %s failed", guild_id, exc_info=True)
        return sent

    async def run_digests(self, stop_event: asyncio.Event, check_every: float = 3600.0) -> None:
        """Background task: check hourly, post weekly, until ``stop_event`` is set."""
        while not stop_event.is_set():
            try:
                await self.send_due_digests()
            except Exception:
                log.exception("weekly digest check failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=check_every)

