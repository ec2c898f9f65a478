"""The layered triage: reviewed rules as the floor, the semantic layer above them.

Why two layers: the rules are fast, exact and explainable (a rule id), but only catch wordings
someone thought of; the semantic layer catches rewordings by meaning. A message gets the most
urgent level either layer gives it, so adding the semantic layer can only add protection: it never
lowers what a rule found. A rule crisis skips the encoder (nothing can be more urgent).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.care.replies import HELPING_SOMEONE
from bot.care.rule_schema import _PRECEDENCE, remembered
from bot.care.semantic import SemanticLayer
from bot.care.someone import about_someone_else
from bot.care.triage import NOTHING, Level, Triage, Triager

log = logging.getLogger(__name__)

# Below this many words the embedding is noise (a single letter sat closer to crisis exemplars than
# to benign ones); short crisis wordings ("kms", "wanna die") are the rules' and lexicon's job.
MIN_WORDS = 3


@dataclass(slots=True)
class SafetyTriage:
    """What features call: ``classify(text)`` never raises and returns the most urgent outcome."""

    rules: Triager
    semantic: SemanticLayer | None
    _cache: dict[str, Triage] = field(default_factory=dict, init=False, repr=False)

    def classify(self, text: str) -> Triage:
        return remembered(self._cache, text, self._classify)

    def _classify(self, text: str) -> Triage:
        found = self._layers(text)
        if found.level is Level.CRISIS and about_someone_else(self.rules.normalize(text)):
            return replace(found, topic=HELPING_SOMEONE)
        return found

    def _layers(self, text: str) -> Triage:
        ruled = self.rules.classify(text)
        if ruled.level is Level.CRISIS or self.semantic is None:
            return ruled
        if len(self.rules.normalize(text).split()) < MIN_WORDS:
            return ruled  # "x", "ok", "n123": too little meaning for a sentence embedding to judge
        try:
            meant = self._meant(text, ruled)
        except Exception:  # the encoder failing on one text must not hide the rules' result
            log.exception("semantic triage failed on one message; the rules' result stands")
            return ruled if ruled.level is not Level.NONE else replace(NOTHING, gentle=True)
        return combine(ruled, meant)

    def _meant(self, text: str, ruled: Triage = NOTHING) -> Triage | None:
        """The semantic layer's view of the whole message and, for a message of several
        sentences, of each sentence too: the most urgent wins. A crisis sentence buried in a long
        vent about appointments and sleep is diluted in the whole message's embedding ("i've
        written the kids letters in case i'm not here" between an MRI date and a physio gripe),
        but plain on its own. Such a message is embedded once, sentence by sentence, and its
        whole-message vector is made from theirs (:func:`bot.care.semantic.whole_vector`), so a
        long message costs one pass of the model instead of two.

        Members often write without stops ("ugh my back has been so bad all week and honestly i
        just want to go to sleep and not wake up"), so the clauses of a long sentence are read
        too (:func:`clauses`), for a crisis only. A clause is weaker evidence than a sentence: it
        never overrides urgent or clinician advice that the rules (``ruled``) or the message
        found. "out of nowhere i cant get my words out and my vision went funny" needs "call the
        emergency number now", and "how many paracetamol is too many in a day, i dont want to
        hurt my liver" needs the pharmacist. The crisis lines ride on that advice as the gentle
        note instead."""
        assert self.semantic is not None
        units = sentences(text, self.rules.normalize) or [text]
        extra = clauses(units, self.rules.normalize)
        if len(units) < 2 and not extra:
            return self.semantic.classify(text)
        reading = self.semantic.classify_message(units, extra)
        found = reading.units
        flagged = [t for t in found if t is not None and t.level is not Level.NONE]
        first = min(flagged, key=lambda t: _PRECEDENCE[t.level]) if flagged else None  # the first of the most urgent
        if reading.clause_crises and (first is None or first.level is not Level.CRISIS):
            advice = first if first is not None else ruled if ruled.level is not Level.NONE else None
            if advice is None:
                return reading.clause_crises[0]
            return replace(advice, gentle=True)
        if first is not None:
            if first.level is not Level.CRISIS and any(t.gentle for t in flagged):
                return replace(first, gentle=True)  # advice that won only just: the note rides on it
            return first
        return next((t for t in found if t is not None and t.gentle), found[0])

    def matches(self, text: str) -> list[Triage]:
        return self.rules.matches(text)

    def topics(self) -> set[str]:
        found = self.rules.topics()
        if self.semantic is not None:
            found |= {e.topic for e in self.semantic.exemplars if e.level is Level.CLINICIAN and e.topic}
        return found

    def normalize(self, text: str) -> str:
        return self.rules.normalize(text)


_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+|\s*\n+\s*")
MAX_SENTENCES = 8  # a longer message is screened in this many runs of sentences: time stays bounded


def _joined_short(raw_pieces: list[str], normalize: Callable[[str], str]) -> list[str]:
    """``raw_pieces`` stripped, each under ``MIN_WORDS`` words joined to the next (the last to the
    one before it): a fragment alone carries too little meaning to embed."""
    pieces: list[str] = []
    carry = ""
    for raw in raw_pieces:
        piece = f"{carry} {raw}".strip() if carry else raw.strip()
        if len(normalize(piece).split()) < MIN_WORDS:
            carry = piece
            continue
        pieces.append(piece)
        carry = ""
    if carry and pieces:
        pieces[-1] = f"{pieces[-1]} {carry}"
    return pieces


def sentences(text: str, normalize: Callable[[str], str]) -> list[str]:
    """The message's sentences of at least ``MIN_WORDS`` words (shorter ones join the next), at
    most ``MAX_SENTENCES`` of them (neighbours merged evenly beyond that); one sentence: []."""
    pieces = _joined_short(_SENTENCE_END.split(text.strip()), normalize)
    if len(pieces) > MAX_SENTENCES:
        size = -(-len(pieces) // MAX_SENTENCES)
        pieces = [" ".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]
    return pieces if len(pieces) > 1 else []


# A sentence of at least this many words is also screened clause by clause. Members often write
# in one run without stops, and one clause of pain talk before or after a crisis sentence pulls
# the whole embedding toward the benign exemplars: the tuning crisis texts joined to such a clause
# ("... all week and honestly <text>") kept the crisis reply 0.72 of the time, against 0.99 alone.
# 14 words leaves the tuning texts themselves as they were (shorter ones are not split; at 8 or
# 10 words, tuning false alarms rose 0.039 -> 0.047-0.051). See SemanticLayer.classify_message
# for the clause's own margin.
CLAUSE_WORDS = 14
MAX_CLAUSES = 12  # time stays bounded: beyond this many, a long message's later clauses are not split
_CLAUSE_BREAK = re.compile(r",\s*|\s+(?:and|but|cos|coz|cause|because|bc|then|plus|tbh|honestly)\s+", re.IGNORECASE)


def clauses(units: list[str], normalize: Callable[[str], str]) -> list[str]:
    """The clauses (at least ``MIN_WORDS`` words; shorter ones join the next) of each unit of at
    least ``CLAUSE_WORDS`` words that splits at a comma or a joining word ("and", "but", "cos",
    "then", "honestly"...), at most ``MAX_CLAUSES`` in all; [] when none splits."""
    out: list[str] = []
    for unit in units:
        if len(unit.split()) < CLAUSE_WORDS:
            continue
        bits = _joined_short(_CLAUSE_BREAK.split(unit), normalize)
        if len(bits) > 1:
            out.extend(bits)
    return out[:MAX_CLAUSES]


def combine(ruled: Triage, meant: Triage | None) -> Triage:
    """The most urgent of the two layers' outcomes, and the semantic layer's gentle note where it
    applies: a note for a text near crisis rides on a benign rule result, and a note on advice
    that won only just (:meth:`bot.care.semantic.SemanticLayer.decide`) rides on the rules' advice.
    A note from the wide gentle band never rides on advice: "I've lost control of my bladder"
    needs "call 999 now", not a line about harming yourself.

    A module function so the tuning script applies exactly the bot's rule for joining the layers.
    """
    if meant is None:
        return ruled
    if _PRECEDENCE[meant.level] < _PRECEDENCE[ruled.level]:
        return meant
    if meant.gentle and ruled.level is not Level.CRISIS and (ruled.level is Level.NONE or meant.level is not Level.NONE):
        return replace(ruled, gentle=True)
    return ruled
