"""Applying compiled rules to a message: the first layer of the triage."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.care.normalize import Normalizer
from bot.care.rule_compiler import _mask
from bot.care.rule_schema import _PRECEDENCE, NOTHING, Level, Triage, remembered
from bot.problems import Problem

# --------------------------------------------------------------------------------------------
# Runtime
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule, ready to run over padded normalised text (" words like this ")."""

    id: str
    level: Level
    detail: str
    topic: str | None
    file: str
    pattern: re.Pattern[str]
    context: re.Pattern[str] | None = None
    excepts: re.Pattern[str] | None = None
    topics: tuple[tuple[re.Pattern[str], str], ...] = ()
    anchors: frozenset[str] | None = None  # one of these words ("x*": a prefix) must be present
    context_anchors: frozenset[str] | None = None  # and, with a context, one of these

    def fires(self, padded: str) -> bool:
        """The pattern must match what the rule's ``except`` phrases leave; the context is looked
        for in the whole message. Why: an except removes a phrase that only looks like a match
        ("my gp upped my dose"), not the subject of the message; masking the context too lost
        "...but i want to come off it" (its only medicine word was inside the masked report)."""
        if not self.pattern.search(_mask(self.excepts, padded)):
            return False
        return self.context is None or bool(self.context.search(padded))

    def triage(self, padded: str) -> Triage:
        topic = next((t for rx, t in self.topics if rx.search(padded)), self.topic)
        return Triage(self.level, self.id, topic, self.detail, layer="rule", confidence=1.0)


@dataclass(slots=True)
class Triager:
    """Classifies member messages with the reviewed rules. Build it with :func:`bot.care.rule_loader.load_triager`."""

    rules: tuple[Rule, ...]
    normalizer: Normalizer
    idioms: dict[str, re.Pattern[str]] = field(default_factory=dict)  # per rule file

    _prefixes: dict[int, frozenset[str]] = field(init=False, repr=False)
    _cache: dict[str, Triage] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._cache: dict[str, Triage] = {}
        self.rules = tuple(sorted(self.rules, key=lambda r: _PRECEDENCE[r.level]))
        by_length: dict[int, set[str]] = {}
        for rule in self.rules:
            for word in (rule.anchors or frozenset()) | (rule.context_anchors or frozenset()):
                if word.endswith("*"):
                    by_length.setdefault(len(word) - 1, set()).add(word[:-1])
        self._prefixes = {n: frozenset(p) for n, p in by_length.items()}

    def normalize(self, text: str) -> str:
        return self.normalizer.normalize(text)

    def classify(self, text: str) -> Triage:
        """The most urgent level any rule gives ``text``; never raises. Results are cached per
        text (rules never change inside one Triager; a reload builds a new one)."""
        return remembered(self._cache, text, self._classify)

    def _classify(self, text: str) -> Triage:
        for rule, padded in self._candidates(text):
            if rule.fires(padded):
                return rule.triage(padded)
        return NOTHING

    def matches(self, text: str) -> list[Triage]:
        """Every rule that fires, most urgent first: for moderators asking "why did this trigger?"."""
        return [rule.triage(padded) for rule, padded in self._candidates(text) if rule.fires(padded)]

    def topics(self) -> set[str]:
        """Clinician topics the rules can return, so a content check can confirm the FAQ has them."""
        found = {r.topic for r in self.rules if r.level is Level.CLINICIAN and r.topic}
        found |= {t for r in self.rules for _, t in r.topics}
        return found

    def view(self, text: str, file: str) -> str:
        """``text`` as the rules of ``file`` see it: normalised, padded, that file's idioms masked."""
        return _mask(self.idioms.get(file), f" {self.normalizer.normalize(text)} ")

    def _present(self, words: list[str]) -> set[str]:
        """The message's words, plus "prefix*" for every rule prefix one of them starts with."""
        present = set(words)
        for n, prefixes in self._prefixes.items():
            present.update(w[:n] + "*" for w in words if w[:n] in prefixes)
        return present

    def _candidates(self, text: str) -> Iterable[tuple[Rule, str]]:
        """The rules that could fire (a rule whose anchor words are all absent cannot), each with
        the text as its file sees it."""
        normalised = self.normalizer.normalize(text)
        padded = f" {normalised} "
        present = self._present(normalised.split())
        masked: dict[str, str] = {}
        for rule in self.rules:
            if (rule.anchors is not None and rule.anchors.isdisjoint(present)) or (
                rule.context_anchors is not None and rule.context_anchors.isdisjoint(present)
            ):
                continue
            view = masked.get(rule.file)
            if view is None:
                view = masked[rule.file] = _mask(self.idioms.get(rule.file), padded)
            yield rule, view


class RulesError(ValueError):
    """Raised by :func:`bot.care.rule_loader.load_triager` when the rule files have errors."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


