"""/faq as a member experiences it: safety first, then a vetted answer or an honest "not yet"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.faq.buttons import OPEN, VOTE, OpenEntry, Vote
from bot.faq.close import LOW_MOOD_POINTER, close_entries, offer
from bot.faq.library import FaqLibrary, LibraryView
from bot.faq.models import FaqEntry
from bot.faq.redact import redact
from bot.faq.render import answer_card
from bot.faq.search import SearchResult
from bot.faq.store import FaqStore
from bot.faq.text import normalise_question
from bot.safety import SafetyOutcome
from bot.ui import BUTTON_LABEL_MAX, CHOICE_NAME_MAX, Actor, Button, Card, Choice, Colour, Reply, Style, clip

log = logging.getLogger(__name__)

# Returns advice that replaces normal handling (crisis, urgent, ask-your-clinician), or None.
SafetyScreen = Callable[[Actor, str], Awaitable[SafetyOutcome | None]]

QUESTION_STORE_MAX = 500

NO_MATCH = (
    "I don't have a vetted answer for that yet, and I'd rather not guess about your health. "
    "I've passed the words of your question (not your name) to the moderators so they can "
    "consider adding an answer."
)
NO_MATCH_SUGGEST = "These vetted entries might be close:"
NO_MATCH_CARE = "For anything about your own situation, your doctor or pharmacist is the best person to ask."
AUTO_PRIVATE = ("I've answered privately because your question is about medicines or your own health. "
                "Ask again with `private:false` if you'd like to share it with the channel.")
VOTE_THANKS = "Thank you — your feedback helps the moderators improve this answer."
VOTE_CHANGED = "Thank you — I've updated your feedback on this answer."
# After "Not helpful" the member still has no answer: say where to go next.
VOTE_NEXT = ("If you still need an answer, try `/faq` again in other words, or press one of the related "
             "questions under the answer. For your own situation, your doctor or pharmacist can help.")
ENTRY_GONE = "That entry is no longer available. Try `/faq` with your question."


# A crisis reply that the semantic layer was unsure of (``bot.safety.UNSURE_BELOW``) also offers,
# as a button under the reply, the vetted answer the search found for the question. The reply
# itself is unchanged and comes first, so nothing is taken from a member in crisis, and a member
# who was only asking is not left without the answer. Measured on the tuning cases: 0 of 292
# crisis texts get the button (those the layer is unsure of have no confident answer); of the 19
# benign or dose texts given a crisis or urgent reply, 3 do (two tramadol questions, one about
# blood results), and the fog questions of the README's known limits do. Not for urgent advice:
# there 2 of 134 real red flags ("temp of 38.9 and lower back pain") would be offered a general
# back-pain entry. Rule decisions never offer it.
MISREAD = ("If I've misread you and you were only asking a question, the button below opens the "
           "vetted answer I found for it.")


def with_answer_offer(reply: Reply, entry: FaqEntry) -> Reply:
    """The safety reply as it was, then a short card and a button that opens ``entry``."""
    card = Card(description=MISREAD, colour=Colour.INFO)
    return Reply(content=reply.content, cards=[*reply.cards, card][:10],
                 buttons=[*reply.buttons, open_button(entry)][:25], files=reply.files, ephemeral=True)


def with_note(reply: Reply, note: Reply) -> Reply:
    """The answer with a private safety note above it (the whole reply becomes private)."""
    content = "\n\n".join(part for part in (note.content, reply.content) if part)
    return Reply(content=content, cards=reply.cards, buttons=[*note.buttons, *reply.buttons][:25],
                 files=reply.files, ephemeral=True)


@dataclass(slots=True)
class FaqDecision:
    """What ``/faq`` decided for one question, before anything is recorded.

    ``kind`` is ``answer``, ``no_match`` or ``safety`` (the triage's reply replaces the answer);
    ``safety`` is that outcome, or the gentle note shown beside an answer.
    """

    kind: str
    reply: Reply
    entry: FaqEntry | None = None
    score: float | None = None
    related: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    safety: SafetyOutcome | None = None
    question: str = ""  # kept only for an unanswered question, to be redacted before storing
    offered: str | None = None  # beside an unsure safety reply: the entry its button opens

    def as_json(self) -> dict[str, Any]:
        """The ``supportbot ask --json`` contract (see the README): add fields, never rename."""
        if self.kind == "safety" and self.safety is not None:
            s = self.safety
            data = {"kind": "safety", "level": s.level, "rule": s.rule, "layer": s.layer, "confidence": s.confidence}
            if s.gentle:  # advice that also carries the gentle note with the member's lines
                data["note"] = "gentle"
            if self.offered is not None:  # the answer offered under an unsure reply (SafetyOutcome.unsure)
                data["offered"] = self.offered
            return data
        if self.kind == "answer" and self.entry is not None:
            data: dict[str, Any] = {"kind": "answer", "id": self.entry.id, "question": self.entry.question,
                                    "score": self.score, "related": self.related}
            if self.safety is not None:  # the gentle note the member gets above the answer
                data["note"] = self.safety.level
            return data
        return {"kind": "no_match", "suggestions": self.suggestions}


# Messages with no question in them: a greeting, thanks, or a bare "help". Searching them only
# finds a random entry or a "no vetted answer" (and fills the moderators' gaps with "hello").
_GREETING_WORDS = frozenset({
    "hi", "hello", "hey", "hiya", "heya", "howdy", "yo", "there", "all", "everyone", "folks", "guys",
    "thanks", "thank", "you", "thx", "ty", "cheers", "help", "please", "good", "morning", "afternoon",
    "evening", "bot", "ok", "okay",
})
GREETING = ("Ask me a question in your own words and I'll look for an answer the moderators have "
            "vetted, for example `/faq what is pacing` or `/faq does heat help back pain`. If you need "
            "someone to talk to right now, `/help-now` lists people who can help.")


def is_greeting(question: str) -> bool:
    """True for a message with no question in it ("hi", "thanks!", "help please")."""
    words = normalise_question(question).split()
    return not words or all(w in _GREETING_WORDS for w in words)


def open_button(entry: FaqEntry, row: int = 0) -> Button:
    """A button that opens ``entry``."""
    return Button(label=clip(entry.question, BUTTON_LABEL_MAX), custom_id=OPEN(entry.id), row=row)


class FaqService:
    """/faq as a member meets it: safety first, then a vetted answer or an honest no-match."""

    def __init__(self, library: FaqLibrary, store: FaqStore, screen: SafetyScreen | None = None) -> None:
        self.library = library
        self.store = store
        self.screen = screen
        # Health questions (a medicine mentioned, or the clinician tier) are answered privately
        # unless the member asked for public; the app installs the real test (bot.faq.sensitive).
        self.is_sensitive: Callable[[str], bool] = lambda question: False

    def view(self, actor: Actor) -> LibraryView:
        """The content this member's server is served: the base pack plus its own revisions."""
        return self.library.view(actor.guild_id)

    def search(self, question: str, guild_id: int | None = None) -> SearchResult:
        return self.library.view(guild_id).index.search(question)

    def answer_reply(self, entry: FaqEntry, related: list[str], *, private: bool,
                     view: LibraryView | None = None) -> Reply:
        view = view or self.library.base
        buttons = [open_button(e, row=0) for e in (view.get(r) for r in related) if e is not None]
        buttons += [
            Button("Helpful", VOTE(True, entry.id), Style.SUCCESS, emoji="👍", row=1),
            Button("Not helpful", VOTE(False, entry.id), Style.SECONDARY, emoji="👎", row=1),
        ]
        clock = self.store.clock if self.store is not None else Clock()  # rendering alone needs no store
        review = view.review_of(entry, clock.now().date())
        return Reply(cards=[answer_card(entry, review)], buttons=buttons, ephemeral=private)

    async def ask(self, actor: Actor, question: str, private: bool | None = None) -> Reply:
        """Answer a member's question from vetted entries only; safety first for free text.

        :meth:`decide` chooses the reply; this records what the moderators' statistics need
        (an answer served, a safety reply, the redacted words of an unanswered question).
        """
        decision = await self.decide(actor, question, private)
        await self.record(actor, decision)
        return decision.reply

    async def decide(self, actor: Actor, question: str, private: bool | None = None) -> FaqDecision:
        """What ``/faq`` answers, writing nothing: the one flow behind Discord, the console and
        ``supportbot ask``.

        Only an entry id (what autocomplete sends when a member picks an entry) skips the screen:
        it is the moderators' wording, not the member's. A typed question is screened even when it
        is word for word an entry's question. A gentle note answers privately, beside the answer.
        ``private`` None (the member did not choose): private for health questions, else public.
        """
        view = self.view(actor)  # this server's content: the base pack plus its own revisions
        picked = view.get(question.strip())
        note: SafetyOutcome | None = None
        if picked is None and self.screen is not None:
            safety = await self.screen(actor, question)
            if safety is not None and not safety.beside:
                return await self._safety_decision(view, question, safety)
            note = safety
        if picked is None and note is None and is_greeting(question):
            # Nothing to search for: say how to ask. Nothing is kept for the moderators.
            return FaqDecision("no_match", Reply(content=GREETING, ephemeral=True))
        decision = await self._answer(view, question, picked, private)
        if note is not None:
            decision.reply = with_note(decision.reply, note.reply)  # private already
            decision.safety = note
        elif private is None and not decision.reply.ephemeral and self.is_sensitive(question):
            decision.reply.ephemeral = True
            decision.reply.content = "\n\n".join(p for p in (decision.reply.content, AUTO_PRIVATE) if p)
        return decision

    async def _safety_decision(self, view: LibraryView, question: str, safety: SafetyOutcome) -> FaqDecision:
        """The safety reply; under an unsure semantic crisis call (``bot.safety.UNSURE_BELOW``), also a
        button to the vetted answer the search found (never a safety entry: the reply already
        gives the lines; and never for someone else in danger)."""
        decision = FaqDecision("safety", safety.reply, safety=safety)
        if not safety.unsure:
            return decision
        result = await asyncio.to_thread(view.index.search, question)
        if result.kind != "answer" or result.best is None or await self._asks_for_withdrawn(view, question):
            return decision
        entry = view.get(result.best.entry_id)
        if entry is None or entry.meta.protected:
            return decision
        decision.reply = with_answer_offer(safety.reply, entry)
        decision.offered = entry.id
        return decision

    async def record(self, actor: Actor, decision: FaqDecision) -> None:
        """Count what was served; keep an unanswered question's words (redacted, never who asked)."""
        if decision.kind == "safety":
            await self.store.record_event("safety", None, actor.guild_id)
        elif decision.kind == "answer" and decision.entry is not None:
            await self.store.record_event("answer", decision.entry.id, actor.guild_id)
        else:
            words = redact(decision.question.strip()[:QUESTION_STORE_MAX])  # nothing identifying is stored
            normalized = normalise_question(words)
            if normalized:
                await self.store.save_unanswered(words, normalized, actor.guild_id)
            await self.store.record_event("no_match", None, actor.guild_id)

    async def _answer(self, view: LibraryView, question: str, picked: FaqEntry | None,
                      private: bool | None) -> FaqDecision:
        chosen = picked or view.exact(question)
        if chosen is not None:
            related = await asyncio.to_thread(view.related_for, chosen)
            return FaqDecision("answer", self.answer_reply(chosen, related, private=bool(private), view=view),
                               entry=chosen, score=1.0, related=related)
        # The hybrid embeds the question (tens of ms): in a worker thread, so the event loop
        # keeps answering other members meanwhile.
        result = await asyncio.to_thread(view.index.search, question)
        if result.kind == "answer" and result.best is not None and not await self._asks_for_withdrawn(view, question):
            entry = view.get(result.best.entry_id)
            if entry is not None:
                reply = self.answer_reply(entry, result.related, private=bool(private), view=view)
                return FaqDecision("answer", reply, entry=entry, score=result.best.confidence,
                                   related=list(result.related))
        # Nothing confident: the entries that share the question's words (typos forgiven) come
        # before the search's own suggestions (bot.faq.close; the search itself is unchanged).
        offered = offer(close_entries(view.index, view.published()), question, result.suggestions)
        entries = [e for e in (view.get(s) for s in offered.ids) if e is not None]
        # The suggestions are buttons under the message, so the line that leads into them comes
        # last: a colon with the care sentence after it points at nothing.
        text = f"{NO_MATCH}\n\n{NO_MATCH_CARE}"
        if offered.low_mood:  # someone low is met with people first, the missing answer second
            text = f"{LOW_MOOD_POINTER}\n\n{text}"
        if entries:
            text += f"\n\n{NO_MATCH_SUGGEST}"
        reply = Reply(content=text, buttons=[open_button(e) for e in entries], ephemeral=True)
        return FaqDecision("no_match", reply, suggestions=[e.id for e in entries], question=question)

    async def _asks_for_withdrawn(self, view: LibraryView, question: str) -> bool:
        """Whether the question is one the entry this server retired would have answered.

        Retiring "pacing" must not turn "what is pacing" into a confident answer from the next
        entry down ("How do I start exercising…"): the moderators withdrew that answer, so the
        member hears there is no vetted answer (with suggestions) and the question joins the gaps
        moderators see. Only servers that retired a base-pack entry pay for the second search
        (the question's vector is remembered, so it is a lexical pass)."""
        withdrawn = view.withdrawn()
        if not withdrawn:  # the base pack, and every server that retired nothing
            return False
        base = await asyncio.to_thread(self.library.base.index.search, question)
        return base.kind == "answer" and base.best is not None and base.best.entry_id in withdrawn

    async def open(self, actor: Actor, entry_id: str) -> Reply:
        """A related or suggested entry, opened by a button: private to whoever pressed it."""
        view = self.view(actor)
        entry = view.get(entry_id)
        if entry is None:
            return Reply.text(ENTRY_GONE)
        await self.store.record_event("answer", entry.id, actor.guild_id)
        related = await asyncio.to_thread(view.related_for, entry)  # a search: off the event loop, as in ask
        return self.answer_reply(entry, related, private=True, view=view)

    async def vote(self, actor: Actor, entry_id: str, helpful: bool) -> Reply:
        view = self.view(actor)
        if view.get(entry_id) is None and view.get_any(entry_id) is None:
            return Reply.text(ENTRY_GONE)
        first = await self.store.vote(entry_id, actor.user_id, helpful, actor.guild_id)
        thanks = VOTE_THANKS if first else VOTE_CHANGED
        return Reply.text(thanks if helpful else f"{thanks} {VOTE_NEXT}")

    def autocomplete(self, text: str, guild_id: int | None = None) -> list[Choice]:
        """Up to 25 entry questions for what the member has typed; the value is the entry id."""
        index = self.library.view(guild_id).index
        return [Choice(name=clip(e.question, CHOICE_NAME_MAX), value=e.id) for e in index.autocomplete(text)]

    async def complete(self, actor: Actor, text: str) -> list[Choice]:
        return self.autocomplete(text, actor.guild_id)

    async def handle_button(self, actor: Actor, pressed: OpenEntry | Vote, values: dict[str, str]) -> Reply:
        """A button of :data:`bot.faq.buttons.FAQ_IDS`, already parsed by its codec."""
        match pressed:
            case OpenEntry(entry):
                return await self.open(actor, entry)
            case Vote(helpful, entry):
                return await self.vote(actor, entry, helpful)
        raise TypeError(f"not an FAQ button: {pressed!r}")
