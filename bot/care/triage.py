"""Safety triage: is a message a crisis, a back-pain red flag, a question for a clinician, or none?

Every member message can be classified before any FAQ lookup, because the content brief requires
crisis and red-flag messages to bypass ordinary answers. The rules are reviewed data, not code: each
``content/safety/*.yaml`` file is checked here with pydantic (``extra="forbid"``) and every problem
is reported as a :class:`~bot.problems.Problem` with file and field, so moderators can fix the data
without reading Python.

Rule file format (all fields are checked; unknown ones are errors)::

    reviewed_by: Moderator team          # a role, never an invented person
    reviewed_on: 2026-11-23
    review_due: 2027-11-23               # after reviewed_on, at most 12 months later
    about: what these rules are for      # optional
    classes:                             # optional word lists, shared by every file: "@meds"
      meds: [amitriptyline, pregabalin, pill*]
    idioms: [to die for]                 # optional: masked out before this file's rules run
    lexicon:                             # optional, normalisation data shared by every file
      replace: {kms: kill myself}        #   normalised word or phrase -> what it means
      fuzzy: {suicidal: 1}               #   near-misses within N edits read as the word
    rules:
      - id: wish-to-die                  # slug, unique across all files
        level: crisis                    # crisis | urgent | clinician
        detail: thoughts of wanting to die   # what was recognised, plain words, safe to show
        topic: null                      # crisis: none; urgent: emergency | same-day;
                                         # clinician: an FAQ entry id, optional
        topics: []                       # clinician only, optional: first match picks the topic,
                                         #   e.g. [{topic: opioids, when: ["@opioids"]}]
        patterns: ["(want|ready) {0-3} die"] # phrases (below); at least one pattern or regex
        regex: []                        # Python regexes over " the normalised text "
        context: []                      # optional: one of these must also appear
        except: [die for]                # optional: a match inside one of these is ignored
        examples: [i want to die]        # at least one; each must match this rule
        not_examples: [this cake is to die for]  # each must not match
        note: why the rule is as it is   # optional

Phrases match whole words of the normalised text (see :mod:`bot.care.normalize`): ``word`` is that
word, ``word*`` any word starting so, ``(a|b c|)`` one of the choices (an empty choice makes it
optional; no nesting), ``@name`` any item of a class, ``{2}`` / ``{1-3}`` up to 2 / from 1 to 3
other words in between, and a final ``$`` the end of the message. ``idioms`` and ``except``
entries are phrases too; the words they match are replaced by a barrier that no phrase can match
or reach across. A word the lexicon rewrites ("wanna", "do not") can never appear in normalised
text, so using one in a phrase is a warning.

Decisions the rules encode (documented here because they are policy, not code):

* Precedence is crisis > urgent > clinician > none; within a level the first rule in file order
  (files sorted by name) gives the rule id, topic and detail.
* Negation never suppresses a crisis rule. "I'm not suicidal but..." and "not suicidal, just asking
  how pacing works" are crisis: the brief says to prefer crisis when in doubt, people often raise
  the subject this way, and the crisis reply asks rather than assumes, so a false alarm costs one
  kind private message while a miss can cost a life. Mentions of suicide in any form (questions
  about risk, a friend, bereavement) are crisis for the same reason.
* Red-flag rules fire on the symptom words whatever surrounds them ("no numbness" included): the
  reply says what the message *mentions* and never reassures, so it stays true either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bot.care.normalize import Lexicon, Normalizer, basic_form
from bot.contentfiles import ContentFileError, load_yaml, read_content_file, yaml_problem
from bot.problems import Problem, Severity


class Level(StrEnum):
    """How urgently a message needs a human; ordered from most to least urgent."""

    CRISIS = "crisis"
    URGENT = "urgent"
    CLINICIAN = "clinician"
    NONE = "none"


CACHE_SIZE = 4096
CACHE_TEXT_MAX = 500  # long texts (notes) are rarely repeated word for word
_PRECEDENCE = {Level.CRISIS: 0, Level.URGENT: 1, Level.CLINICIAN: 2, Level.NONE: 3}
URGENT_TOPICS = ("emergency", "same-day")


@dataclass(frozen=True, slots=True)
class Triage:
    """The outcome for one message.

    ``rule`` is the id of the rule that matched; ``topic`` is "emergency"/"same-day" for urgent
    and a related FAQ entry id (or None) for clinician; ``detail`` names what was recognised in
    plain words that are safe to show the member. ``layer``, ``confidence`` and ``family`` say
    which layer decided and how sure it was, so moderators can review a result.
    """

    level: Level
    rule: str | None = None
    topic: str | None = None
    detail: str | None = None
    layer: str | None = None  # "rule" or "semantic": which layer decided (None: nothing found)
    confidence: float | None = None  # 1.0 for a rule; the semantic layer's margin as 0-1
    family: str | None = None  # semantic: the nearest exemplar family, for reviewers
    gentle: bool = False  # near crisis but below its threshold: a gentle private note, no block


NOTHING = Triage(Level.NONE)

# --------------------------------------------------------------------------------------------
# File schema
# --------------------------------------------------------------------------------------------

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
ClassName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$", max_length=40)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LexiconSpec(_Strict):
    replace: dict[str, Text] = {}
    fuzzy: dict[str, Annotated[int, Field(ge=1, le=2)]] = {}


class TopicWhen(_Strict):
    topic: Slug
    when: list[Text] = Field(min_length=1)


class RuleSpec(_Strict):
    id: Slug
    level: Literal["crisis", "urgent", "clinician"]
    detail: Annotated[str, StringConstraints(min_length=3, max_length=120)]
    topic: Slug | None = None
    topics: list[TopicWhen] = []
    patterns: list[Text] = []
    regex: list[Text] = []
    context: list[Text] = []
    except_: list[Text] = Field(default=[], alias="except")
    examples: list[Text] = Field(min_length=1)
    not_examples: list[Text] = []
    note: str | None = None

    @model_validator(mode="after")
    def _level_rules(self) -> RuleSpec:
        if not self.patterns and not self.regex:
            raise ValueError("a rule needs at least one entry in patterns or regex")
        if self.level == "crisis" and (self.topic or self.topics):
            raise ValueError("crisis rules take no topic: the crisis reply never links FAQ entries")
        if self.level == "urgent":
            if self.topic not in URGENT_TOPICS:
                raise ValueError(f"urgent rules need topic: {' or '.join(URGENT_TOPICS)}")
            if self.topics:
                raise ValueError("urgent rules take a single topic, not topics")
        return self


class SafetyFile(_Strict):
    reviewed_by: Annotated[str, StringConstraints(min_length=2, max_length=100)]
    reviewed_on: date
    review_due: date
    about: str | None = None
    classes: dict[ClassName, list[Text]] = {}
    idioms: list[Text] = []
    lexicon: LexiconSpec | None = None
    # Checked one by one against RuleSpec, so one broken rule never hides the others.
    rules: list[dict[str, Any]] = []


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
        found = []
        for segment in re.split(r"[(){}|]|@[a-z0-9_-]+", phrase):
            padded = f" {' '.join(segment.split())} "
            for key, value in self.rewrites.items():
                if f" {key} " in padded:
                    found.append(
                        Problem(
                            file,
                            where,
                            f"{key!r} never reaches the rules (the lexicon turns it into {value!r})",
                            Severity.WARNING,
                        )
                    )
        return found

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
        text = _mask(self.excepts, padded)
        if not self.pattern.search(text):
            return False
        return self.context is None or bool(self.context.search(text))

    def triage(self, padded: str) -> Triage:
        topic = next((t for rx, t in self.topics if rx.search(padded)), self.topic)
        return Triage(self.level, self.id, topic, self.detail, layer="rule", confidence=1.0)


@dataclass(slots=True)
class Triager:
    """Classifies member messages with the reviewed rules. Build it with :meth:`from_dir`."""

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

    @classmethod
    def from_dir(cls, path: str | Path) -> Triager:
        """Load every rule file, refusing to start on any error (use :func:`load_rules` to list them)."""
        triager, problems = load_rules(path)
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if errors or triager is None:
            raise RulesError(errors or [Problem(str(path), "", "no usable safety rules")])
        return triager

    def normalize(self, text: str) -> str:
        return self.normalizer.normalize(text)

    def classify(self, text: str) -> Triage:
        """The most urgent level any rule gives ``text``; never raises. Results are cached per
        text (rules never change inside one Triager; a reload builds a new one)."""
        if len(text) > CACHE_TEXT_MAX:
            return self._classify(text)
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[text] = self._classify(text)
        return cached

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
    """Raised by :meth:`Triager.from_dir` when the rule files have errors."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------


def _field(*parts: object) -> str:
    return ".".join(str(p) for p in parts if p != "")


def _pydantic_problems(file: str, prefix: str, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        where = _field(prefix, *err["loc"]) if err["loc"] else prefix
        msg = err["msg"].removeprefix("Value error, ")
        out.append(Problem(file, where, msg))
    return out


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(slots=True)
class _Loaded:
    file: str
    spec: SafetyFile
    rules: list[tuple[int, RuleSpec]]


def load_rules(directory: str | Path, *, today: date | None = None) -> tuple[Triager | None, list[Problem]]:
    """Load and check every ``*.yaml`` rule file in ``directory``.

    Returns a triager built from every rule that validated (a broken rule is left out whole, never
    half-loaded) and the problems found; the triager is None when no rule could be used. With
    ``today``, an overdue ``review_due`` is a warning. Any error should fail the content check.
    """
    base = Path(directory)
    problems: list[Problem] = []
    files = sorted(base.glob("*.yaml")) if base.is_dir() else []
    if not files:
        return None, [Problem(str(base), "", "no safety rule files (*.yaml) found")]

    loaded: list[_Loaded] = []
    for path in files:
        item = _read_file(path, today, problems)
        if item is not None:
            loaded.append(item)

    compiler = _Compiler(problems)
    replace: dict[str, str] = {}
    fuzzy: dict[str, int] = {}
    lexicon_origin: dict[str, tuple[str, str]] = {}
    for item in loaded:
        for name, items in item.spec.classes.items():
            if name in compiler.raw_classes:
                problems.append(Problem(item.file, f"classes.{name}", f"class @{name} is defined twice"))
            else:
                compiler.raw_classes[name] = (item.file, items)
        if item.spec.lexicon:
            _collect_lexicon(item, replace, fuzzy, lexicon_origin, problems)

    compiler.rewrites = replace
    for name, (file, _) in compiler.raw_classes.items():
        try:
            compiler.class_ref(name)
        except PatternError as exc:
            problems.append(Problem(file, f"classes.{name}", str(exc)))

    idioms: dict[str, re.Pattern[str]] = {}
    rules: list[Rule] = []
    examples: list[tuple[Rule, RuleSpec, int]] = []
    seen_ids: dict[str, str] = {}
    for item in loaded:
        good_idioms = []
        for i, phrase in enumerate(item.spec.idioms):
            try:
                compiler.phrase(phrase)
                good_idioms.append(phrase)
            except PatternError as exc:
                problems.append(Problem(item.file, f"idioms.{i}", str(exc)))
            problems.extend(compiler.unreachable(item.file, f"idioms.{i}", phrase))
        idiom_rx = compiler.phrases(good_idioms)
        if idiom_rx is not None:
            idioms[item.file] = idiom_rx
        for index, spec in item.rules:
            if spec.id in seen_ids:
                problems.append(
                    Problem(
                        item.file,
                        f"rules.{index}.id",
                        f"rule id {spec.id!r} is also used in {seen_ids[spec.id]}",
                    )
                )
                continue
            rule = _compile_rule(item.file, index, spec, compiler, problems)
            if rule is not None:
                seen_ids[spec.id] = item.file
                rules.append(rule)
                examples.append((rule, spec, index))

    lexicon = Lexicon(replace=replace, fuzzy=fuzzy, vocabulary=frozenset(compiler.vocabulary))
    normalizer = Normalizer(lexicon)
    for key, value in replace.items():
        again = normalizer.normalize(value)
        if again != value:
            file, where = lexicon_origin[key]
            problems.append(
                Problem(file, where, f"the replacement {value!r} changes again when normalised (to {again!r}); "
                        "write the final form")
            )  # fmt: skip

    if not rules:
        problems.append(Problem(str(base), "", "no usable safety rules"))
        return None, problems
    triager = Triager(tuple(rules), normalizer, idioms)
    for rule, spec, index in examples:
        _check_examples(triager, rule, spec, index, problems)
    return triager, problems


def _read_file(path: Path, today: date | None, problems: list[Problem]) -> _Loaded | None:
    file = str(path)
    try:
        data = load_yaml(read_content_file(path, path.parent.parent))
    except ContentFileError as exc:
        problems.append(Problem(file, "", str(exc)))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(file, "", yaml_problem(exc)))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(file, "", "the file must be a YAML mapping (reviewed_by, rules, ...)"))
        return None
    try:
        spec = SafetyFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(file, "", exc))
        return None
    if spec.review_due <= spec.reviewed_on:
        problems.append(Problem(file, "review_due", "review_due must be after reviewed_on"))
    elif spec.review_due > _one_year_after(spec.reviewed_on):
        problems.append(Problem(file, "review_due", "review_due must be at most 12 months after reviewed_on"))
    if today is not None and spec.review_due < today:
        problems.append(
            Problem(file, "review_due", f"the review was due on {spec.review_due}", Severity.WARNING)
        )
    rules: list[tuple[int, RuleSpec]] = []
    for index, raw in enumerate(spec.rules):
        try:
            rules.append((index, RuleSpec.model_validate(raw)))
        except ValidationError as exc:
            problems.extend(_pydantic_problems(file, f"rules.{index}", exc))
    return _Loaded(file, spec, rules)


def _collect_lexicon(
    item: _Loaded,
    replace: dict[str, str],
    fuzzy: dict[str, int],
    origin: dict[str, tuple[str, str]],
    problems: list[Problem],
) -> None:
    assert item.spec.lexicon is not None
    for key, value in item.spec.lexicon.replace.items():
        where = f"lexicon.replace.{key}"
        if basic_form(key) != key:
            problems.append(
                Problem(item.file, where, f"write the key as normalised text: {basic_form(key)!r}")
            )
        elif key == value:
            problems.append(Problem(item.file, where, "the replacement is the key itself"))
        elif key in replace and replace[key] != value:
            problems.append(Problem(item.file, where, f"{key!r} is already replaced by {replace[key]!r}"))
        else:
            replace[key] = value
            origin[key] = (item.file, where)
    for word, edits in item.spec.lexicon.fuzzy.items():
        where = f"lexicon.fuzzy.{word}"
        if basic_form(word) != word or " " in word or len(word) < 5:
            problems.append(
                Problem(item.file, where, "fuzzy words are single normalised words of 5+ letters")
            )
        else:
            fuzzy[word] = edits


def _compile_rule(
    file: str, index: int, spec: RuleSpec, compiler: _Compiler, problems: list[Problem]
) -> Rule | None:
    def errors() -> int:
        return sum(p.severity is Severity.ERROR for p in problems)

    before = errors()

    def compiled(
        name: str, phrases: Sequence[str], regexes: Sequence[str] = ()
    ) -> tuple[re.Pattern[str] | None, Anchors]:
        good_phrases, good_regexes = [], []
        for i, phrase in enumerate(phrases):
            where = f"rules.{index}.{name}.{i}"
            try:
                compiler.phrase(phrase)
                good_phrases.append(phrase)
            except PatternError as exc:
                problems.append(Problem(file, where, str(exc)))
            problems.extend(compiler.unreachable(file, where, phrase))
        for i, rx in enumerate(regexes):
            try:
                _check_regex(rx)
                good_regexes.append(rx)
            except PatternError as exc:
                problems.append(Problem(file, f"rules.{index}.regex.{i}", str(exc)))
        return compiler.compile(good_phrases, good_regexes)

    pattern, anchors = compiled("patterns", spec.patterns, spec.regex)
    context, context_anchors = compiled("context", spec.context)
    excepts = compiled("except", spec.except_)[0]
    topics: list[tuple[re.Pattern[str], str]] = []
    for t, when in enumerate(spec.topics):
        rx = compiled(f"topics.{t}.when", when.when)[0]
        if rx is not None:
            topics.append((rx, when.topic))
    if errors() > before or pattern is None:
        return None
    return Rule(
        id=spec.id,
        level=Level(spec.level),
        detail=spec.detail,
        topic=spec.topic,
        file=file,
        pattern=pattern,
        context=context,
        excepts=excepts,
        topics=tuple(topics),
        anchors=anchors,
        context_anchors=context_anchors if context is not None else None,
    )


def _check_examples(
    triager: Triager, rule: Rule, spec: RuleSpec, index: int, problems: list[Problem]
) -> None:
    """Examples are the reviewers' tests: each must (or must not) fire this very rule."""
    for i, text in enumerate(spec.examples):
        if not rule.fires(triager.view(text, rule.file)):
            problems.append(
                Problem(rule.file, f"rules.{index}.examples.{i}", f"{text!r} does not match this rule")
            )
    for i, text in enumerate(spec.not_examples):
        if rule.fires(triager.view(text, rule.file)):
            problems.append(
                Problem(rule.file, f"rules.{index}.not_examples.{i}", f"{text!r} matches this rule")
            )
