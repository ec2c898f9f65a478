"""The audit trail: posts to the server's audit channel, and every revision in the history."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.moderation.buttons import DRAFT, HISTORY
from bot.moderation.common import HISTORY_PAGE, KIND_WORDS, day, fit_cards, join_lines, when
from bot.moderation.store import ModerationStore, Revision
from bot.problems import Problem
from bot.ui import (
    EMBED_DESCRIPTION_MAX,
    Actor,
    Button,
    Card,
    Colour,
    Reply,
    Style,
    clip,
    plural,
)

if TYPE_CHECKING:
    from bot.core import Core
    from bot.faq.store import FaqStore


log = logging.getLogger(__name__)


class AuditMixin:
    """Audit posts, start-up problems and /faq-admin history."""

    core: Core
    faq_store: FaqStore
    store: ModerationStore

    # -- audit ------------------------------------------------------------------------------

    async def post_startup_problems(self) -> int:
        """Tell every server's audit channel which FAQ files failed to load at start-up (they are
        not served until fixed); returns how many channels were told. The files are the base pack
        every server shares, so every server hears of it. Nothing is posted when all files loaded."""
        problems = self.startup_problems
        if not problems:
            return 0
        lines = [self._problem_line(p) for p in problems]
        card = Card(title=f"{plural(len(problems), 'problem')} in the FAQ files at start-up", colour=Colour.URGENT,
                    description=join_lines(["Entries with problems are not served until they are fixed "
                                            "(then `/faq-admin reload`):", *lines], EMBED_DESCRIPTION_MAX))
        told = 0
        for guild_id, channel in await self.store.audit_channels():
            try:
                await self.core.outbox.to_channel(channel, Reply(cards=[card], ephemeral=False))
                told += 1
            except Exception:
                log.warning("start-up problems post to server %s failed", guild_id, exc_info=True)
        return told

    def _file_label(self, path: str) -> str:
        """A content file as moderators know it: relative to the content folder."""
        content_dir = self.library.content_dir
        try:
            return str(Path(content_dir.name) / Path(path).relative_to(content_dir))
        except ValueError:
            return path

    def _problem_line(self, problem: Problem) -> str:
        """One problem in a content or safety file, as a bullet line."""
        where = self._file_label(problem.file) + (f": {problem.field}" if problem.field else "")
        return f"• {where}: {problem.message}"

    async def _audit(self, actor: Actor, title: str, lines: list[str], *, colour: Colour = Colour.NEUTRAL,
                     cards: list[Card] | None = None) -> None:
        """Post a change to the audit channel of the server it happened in, and only there: a
        server's audit posts name its moderators and never reach another server. The database
        history is the record; a failed post never undoes a change."""
        guild_id = actor.guild_id
        if guild_id is None:
            return
        channel = (await self.core.guilds.get(guild_id)).audit_channel_id
        if channel is None:
            return
        card = Card(title=clip(title, 256), description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
                    colour=colour, footer=f"By {actor.display_name} ({actor.user_id}) · {when(self.now())}")
        try:
            await self.core.outbox.to_channel(channel, Reply(cards=fit_cards([card, *(cards or [])]), ephemeral=False))
        except Exception:
            log.warning("audit post to server %s failed", guild_id, exc_info=True)

    # -- history ----------------------------------------------------------------------------

    async def history(self, actor: Actor, id: str) -> Reply:
        """/faq-admin history: every revision of an entry, newest first."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return await self._history(actor.guild_id, id.strip(), 0)

    def _history_line(self, revision: Revision) -> str:
        line = (f"**#{revision.id}** {KIND_WORDS[revision.kind]} — proposed by {revision.author_name}, "
                f"{when(revision.proposed_at)} — changes: {clip(revision.changes, 200)}")
        by = revision.decided_by_name or "?"
        at = when(revision.decided_at) if revision.decided_at else ""
        if revision.kind == "retire":
            line = (f"**#{revision.id}** retired by {revision.author_name}, {when(revision.proposed_at)} — "
                    f"reason: {clip(revision.reason or '', 200)}")
        elif revision.status == "approved":
            line += f" — ✅ approved by {by}, {at}"
        elif revision.status == "rejected":
            line += f" — ❌ rejected by {by}, {at}: {clip(revision.reason or '', 200)}"
        elif revision.status == "superseded":
            line += f" — ↪ superseded, {at} ({clip(revision.reason or '', 120)})"
        else:
            line += " — ⏳ waiting for review"
        return line

    async def _history(self, guild_id: int | None, entry_id: str, page: int) -> Reply:
        revisions = await self.store.history(guild_id, entry_id)
        live = self.live(guild_id, entry_id)
        if not revisions and live is None:
            return Reply.text(f"I don't know an entry `{clip(entry_id, 80)}`.")
        applied = self.applied.get(guild_id or 0, {}).get(entry_id)
        on_file = self.library.file_entries().get(entry_id)
        if applied is not None:
            latest = next((r for r in revisions if r.status == "approved"), None)
            source = f"revision #{latest.id}, approved in Discord" if latest else "a revision approved in Discord"
            served = (f"retired by {source} (not served)" if applied.meta.status == "retired"
                      else f"served from {source}")
        elif on_file is not None:
            served = (f"served from the file {on_file.pack}/{entry_id}.md" if on_file.published
                      else f"not served (the file {on_file.pack}/{entry_id}.md says {on_file.meta.status})")
        else:
            served = "not published yet"
        drifted = [r for r in self.drift.get(guild_id or 0, []) if r.entry_id == entry_id]
        if drifted:
            served += f" — the file changed on disk after #{drifted[0].id}, so the file wins"
        pages = max(1, -(-len(revisions) // HISTORY_PAGE))
        page = min(max(0, page), pages - 1)
        shown = revisions[page * HISTORY_PAGE:(page + 1) * HISTORY_PAGE]
        lines = [f"Now: {served}."]
        if live is not None:
            status = self.view(guild_id).review_of(live, self.today())
            if status.reviewed:
                lines.append(f"Review here: {status.state}, by {status.by} on {day(status.on)}"
                             f" (next due {day(status.due)}).")
            else:
                lines.append("Review here: drafted (not yet signed off by this server's moderators).")
        lines.append("")
        lines += [self._history_line(r) for r in shown] or ["No changes were made from Discord yet."]
        footer = f"Page {page + 1} of {pages} · {plural(len(revisions), 'revision')}; nothing is ever deleted."
        card = Card(title=clip(f"History of {entry_id}", 256), description=clip("\n".join(lines), EMBED_DESCRIPTION_MAX),
                    footer=footer, colour=Colour.NEUTRAL)
        buttons = [Button(f"Diff #{r.id}", DRAFT("show", r.id), Style.SECONDARY, row=i // 5)
                   for i, r in enumerate(shown)]
        if page + 1 < pages:
            buttons.append(Button("Older", HISTORY(page + 1, entry_id), Style.PRIMARY, row=2))
        if page > 0:
            buttons.append(Button("Newer", HISTORY(page - 1, entry_id), Style.PRIMARY, row=2))
        return Reply(cards=[card], buttons=buttons)

