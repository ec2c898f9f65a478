"""What moderators learn from usage: gaps, unhelpful answers, statistics, due reviews, the weekly digest."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.faq.models import ALIAS_MAX
from bot.moderation.buttons import GAP, KEEP, OPEN_EDIT
from bot.moderation.common import (
    DIGEST_EVERY,
    DIGEST_SLACK,
    KIND_WORDS,
    day,
    fit_cards,
)
from bot.moderation.forms import F_ALIASES, F_QUESTION, FORM, category_code, form_values
from bot.moderation.store import GapRow, ModerationStore
from bot.ui import (
    BUTTON_LABEL_MAX,
    CHOICE_NAME_MAX,
    CHOICES_MAX,
    Actor,
    Button,
    Card,
    Choice,
    Colour,
    Field,
    Reply,
    Style,
    clip,
    plural,
)

if TYPE_CHECKING:
    from bot.core import Core
    from bot.faq.store import FaqStore


log = logging.getLogger(__name__)

GAPS_SHOWN = 8  # two buttons each, two gaps per row: four rows, the fifth for "Not helpful" edits
GAP_GONE = "That question is no longer available. Run `/faq-admin gaps` again."


class InsightsMixin:
    """Gaps, stats, due reviews and the weekly digest."""

    core: Core
    faq_store: FaqStore
    store: ModerationStore

    # -- gaps, stats, due -------------------------------------------------------------------

    async def gaps(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin gaps: what this server's members asked that the FAQ could not answer, and
        weak answers. Each gap can become a new entry, an alias of an entry, or be dismissed."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        gaps = await self._open_gaps(actor.guild_id, self.now() - timedelta(days=days), GAPS_SHOWN)
        votes = await self.store.not_helpful(actor.guild_id, limit=5)
        if not gaps and not votes:
            return Reply.text(f"No unanswered questions and no \"Not helpful\" votes in the last {days} days.")
        cards: list[Card] = []
        buttons: list[Button] = []
        if gaps:
            lines = [f"#{g.row_id} “{clip(g.question, 150)}” — asked {g.count}×, last {day(g.last_seen.date())}"
                     for g in gaps]
            cards.append(Card(title=f"Questions without a vetted answer (last {days} days)",
                              description="\n".join(lines), colour=Colour.INFO,
                              footer="Words only, with names, contacts, ages, dates and links removed; who asked is "
                                     "never stored. Answer opens a pre-filled proposal; "
                                     "to add a question as another way of asking an entry, use /faq-admin alias; "
                                     "Dismiss deletes the question and hides it from this list."))
            for i, g in enumerate(gaps, start=1):
                row = (i - 1) // 2
                # Labels carry the entry number only: a question's words stay in this private reply.
                buttons += [Button(f"Answer #{g.row_id}", GAP("gap", g.row_id), Style.PRIMARY, row=row),
                            Button(f"Dismiss #{g.row_id}", GAP("dismiss", g.row_id), Style.SECONDARY, row=row)]
        if votes:
            lines = []
            for v in votes:
                entry = self.live(actor.guild_id, v.entry_id)
                question = f" — {clip(entry.question, 120)}" if entry is not None else ""
                lines.append(f"`{v.entry_id}`{question}: 👎 {v.not_helpful} · 👍 {v.helpful}")
            cards.append(Card(title="Answers marked “Not helpful”", description="\n".join(lines), colour=Colour.NEUTRAL))
            buttons += [Button(clip(f"Edit {v.entry_id}", BUTTON_LABEL_MAX), OPEN_EDIT(KEEP, v.entry_id),
                               Style.SECONDARY, row=4)
                        for v in votes if self.live(actor.guild_id, v.entry_id) is not None]
        return Reply(cards=fit_cards(cards), buttons=buttons)

    async def _open_gaps(self, guild_id: int | None, since: datetime, limit: int) -> list[GapRow]:
        """Gaps this server's FAQ still can't answer (an entry or alias approved since closes a gap)."""
        rows = await self._opened(guild_id, await self.store.gaps(guild_id, since, limit=limit * 3))
        index = self.view(guild_id).index
        return [g for g in rows if index.search(g.question).kind != "answer"][:limit]

    async def _opened(self, guild_id: int | None, rows: list[GapRow]) -> list[GapRow]:
        """Questions are stored encrypted: opened here, for a moderator's private reply only."""
        return [dataclasses.replace(g, question=self.faq_store.open_question(g.question, guild_id)) for g in rows]

    async def _unanswered(self, guild_id: int | None, row_id: int) -> tuple[str, str] | None:
        found = await self.store.unanswered(guild_id, row_id)
        return None if found is None else (self.faq_store.open_question(found[0], guild_id), found[1])

    async def _gap_form(self, actor: Actor, row_id: int) -> Reply:
        found = await self._unanswered(actor.guild_id, row_id)
        if found is None:
            return Reply.text(GAP_GONE)
        question = clip(found[0].strip(), FORM[F_QUESTION][3])
        category = self.guess_category(question, actor.guild_id)
        return self._new_form(category, {F_QUESTION: question}, "Answer a member question")

    async def _dismiss_gap(self, actor: Actor, row_id: int) -> Reply:
        """Dismiss a question: every asking of the same words in this server is deleted for real,
        and the same words asked again stay hidden from this server's gaps."""
        found = await self._unanswered(actor.guild_id, row_id)
        if found is None or actor.guild_id is None:
            return Reply.text(GAP_GONE)
        await self.store.dismiss_gap(actor.guild_id, found[1], actor.user_id, self.now())
        removed = await self.faq_store.dismiss_unanswered(row_id, actor.guild_id)
        await self.core.db.scrub()
        return Reply.text(f"Dismissed #{row_id} “{clip(found[0], 150)}” (asked {plural(removed, 'time')}) and "
                          "deleted it; it no longer shows in `/faq-admin gaps` here.")

    async def complete_gaps(self, actor: Actor, text: str) -> list[Choice]:
        """This server's open gaps, for ``/faq-admin alias question:``."""
        if await self.refusal(actor) is not None:
            return []
        needle = text.strip().casefold()
        # Straight from the store (no search per row): autocomplete answers on every keystroke.
        gaps = await self._opened(actor.guild_id,
                                  await self.store.gaps(actor.guild_id, self.now() - timedelta(days=365), limit=100))
        return [Choice(name=clip(f"“{g.question}” ({g.count}×)", CHOICE_NAME_MAX), value=str(g.row_id))
                for g in gaps if needle in g.question.casefold()][:CHOICES_MAX]

    async def add_alias(self, actor: Actor, question: str, entry: str) -> Reply:
        """/faq-admin alias: propose a member's unanswered question as another way of asking an
        existing entry. It is a draft like any edit: a second moderator approves it. An alias is
        not a review: the entry's review state and dates stay as they are."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        words = " ".join(question.split())
        if words.isdigit():  # a gap picked from the suggestions: only this server's gaps are found
            found = await self._unanswered(actor.guild_id, int(words))
            if found is None:
                return Reply.text(GAP_GONE)
            words = " ".join(found[0].split())
        entry_id = entry.strip()
        current = self.live(actor.guild_id, entry_id)
        if current is None:
            return Reply.text(f"I don't know an entry `{clip(entry_id, 80)}`. Pick one from the suggestions.")
        pending = await self.store.pending_for(actor.guild_id, entry_id)
        keep = pending.entry() if pending is not None else current
        if not 2 <= len(words) <= ALIAS_MAX:
            return Reply.text(f"Other ways to ask: each must be 2 to {ALIAS_MAX} characters (this one has "
                              f"{len(words)}). Nothing was saved.")
        values = form_values(keep)
        values[F_ALIASES] = "\n".join([*keep.meta.aliases, words])
        return await self.submit(actor, "edit", category_code(None), entry_id, values)

    async def stats(self, actor: Actor, days: int = 30) -> Reply:
        """/faq-admin stats: answers served, top entries and the no-match rate over a period."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        days = max(1, min(int(days), 365))
        since = self.now() - timedelta(days=days)
        counts = await self.faq_store.event_counts(since, actor.guild_id)
        top = await self.faq_store.top_entries(since, 5, actor.guild_id)
        up, down = await self.store.votes_since(actor.guild_id, since)
        answers, misses, safety = counts.get("answer", 0), counts.get("no_match", 0), counts.get("safety", 0)
        asked = answers + misses
        share = f"{misses} ({misses / asked:.0%} of questions)" if asked else str(misses)
        top_lines = []
        for entry_id, n in top:
            entry = self.live(actor.guild_id, entry_id)
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

    # -- weekly digest ----------------------------------------------------------------------

    async def digest_reply(self, guild_id: int) -> Reply:
        due = self.due_entries(guild_id)
        pending = await self.store.pending(guild_id, limit=5)
        pending_total = await self.store.pending_count(guild_id)
        gaps = await self._open_gaps(guild_id, self.now() - DIGEST_EVERY, 5)
        due_text = "\n".join(self._due_line(guild_id, e) for e in due[:10]) or "Nothing due in the next 30 days."
        if len(due) > 10:
            due_text += f"\n…and {len(due) - 10} more: `/faq-admin due`."
        pending_text = "\n".join(
            f"#{r.id} {KIND_WORDS[r.kind]} `{r.entry_id}` by {r.author_name}, {day(r.proposed_at.date())}" for r in pending
        ) or "No drafts waiting."
        if pending_total > len(pending):
            pending_text += f"\n…and {pending_total - len(pending)} more: `/faq-admin review`."
        # The digest is posted to a channel: counts and entry numbers only, never a member's words.
        gap_text = (f"{plural(len(gaps), 'question')}, asked {plural(sum(g.count for g in gaps), 'time')} in all: "
                    + ", ".join(f"#{g.row_id} ({g.count}×)" for g in gaps)
                    + ". `/faq-admin gaps` shows their words, privately.") if gaps else "None this week."
        card = Card(
            title="Weekly FAQ digest for moderators",
            fields=[
                Field(f"Reviews due ({len(due)})", clip(due_text, 1024)),
                Field(f"Drafts waiting for review ({pending_total})", clip(pending_text, 1024)),
                Field("Top unanswered questions this week", clip(gap_text, 1024)),
            ],
            footer="Who asked is never stored.",
            colour=Colour.INFO,
        )
        return Reply(cards=[card], ephemeral=False)

    async def weekly_digest(self, guild_id: int) -> bool:
        """Post the digest to the server's audit channel; False when it has none."""
        channel = (await self.core.guilds.get(guild_id)).audit_channel_id
        if channel is None:
            return False
        await self.core.outbox.to_channel(channel, await self.digest_reply(guild_id))
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

