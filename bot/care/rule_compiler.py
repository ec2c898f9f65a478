"""The phrase compiler: rule phrases to regexes over normalised text, with anchor words for the prefilter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.care.normalize import basic_form
from bot.problems import Problem, Severity

# --------------------------------------------------------------------------------------------
# Phrase compiler
# --------------------------------------------------------------------------------------------

_PIECE = re.compile(
    r"\s*(?:\{(?P<lo>\d+)(?:-(?P<hi>\d+))?\}|\((?P<group>[^()]*)\)|@(?P<cls>[a-z][a-z0-9_-]*)"
    r"|(?P<word>[a-z0-9]+\*?)|(?P<end>\$))"
)
_WORD = re.compile(r"[a-z0-9]+\*?")
_MAX_GAP = 8
_GAP_WORD = "(?:[a-z0-9]+ )"
_BARRIER = " ~ "
_SPACES = re.compile(r" {2,}")


class PatternError(ValueError):
    """A phrase that cannot be read; the message says what to change."""


class _Compiler:
    """Turns phrases into regex fragments over the padded normalised text, collecting the words used."""

    def __init__(self, problems: list[Problem]) -> None:
        self.raw_classes: dict[str, tuple[str, list[str]]] = {}  # name -> (file, items)
        self.classes: dict[str, str] = {}
        self.class_anchors: dict[str, Anchors] = {}
        self.broken: set[str] = set()
        self.vocabulary: set[str] = set()
        self.rewrites: dict[str, str] = {}  # lexicon replacements, set once the lexicon is read
        self._problems = problems
        self._resolving: list[str] = []
        self._lookup: tuple[dict[str, int], int, list[str]] = ({}, 0, [])
        self._lookup_stamp: tuple[int, int] | None = None

    def word(self, word: str) -> str:
        if not _WORD.fullmatch(word):
            hint = basic_form(word)
            raise PatternError(
                f"{word!r} is not a normalised word (lower-case a-z and 0-9, optional * at the end)"
                + (f"; write {hint!r}" if hint and hint != word else "")
            )
        self.vocabulary.add(word)
        if word.endswith("*"):
            return re.escape(word[:-1]) + "[a-z0-9]* "
        return re.escape(word) + " "

    def sequence(self, text: str) -> tuple[str, Anchors]:
        """Regex and anchors for a run of words and classes, all required."""
        parts: list[str] = []
        candidates: list[Anchors] = []
        for w in text.split():
            if w.startswith("@"):
                parts.append(self.class_ref(w[1:]))
                candidates.append(self.class_anchors.get(w[1:]))
            else:
                parts.append(self.word(w))
                candidates.append(frozenset({w}))
        return "".join(parts), _best(candidates)

    def unreachable(self, file: str, where: str, phrase: str) -> list[Problem]:
        """Warn about words the lexicon rewrites: normalised text never contains them."""
        rank, longest, odd = self._rewrite_lookup()
        found = []
        for segment in re.split(r"[(){}|]|@[a-z0-9_-]+", phrase):
            tokens = segment.split()
            # A key of single-spaced words is in the padded segment exactly when it is a run of
            # its words: look the runs up instead of scanning every key (start-up time).
            hits = {gram for n in range(1, min(longest, len(tokens)) + 1) for i in range(len(tokens) - n + 1)
                    if (gram := " ".join(tokens[i:i + n])) in rank}
            if odd:
                padded = f" {' '.join(tokens)} "
                hits.update(key for key in odd if f" {key} " in padded)
            for key in sorted(hits, key=rank.__getitem__):  # in the lexicon's order, as written
                found.append(
                    Problem(
                        file,
                        where,
                        f"{key!r} never reaches the rules (the lexicon turns it into {self.rewrites[key]!r})",
                        Severity.WARNING,
                    )
                )
        return found

    def _rewrite_lookup(self) -> tuple[dict[str, int], int, list[str]]:
        """(each rewritten key's place in the lexicon, the most words in a plain key, the keys
        that are not plain single-spaced words), rebuilt whenever ``rewrites`` changes."""
        stamp = (id(self.rewrites), len(self.rewrites))
        if self._lookup_stamp != stamp:
            rank = {key: i for i, key in enumerate(self.rewrites)}
            odd = [key for key in self.rewrites if not key or " ".join(key.split()) != key]
            plain = [key for key in self.rewrites if key and " ".join(key.split()) == key]
            self._lookup = (rank, max((k.count(" ") + 1 for k in plain), default=0), odd)
            self._lookup_stamp = stamp
        return self._lookup

    def class_ref(self, name: str) -> str:
        """The regex for class ``name``, compiling it (and the classes it names) on first use.

        A bad item is reported where it is written and left out; the class works without it.
        """
        if name in self.classes:
            return self.classes[name]
        if name in self._resolving:
            raise PatternError(f"class @{name} refers to itself")
        if name in self.broken:
            raise PatternError(f"class @{name} has no usable items")
        if name not in self.raw_classes:
            raise PatternError(f"unknown class @{name}")
        file, items = self.raw_classes[name]
        self._resolving.append(name)
        alts = []
        anchors: list[Anchors] = []
        try:
            for i, item in enumerate(items):
                try:
                    frag = self.fragment(item)
                    if "req" not in frag.kinds:
                        raise PatternError(f"class item {item!r} has no required word")
                    alts.append(frag.regex)
                    anchors.append(frag.anchors)
                except PatternError as exc:
                    self._problems.append(Problem(file, f"classes.{name}.{i}", str(exc)))
                self._problems.extend(self.unreachable(file, f"classes.{name}.{i}", item))
        finally:
            self._resolving.pop()
        if not alts:
            self.broken.add(name)
            raise PatternError(f"class @{name} has no usable items")
        self.classes[name] = "(?:" + "|".join(alts) + ")"
        self.class_anchors[name] = _union(anchors)
        return self.classes[name]

    def phrase(self, phrase: str) -> _Fragment:
        """Compile one phrase; a phrase must need at least one word, or it would match everything."""
        frag = self.fragment(phrase)
        if "req" not in frag.kinds:
            raise PatternError(f"phrase {phrase!r} has no required word, so it would match every message")
        if frag.kinds[0] in ("gap", "end") or frag.kinds[-1] == "gap":
            raise PatternError(f"phrase {phrase!r} starts or ends with a word gap, which adds nothing")
        return _Fragment("(?<= )" + frag.regex, frag.kinds, frag.anchors)

    def fragment(self, phrase: str) -> _Fragment:
        """The regex for ``phrase`` (each word with its trailing space), its parts, and its anchors."""
        pos, parts = 0, []
        kinds: list[str] = []
        candidates: list[Anchors] = []
        text = phrase.strip()
        while pos < len(text):
            m = _PIECE.match(text, pos)
            if not m:
                chunk = text[pos:].split()[0]
                if chunk[0] in "({)}":
                    raise PatternError(f"unbalanced or nested brackets at {chunk!r} in phrase {phrase!r}")
                self.word(chunk)  # raises with a hint, e.g. "Don't" -> "dont"
                raise PatternError(f"cannot read {chunk!r} in phrase {phrase!r}")
            pos = m.end()
            if m.group("lo") is not None:
                lo, hi = int(m.group("lo")), m.group("hi")
                low, high = (0, lo) if hi is None else (lo, int(hi))
                if high > _MAX_GAP or low > high:
                    raise PatternError(f"word gaps go from 0 to {_MAX_GAP}, low to high: {m.group()!r}")
                parts.append(f"{_GAP_WORD}{{{low},{high}}}")
                kinds.append("gap")
            elif m.group("group") is not None:
                choices = m.group("group").split("|")
                seqs = [self.sequence(c) for c in choices if c.strip()]
                if not seqs:
                    raise PatternError(f"empty choice group in phrase {phrase!r}")
                optional = len(seqs) < len(choices)
                parts.append("(?:" + "|".join(rx for rx, _ in seqs) + ")" + ("?" if optional else ""))
                kinds.append("opt" if optional else "req")
                if not optional:
                    candidates.append(_union([a for _, a in seqs]))
            elif m.group("end") is not None:
                if pos < len(text.rstrip()):
                    raise PatternError(f"$ (end of message) must come last in phrase {phrase!r}")
                parts.append("$")
                kinds.append("end")
            elif m.group("cls") is not None:
                parts.append(self.class_ref(m.group("cls")))
                kinds.append("req")
                candidates.append(self.class_anchors.get(m.group("cls")))
            else:
                parts.append(self.word(m.group("word")))
                kinds.append("req")
                candidates.append(frozenset({m.group("word")}))
        if not parts:
            raise PatternError("empty phrase")
        return _Fragment("".join(parts), kinds, _best(candidates))

    def phrases(self, phrases: Sequence[str], regexes: Sequence[str] = ()) -> re.Pattern[str] | None:
        return self.compile(phrases, regexes)[0]

    def compile(
        self, phrases: Sequence[str], regexes: Sequence[str] = ()
    ) -> tuple[re.Pattern[str] | None, Anchors]:
        """One regex for all ``phrases`` and ``regexes``, and the words one of which must be present."""
        frags = [self.phrase(p) for p in phrases]
        alts = [f"(?:{f.regex})" for f in frags] + [f"(?:{r})" for r in regexes]
        anchors = None if regexes else _union([f.anchors for f in frags])
        return (re.compile("|".join(alts)) if alts else None), anchors


Anchors = frozenset[str] | None
# Words so common that a rule anchored on them would run on nearly every message.
_COMMON = frozenset(
    "a after all an and are at back be better both but can cant do dont down end feel feel* for from "
    "get give go got have here how i if im in is it its just let life like lower made makes me my night "
    "no not of on or pain put so something take that the think thinking this to trying up upper want "
    "was what when will with you your".split()
)


@dataclass(frozen=True, slots=True)
class _Fragment:
    regex: str
    kinds: list[str]
    anchors: Anchors  # words (or "prefix*") of which a match must contain one; None: unknown


def _union(parts: Sequence[Anchors]) -> Anchors:
    if not parts or any(p is None for p in parts):
        return None
    return frozenset(w for p in parts if p is not None for w in p)


def _best(candidates: Sequence[Anchors]) -> Anchors:
    """The required part with the rarest words: the cheapest test that the phrase might match."""
    known = [c for c in candidates if c is not None]
    if not known:
        return None
    return min(known, key=lambda c: (sum(w in _COMMON for w in c), len(c)))


def _check_regex(rx: str) -> None:
    try:
        compiled = re.compile(rx)
    except re.error as exc:
        raise PatternError(f"not a valid regex: {exc}") from exc
    if compiled.search(" ") or compiled.search("") or compiled.search(_BARRIER):
        raise PatternError("this regex matches an empty message, so it would match every message")


def _mask(pattern: re.Pattern[str] | None, text: str) -> str:
    """Replace what ``pattern`` matches with a barrier no phrase can match or bridge."""
    if pattern is None:
        return text
    masked, count = pattern.subn(_BARRIER, text)
    return _SPACES.sub(" ", masked) if count else text


