"""Honest review from Discord: each server's moderators sign entries off, one at a time or in a
walk-through of everything not yet reviewed here, and ``/faq-admin status`` says where the
server stands.

Signing off means "a moderator of this server checked this question, short answer, detail and
sources". It is recorded with their name and the day, and a new review falls due a year later
(three months for protected safety entries, which also need two different moderators). A sign-off
covers exactly what was checked: editing the text or sources later makes the entry read as not
reviewed again, while an alias or tag edit keeps it (see :mod:`bot.faq.review`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.faq.models import FaqEntry
from bot.faq.render import answer_card
from bot.faq.review import STATE_WORDS, ReviewStatus, is_protected, next_review, review_hash
from bot.moderation.buttons import KEEP, OPEN_EDIT, SIGN_OFF, WALK
from bot.moderation.common import DUE_WINDOW, day, join_lines
from bot.moderation.signoffs import SignOffStore
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
    from bot.core import Core
    from bot.faq.store import FaqStore

FINGERPRINT = 10  # characters of the review hash carried in a button: what the moderator saw
CHANGED = ("`{entry}` changed since you opened it, so that sign-off would not cover what members are served "
           "now. Nothing was recorded; please look at it again with `/faq-admin sign-off {entry}`.")
INTEGRATIONS = ("Server Settings → Integrations → {bot} → Manage → `/faq-admin` → Add Roles or Members → "
                "pick the moderator role → tick ✓")


class SigningMixin:
    """Sign-offs: a server's moderators mark an entry as reviewed here."""

    core: Core
    faq_store: FaqStore
    store: ModerationStore
    signoffs: SignOffStore

    # -- states -----------------------------------------------------------------------------

    def review_states(self, guild_id: int | None) -> list[tuple[FaqEntry, ReviewStatus]]:
        """Every entry served in this server with its review state here."""
        view, today = self.view(guild_id), self.today()
        return [(e, view.review_of(e, today)) for e in view.published()]

    def due_entries(self, guild_id: int | None,
                    states: list[tuple[FaqEntry, ReviewStatus]] | None = None) -> list[FaqEntry]:
        """Reviewed entries whose review is overdue or due within 30 days, soonest first
        (``states``: this server's :meth:`review_states`, when the caller has them already)."""
        horizon = self.today() + DUE_WINDOW
        states = self.review_states(guild_id) if states is None else states
        due = [(s.due, e.id, e) for e, s in states if s.reviewed and s.due and s.due <= horizon]
        return [e for _, _, e in sorted(due)]

    def _due_line(self, guild_id: int | None, entry: FaqEntry, *, question: bool = True) -> str:
        status = self.view(guild_id).review_of(entry, self.today())
        if status.due is None:
            text = "not reviewed here yet"
        else:
            days_left = (status.due - self.today()).days
            if days_left < 0:
                text = f"overdue since {day(status.due)}"
            elif days_left == 0:
                text = "due today"
            else:
                text = f"due {day(status.due)} (in {days_left} day{'s' if days_left != 1 else ''})"
        return f"`{entry.id}` — {clip(entry.question, 100)} — {text}" if question else f"`{entry.id}` — {text}"

    def _to_review(self, guild_id: int | None) -> list[FaqEntry]:
        """What the walk-through visits, in id order: entries overdue, drafted, or due within 30 days."""
        horizon = self.today() + DUE_WINDOW
        items = [e for e, s in self.review_states(guild_id)
                 if s.state != "reviewed" or (s.due is not None and s.due <= horizon)]
        return sorted(items, key=lambda e: e.id)

    # -- /faq-admin due ---------------------------------------------------------------------

    async def due(self, actor: Actor) -> Reply:
        """/faq-admin due: entries to (re-)review in this server."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        states = self.review_states(actor.guild_id)
        entries = self.due_entries(actor.guild_id, states)
        drafted = sum(1 for _, s in states if s.state == "drafted")
        walk = Button("Review them one by one", WALK("-"), Style.PRIMARY)
        drafted_text = (f"{drafted} entr{'ies are' if drafted != 1 else 'y is'} still drafted: written from sources, "
                        "not yet reviewed by this server's moderators." if drafted else "")
        if not entries:
            text = "No reviewed entries are due in the next 30 days."
            return Reply(content=f"{text} {drafted_text}".strip(), buttons=[walk] if drafted else [])
        card = Card(title=f"{len(entries)} entr{'ies' if len(entries) != 1 else 'y'} to re-review",
                    description=join_lines([self._due_line(actor.guild_id, e, question=len(entries) <= 15)
                                            for e in entries], EMBED_DESCRIPTION_MAX),
                    colour=Colour.URGENT)
        text = ("To re-review, check each source still says the same and sign the entry off; if something needs "
                f"changing, edit it first. {drafted_text}").strip()
        return Reply(content=text, cards=[card], buttons=[walk])

    # -- sign-off ---------------------------------------------------------------------------

    def _sign_off_card(self, guild_id: int | None, entry: FaqEntry, heading: str) -> Reply:
        status = self.view(guild_id).review_of(entry, self.today())
        card = answer_card(entry, status)
        card.title = clip(f"{heading}: {entry.question}", 256)
        state = STATE_WORDS[status.state]
        note = f"State here: {state}." + (f" Last signed off by {status.by} on {day(status.on)}." if status.by else "")
        if is_protected(entry):
            note += " Protected entry: two moderators must sign it off."
        fingerprint = review_hash(entry)[:FINGERPRINT]
        buttons = [
            Button("I checked the text and sources: sign off", SIGN_OFF(entry.id, fingerprint), Style.SUCCESS),
            Button(clip(f"Edit {entry.id} first", BUTTON_LABEL_MAX), OPEN_EDIT(KEEP, entry.id),
                   Style.SECONDARY),
        ]
        return Reply(content=note, cards=[card], buttons=buttons)

    async def sign_off(self, actor: Actor, id: str) -> Reply:
        """/faq-admin sign-off: show an entry as members get it here, with a button to sign it off."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        entry = self.view(actor.guild_id).get(id.strip())
        if entry is None:
            return Reply.text(f"`{clip(id.strip(), 80)}` is not served in this server, so there is nothing to sign "
                              "off. Pick an entry from the suggestions.")
        return self._sign_off_card(actor.guild_id, entry, "Sign off")

    async def _sign_off_now(self, actor: Actor, entry_id: str, fingerprint: str) -> Reply:
        entry = self.view(actor.guild_id).get(entry_id)
        if entry is None:
            return Reply.text(f"`{clip(entry_id, 80)}` is no longer served in this server; nothing was recorded.")
        if review_hash(entry)[:FINGERPRINT] != fingerprint:
            return Reply.text(CHANGED.format(entry=entry_id))
        async with self._writing:
            text = await self._record_sign_off(actor, entry)
            await self.refresh()
        status = self.view(actor.guild_id).review_of(entry, self.today())
        await self._audit(actor, f"FAQ entry signed off: {entry.id}",
                          [f"**{entry.question}**", text], colour=Colour.SUCCESS)
        return Reply(content=text, cards=[answer_card(entry, status)],
                     buttons=[Button("Next entry to review", WALK(entry.id), Style.PRIMARY)])

    async def _record_sign_off(self, actor: Actor, entry: FaqEntry, also: tuple[int, str] | None = None) -> str:
        """Store a sign-off by ``actor`` (``also``: a second moderator who vouched for the same text,
        such as the author of an approved draft). Returns what happened, in words."""
        guild_id = actor.guild_id
        assert guild_id is not None  # moderators always act in a server
        now, today = self.now(), self.today()
        due = next_review(entry, today)
        fingerprint = review_hash(entry)
        if not is_protected(entry):
            await self.signoffs.add(guild_id, entry.id, fingerprint, actor.user_id, actor.display_name, now, today,
                                    due, complete=True)
            return (f"Signed off `{entry.id}` as reviewed by {actor.display_name} on {day(today)}; "
                    f"next review due {day(due)}.")
        if also is not None and also[0] != actor.user_id:
            await self.signoffs.add(guild_id, entry.id, fingerprint, also[0], also[1], now, today, due,
                                    complete=True, second=(actor.user_id, actor.display_name))
            return (f"Signed off protected entry `{entry.id}` by {also[1]} and {actor.display_name} on {day(today)}; "
                    f"next review due {day(due)}.")
        pending = await self.signoffs.pending_for(guild_id, entry.id)
        if (pending is not None and pending.review_hash == fingerprint and pending.first_by_id != actor.user_id
                and await self.signoffs.confirm(guild_id, pending.id, actor.user_id, actor.display_name, now)):
            return (f"Signed off protected entry `{entry.id}` by {pending.first_by_name} and "
                        f"{actor.display_name}; next review due {day(pending.review_due)}.")
        if pending is not None and pending.review_hash == fingerprint:
            return (f"You already signed off protected entry `{entry.id}`; a second moderator needs to sign it off "
                    "too, with `/faq-admin sign-off`.")
        await self.signoffs.add(guild_id, entry.id, fingerprint, actor.user_id, actor.display_name, now, today, due,
                                complete=False)
        return (f"Recorded your sign-off of protected entry `{entry.id}`. It counts as reviewed once a second "
                "moderator signs it off too (`/faq-admin sign-off`).")

    # -- the walk-through -------------------------------------------------------------------

    async def review_due(self, actor: Actor) -> Reply:
        """/faq-admin review-due: walk through every entry not (or no longer) reviewed here."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        return await self._walk(actor, "-")

    async def _walk(self, actor: Actor, after: str) -> Reply:
        """The next entry to review after ``after`` (``-``: from the start), in id order, so each
        entry is shown once per walk; signing off or skipping moves on."""
        todo = self._to_review(actor.guild_id)
        rest = todo if after == "-" else [e for e in todo if e.id > after]
        if not todo:
            return Reply.text("Every entry served here is reviewed and none is due in the next 30 days. Thank you!")
        if not rest:
            return Reply.text(f"That was the last one. {len(todo)} entr{'ies' if len(todo) != 1 else 'y'} still to "
                              "review here; `/faq-admin review-due` starts again from the top.")
        entry = rest[0]
        reply = self._sign_off_card(actor.guild_id, entry, f"To review ({len(rest)} left)")
        reply.buttons.append(Button("Skip for now", WALK(entry.id), Style.SECONDARY))
        return reply

    # -- /faq-admin status ------------------------------------------------------------------

    async def status(self, actor: Actor) -> Reply:
        """/faq-admin status: this server's content and review state, and who can see the commands."""
        if (refused := await self._guard(actor)) is not None:
            return refused
        states = self.review_states(actor.guild_id)
        counts = {k: sum(1 for _, s in states if s.state == k) for k in ("drafted", "reviewed", "due")}
        soon = len(self.due_entries(actor.guild_id, states))
        protected = [e for e, _ in states if is_protected(e)]
        protected_reviewed = sum(1 for e, s in states if is_protected(e) and s.reviewed)
        view = self.view(actor.guild_id)
        own = view.served_from_revisions()
        retired = sum(1 for e in view.overrides().values() if e.meta.status == "retired")
        pending = await self.store.pending_count(actor.guild_id)
        settings = await self.core.guilds.get(actor.guild_id)
        fields = [
            Field("Entries served here", f"{len(states)} ({own} from revisions approved here, {retired} retired here)",
                  inline=False),
            Field("Drafted", str(counts["drafted"]), inline=True),
            Field("Reviewed", str(counts["reviewed"]), inline=True),
            Field("Review overdue", str(counts["due"]), inline=True),
            Field("Due within 30 days", str(soon), inline=True),
            Field("Protected", f"{len(protected)} ({protected_reviewed} reviewed)", inline=True),
            Field("Drafts waiting", str(pending), inline=True),
            Field("Who can see /faq-admin", self._visibility(actor, settings.moderator_role_id), inline=False),
        ]
        home = " This is the home server: its sign-offs and revisions are what `content export` writes to files." \
            if view.home else ""
        card = Card(title="FAQ status for this server", fields=fields, colour=Colour.INFO,
                    footer="Drafted: written from sources, not yet reviewed by this server's moderators.")
        return Reply(content=f"Everything here counts this server only.{home}", cards=[card])

    @staticmethod
    def _visibility(actor: Actor, role_id: int | None) -> str:
        """Discord shows ``/faq-admin`` only to Manage Server by default (``default_permissions``);
        a moderator role needs an admin to allow it in the server's Integrations settings."""
        where = INTEGRATIONS.format(bot="this bot")
        if role_id is None:
            return ("No moderator role is set, so only members with Manage Server can use these commands. "
                    "Set one with `/setup moderator_role`, then allow it: " + where + ".")
        if role_id in actor.role_ids and not actor.can_manage_guild:
            return f"<@&{role_id}> can see the commands (you have that role without Manage Server and see them)."
        return (f"Members with Manage Server see them. Members with only <@&{role_id}> see them only if an admin "
                f"allowed the role: {where}. Every command also checks the role itself.")
