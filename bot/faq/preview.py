"""What ``/faq`` would answer, without writing anything: for ``supportbot ask`` and moderators
trying content before publishing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.faq.library import FaqLibrary
from bot.faq.render import answer_card
from bot.faq.service import NO_MATCH_CARE, NO_MATCH_SUGGEST, open_button
from bot.ui import Reply

# (level, rule, reply[, extra fields]) for crisis/urgent text, or None to go on to the FAQ.
SafetyPreview = Callable[[str], tuple[Any, ...] | None]


@dataclass(slots=True)
class Outcome:
    """What /faq would answer, with the `supportbot ask --json` fields."""

    kind: str  # "answer" | "no_match" | "safety"
    reply: Reply
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.data}


def preview_question(library: FaqLibrary, question: str, safety: SafetyPreview | None = None) -> Outcome:
    """What /faq would answer. Free text is screened first, an entry's exact question included;
    only an entry id (an autocomplete pick) goes straight to its entry."""
    picked = library.get(question.strip())
    if picked is None and safety is not None:
        flagged = safety(question)
        if flagged is not None:
            level, rule, reply, *extra = flagged  # extra: added contract fields (layer, confidence)
            return Outcome("safety", reply, {"level": level, "rule": rule, **(extra[0] if extra else {})})
    picked = picked or library.exact(question)
    if picked is not None:
        related = library.related_for(picked)
        reply = Reply(cards=[answer_card(picked)], buttons=[open_button(e) for e in map(library.get, related) if e],
                      ephemeral=False)
        return Outcome("answer", reply, {"id": picked.id, "question": picked.question, "score": 1.0, "related": related})
    result = library.index.search(question)
    if result.kind == "answer" and result.best is not None:
        entry = library.get(result.best.entry_id)
        if entry is not None:
            related = [library.get(r) for r in result.related]
            reply = Reply(cards=[answer_card(entry)], buttons=[open_button(e) for e in related if e], ephemeral=False)
            return Outcome(
                "answer", reply,
                {"id": entry.id, "question": entry.question, "score": result.best.confidence, "related": result.related},
            )
    suggestions = [e for e in (library.get(s) for s in result.suggestions) if e is not None]
    text = "I don't have a vetted answer for that yet."
    if suggestions:
        text += f" {NO_MATCH_SUGGEST}"
    reply = Reply(content=f"{text}\n\n{NO_MATCH_CARE}", buttons=[open_button(e) for e in suggestions])
    return Outcome("no_match", reply, {"suggestions": [e.id for e in suggestions]})
