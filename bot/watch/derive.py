"""Derive Discord AutoMod keyword rules from the reviewed crisis rules, within Discord's limits.

AutoMod matches raw message text on Discord's side and tells the bot only *which rule and which
configured phrase* fired, so the bot never needs to read messages. Its language is much smaller
than the triage's phrase grammar: keywords (whole words or phrases, a ``*`` only at either end,
case-insensitive, at most 60 characters, 1,000 per rule), up to 10 Rust regexes of at most 260
characters per rule, and an allow list of at most 100 phrases. This module translates what it
can and says, pattern by pattern, what it left out, so ``/setup`` can tell the admin and message
mode (which runs the full triage) can cover the rest.

It reads the rule files' *documented format* directly (``rules[].id/level/patterns/except``,
``idioms``, ``classes`` and ``lexicon.replace``) and ignores any other key, so new fields or new
rule files never break it. Only ``level: crisis`` rules are watched in channels.

Priority: when everything does not fit, rules about acting on suicide come first (see
:data:`RULE_PRIORITY`; unknown rule ids follow in file order), and within a rule the patterns in
file order. A pattern is taken whole or not at all, so a rule is never silently half-covered.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.contentfiles import ContentFileError, load_yaml, read_content_file

KEYWORD_RULES_MAX = 6  # KEYWORD rules per server (Discord)
KEYWORDS_MAX = 1000
KEYWORD_LEN_MAX = 60
REGEXES_MAX = 10
REGEX_LEN_MAX = 260
ALLOW_MAX = 100
NAME = "Community care {n}"  # neutral: the audit log names the rule next to the member

# Rules about acting on suicide or self-harm first; questions about lines last.
RULE_PRIORITY = (
    "ending-life", "suicide-words", "overdose", "self-harm", "wish-to-die", "lethality", "goodbye",
    "not-safe", "burden-to-others", "no-reason-to-live",
)
LAST = ("crisis-line-question",)

# Normalised words that members usually type with an apostrophe.
CONTRACTIONS = {
    "dont": "don't", "cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've", "id": "i'd",
    "isnt": "isn't", "wasnt": "wasn't", "werent": "weren't", "wouldnt": "wouldn't", "didnt": "didn't",
    "doesnt": "doesn't", "couldnt": "couldn't", "shouldnt": "shouldn't", "aint": "ain't",
    "whats": "what's", "theres": "there's", "thats": "that's", "hadnt": "hadn't", "havent": "haven't",
    "youre": "you're", "theyre": "they're", "ill": "i'll",
}
_PIECE = re.compile(
    r"\s*(?:\{(?P<lo>\d+)(?:-(?P<hi>\d+))?\}|\((?P<group>[^()]*)\)|@(?P<cls>[a-z][a-z0-9_-]*)"
    r"|(?P<word>[a-z0-9]+\*?)|(?P<end>\$))"
)
_EXPANSION_MAX = 2000  # a pattern that expands further is regex-only (or left out)


class DeriveError(ValueError):
    """A pattern this translator cannot express (the reason is shown to the admin)."""


# -- the phrase grammar, as a tree ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Gap:
    """A run of ``lo`` to ``hi`` arbitrary words inside a pattern."""

    lo: int
    hi: int


Token = str | Gap  # a word ("word" or "word*") or a word gap


def _pieces(phrase: str, depth: int) -> Iterator[re.Match[str]]:
    """The phrase grammar's pieces in order (gap, group, class, word or ``$``), one match each."""
    if depth > 4:
        raise DeriveError("classes nest too deeply")
    text, pos = phrase.strip(), 0
    while pos < len(text):
        m = _PIECE.match(text, pos)
        if not m:
            raise DeriveError(f"cannot read {text[pos:].split()[0]!r}")
        pos = m.end()
        yield m


def _class_items(classes: dict[str, list[str]], name: str) -> list[str]:
    items = classes.get(name)
    if not items:
        raise DeriveError(f"unknown class @{name}")
    return items


def _parse(phrase: str, classes: dict[str, list[str]], depth: int = 0) -> list[list[Token]]:
    """Every expansion of ``phrase`` as a token list (choices and classes multiplied out)."""
    options: list[list[list[Token]]] = []
    for m in _pieces(phrase, depth):
        if m.group("lo") is not None:
            lo, hi = int(m.group("lo")), m.group("hi")
            options.append([[Gap(0, lo) if hi is None else Gap(lo, int(hi))]])
        elif m.group("group") is not None:
            alts: list[list[Token]] = []
            for choice in m.group("group").split("|"):
                alts.extend(_parse(choice, classes, depth + 1) if choice.strip() else [[]])
            options.append(alts)
        elif m.group("cls") is not None:
            items = _class_items(classes, m.group("cls"))
            options.append([t for item in items for t in _parse(item, classes, depth + 1)])
        elif m.group("end") is not None:
            raise DeriveError("ends with $ (end of message), which AutoMod keywords cannot express")
        else:
            options.append([[m.group("word")]])
        total = 1
        for o in options:
            total *= len(o)
        if total > _EXPANSION_MAX:
            raise DeriveError(f"expands to more than {_EXPANSION_MAX} phrases")
    return [[t for part in combo for t in part] for combo in itertools.product(*options)]


def _keyword(tokens: Sequence[Token]) -> str | None:
    """The AutoMod keyword for one gap-free expansion; None if AutoMod cannot express it."""
    words = [t for t in tokens if isinstance(t, str)]
    if not words or len(words) != len(tokens):
        return None
    if any("*" in w for w in words[:-1]):
        return None  # AutoMod wildcards only go at the ends of a keyword
    kw = " ".join(words)
    if len(words) > 1 and not kw.endswith("*"):
        kw += "*"  # "want to die." still matches: the docs only promise whitespace boundaries
    return kw if len(kw) <= KEYWORD_LEN_MAX else None


def _spellings(keyword: str) -> list[str]:
    """The keyword as written, and with the apostrophes members type ("dont" -> "don't")."""
    words = keyword.split(" ")
    forms = [[w, CONTRACTIONS[w.rstrip("*")] + ("*" if w.endswith("*") else "")] if w.rstrip("*") in CONTRACTIONS
             else [w] for w in words]
    out = [" ".join(c) for c in itertools.product(*forms)]
    return [k for k in out if len(k) <= KEYWORD_LEN_MAX]


def _zero_gaps(tokens: list[Token]) -> list[Token] | None:
    """The expansion with every optional gap closed; None if a gap needs at least one word."""
    if any(isinstance(t, Gap) and t.lo > 0 for t in tokens):
        return None
    return [t for t in tokens if not isinstance(t, Gap)]


def _rx_word(word: str) -> str:
    star = word.endswith("*")
    base = word.rstrip("*")
    if base in CONTRACTIONS:
        cut = CONTRACTIONS[base].index("'")
        rx = re.escape(base[:cut]) + "['’]?" + re.escape(base[cut:])
    else:
        rx = re.escape(base)
    return rx + (r"\w*\W*" if star else r"\b\W*")


def _rx_body(phrase: str, classes: dict[str, list[str]], depth: int = 0) -> str:
    """The phrase as a regex where every word eats the non-word characters after it."""
    parts: list[str] = []
    for m in _pieces(phrase, depth):
        if m.group("lo") is not None:
            lo, hi = int(m.group("lo")), m.group("hi")
            low, high = (0, lo) if hi is None else (lo, int(hi))
            parts.append(rf"(?:\w+\W+){{{low},{high}}}")
        elif m.group("group") is not None:
            choices = m.group("group").split("|")
            alts = [_rx_body(c, classes, depth + 1) for c in choices if c.strip()]
            parts.append(_alternation(alts, optional=len(alts) < len(choices)))
        elif m.group("cls") is not None:
            items = _class_items(classes, m.group("cls"))
            parts.append(_alternation([_rx_body(i, classes, depth + 1) for i in items], optional=False))
        elif m.group("end") is not None:
            parts.append("$")
        else:
            parts.append(_rx_word(m.group("word")))
    return "".join(parts)


def _alternation(alts: list[str], *, optional: bool) -> str:
    """``(?:a|b)``, with the shared word ending written once: regexes have only 260 characters."""
    tail = r"\b\W*"
    if len(alts) > 1 and all(a.endswith(tail) for a in alts):
        body = "(?:" + "|".join(a[: -len(tail)] for a in alts) + ")" + tail
        return f"(?:{body})?" if optional else body
    return "(?:" + "|".join(alts) + ")" + ("?" if optional else "")


def _regex(phrase: str, classes: dict[str, list[str]]) -> str:
    r"""One Rust-syntax regex for a phrase with word gaps, e.g. ``(?i)\bwant\b\W*(?:\w+\W+){0,3}die\b\W*``."""
    rx = r"(?i)\b" + _rx_body(phrase, classes)
    if len(rx) > REGEX_LEN_MAX:
        raise DeriveError(f"its regex would be {len(rx)} characters (Discord allows {REGEX_LEN_MAX})")
    return rx


# -- reading the rule files ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CrisisPattern:
    """One crisis phrase of one rule, as channel watch reads it."""

    rule_id: str
    index: int
    phrase: str


@dataclass(slots=True)
class CrisisRules:
    """The crisis part of the safety rules that AutoMod rules are derived from."""

    patterns: list[CrisisPattern] = field(default_factory=list)
    excepts: dict[str, list[str]] = field(default_factory=dict)  # rule id -> except phrases
    idioms: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)
    slang: dict[str, str] = field(default_factory=dict)  # lexicon: typed form -> normalised form
    rule_order: list[str] = field(default_factory=list)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def read_rules(safety_dir: Path) -> CrisisRules:
    """Read every ``*.yaml`` in ``safety_dir``; unreadable files and fields are skipped (the
    content check reports them; a broken file must not switch channel watch off)."""
    out = CrisisRules()
    for path in sorted(Path(safety_dir).glob("*.yaml")):
        try:
            # The shared safe reader: deep nesting, FIFOs, symlinks out and huge files are skipped.
            data = load_yaml(read_content_file(path, Path(safety_dir).parent))
        except (ContentFileError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        for name, items in (data.get("classes") or {}).items() if isinstance(data.get("classes"), dict) else ():
            out.classes.setdefault(str(name), _strings(items))
        lexicon = data.get("lexicon") if isinstance(data.get("lexicon"), dict) else {}
        replace = lexicon.get("replace") if isinstance(lexicon.get("replace"), dict) else {}
        out.slang.update({str(k): str(v) for k, v in replace.items() if isinstance(v, str)})
        rules = data.get("rules") if isinstance(data.get("rules"), list) else []
        crisis = [r for r in rules if isinstance(r, dict) and r.get("level") == "crisis" and isinstance(r.get("id"), str)]
        if crisis:
            out.idioms.extend(_strings(data.get("idioms")))
        for rule in crisis:
            rid = rule["id"]
            if rid in out.rule_order:
                continue
            out.rule_order.append(rid)
            out.patterns.extend(CrisisPattern(rid, i, p) for i, p in enumerate(_strings(rule.get("patterns"))))
            out.excepts[rid] = _strings(rule.get("except"))
    return out


def priority(rule_order: Sequence[str]) -> list[str]:
    """Rule ids in the order their phrases claim AutoMod's limited slots."""
    known = [r for r in RULE_PRIORITY if r in rule_order]
    rest = [r for r in rule_order if r not in RULE_PRIORITY and r not in LAST]
    return known + rest + [r for r in LAST if r in rule_order]


# -- the plan --------------------------------------------------------------------------------

@dataclass(slots=True)
class AutomodRuleSpec:
    """One AutoMod KEYWORD rule the bot owns: alert action only, never block or timeout."""

    name: str
    keywords: list[str] = field(default_factory=list)
    regexes: list[str] = field(default_factory=list)
    allow_list: list[str] = field(default_factory=list)

    def trigger(self) -> dict[str, list[str]]:
        return {"keyword_filter": self.keywords, "regex_patterns": self.regexes, "allow_list": self.allow_list}


@dataclass(slots=True)
class Plan:
    """The AutoMod rules derived for one server, and what they leave out."""

    rules: list[AutomodRuleSpec]
    sources: dict[str, str]  # configured keyword or regex -> crisis rule id
    left_out: list[str]  # "rule-id: phrase (why)", for /setup
    partly: list[str]  # patterns AutoMod covers only in their plainest form

    @property
    def keyword_count(self) -> int:
        return sum(len(r.keywords) for r in self.rules)

    def rule_for(self, matched: str | None) -> str | None:
        """The crisis rule behind a configured keyword or regex Discord reports as matched."""
        if not matched:
            return None
        return self.sources.get(matched) or self.sources.get(matched.casefold())


@dataclass(slots=True)
class _Bucket:
    spec: AutomodRuleSpec
    rule_ids: set[str] = field(default_factory=set)


def _except_entries(phrases: Iterable[str], classes: dict[str, list[str]]) -> Iterator[str]:
    for phrase in phrases:
        try:
            expansions = _parse(phrase, classes)
        except DeriveError:
            continue
        for e in expansions:
            words = [t for t in e if isinstance(t, str)]
            if len(words) != len(e) or not words:
                continue
            # A wildcard inside a phrase cannot be written; its plain word is the common case.
            words = [w.rstrip("*") for w in words[:-1]] + [words[-1]]
            yield from _spellings(" ".join(words))


def _slang_variants(keyword: str, slang: dict[str, str]) -> Iterator[str]:
    """``keyword`` with one word (or the whole phrase) in a typed form the lexicon rewrites."""
    core = keyword.rstrip("*")
    star = keyword.endswith("*")
    words = core.split(" ")
    for typed, normal in slang.items():
        if normal == core:
            variant = typed + ("*" if " " in typed else "")
        elif " " in normal:
            padded = f" {core} "
            if f" {normal} " not in padded:
                continue
            variant = padded.replace(f" {normal} ", f" {typed} ", 1).strip() + ("*" if star else "")
        else:
            spots = [i for i, w in enumerate(words) if w == normal or (star and i == len(words) - 1
                                                                        and normal.startswith(w) and len(w) >= 5)]
            if not spots:
                continue
            i = spots[0]
            variant = " ".join([*words[:i], typed, *words[i + 1:]])
            if star and (i < len(words) - 1 or len(words) > 1):
                variant += "*"
        if len(variant) <= KEYWORD_LEN_MAX:
            yield variant


def _covers(entry: str, cores: set[str]) -> bool:
    words = entry.rstrip("*").split(" ")
    return any(" ".join(words[i:j]) in cores for i in range(len(words)) for j in range(i + 1, len(words) + 1))


def derive(rules: CrisisRules, *, rule_slots: int) -> Plan:
    """Fit the crisis patterns into at most ``rule_slots`` AutoMod rules, by priority."""
    slots = max(0, min(rule_slots, KEYWORD_RULES_MAX))
    buckets = [_Bucket(AutomodRuleSpec(NAME.format(n=i + 1))) for i in range(slots)]
    sources: dict[str, str] = {}
    left_out: list[str] = []
    partly: list[str] = []
    order = {rid: i for i, rid in enumerate(priority(rules.rule_order))}
    patterns = sorted(rules.patterns, key=lambda p: (order.get(p.rule_id, len(order)), p.index))

    def place_keywords(rule_id: str, keywords: list[str]) -> bool:
        fresh = [k for k in dict.fromkeys(keywords) if k not in sources]
        for b in buckets:
            if len(b.spec.keywords) + len(fresh) <= KEYWORDS_MAX:
                b.spec.keywords.extend(fresh)
                b.rule_ids.add(rule_id)
                sources.update(dict.fromkeys(fresh, rule_id))
                return True
        return False

    def place_regex(rule_id: str, rx: str) -> bool:
        if rx in sources:
            return True
        for b in sorted(buckets, key=lambda b: rule_id not in b.rule_ids):
            if len(b.spec.regexes) < REGEXES_MAX:
                b.spec.regexes.append(rx)
                b.rule_ids.add(rule_id)
                sources[rx] = rule_id
                return True
        return False

    for pattern in patterns:
        label = f"{pattern.rule_id}: {pattern.phrase}"
        if not buckets:
            left_out.append(f"{label} (no AutoMod rule available)")
            continue
        try:
            expansions = _parse(pattern.phrase, rules.classes)
        except DeriveError as exc:  # not as keywords; perhaps as one regex ("give up $")
            try:
                if place_regex(pattern.rule_id, _regex(pattern.phrase, rules.classes)):
                    continue
                left_out.append(f"{label} ({exc}; no regex slot left)")
            except DeriveError as rx_exc:
                left_out.append(f"{label} ({rx_exc})")
            continue
        plain = [k for e in expansions if (z := _zero_gaps(e)) is not None and (k := _keyword(z))]
        exact = all(not any(isinstance(t, Gap) for t in e) for e in expansions) and len(plain) == len(expansions)
        keywords = [s for k in plain for s in _spellings(k)]
        if exact:
            if not place_keywords(pattern.rule_id, keywords):
                left_out.append(f"{label} (no room: {len(keywords)} keywords)")
            continue
        try:
            if place_regex(pattern.rule_id, _regex(pattern.phrase, rules.classes)):
                continue
            why = "no regex slot left"
        except DeriveError as exc:
            why = str(exc)
        if keywords and place_keywords(pattern.rule_id, keywords):
            partly.append(f"{label} (only the forms plain keywords can express: {why})")
        else:
            left_out.append(f"{label} ({why})")

    # Second pass, if room remains: the lexicon's misspellings and slang, which only the triage's
    # normaliser undoes ("kms" for "kill myself", "sucidal" for "suicid*"), highest priority first.
    for kw, rid in list(sources.items()):
        if kw.startswith("(?i)"):
            continue  # a regex
        for variant in _slang_variants(kw, rules.slang):
            if variant not in sources and not place_keywords(rid, [variant]):
                break

    # Allow lists: each AutoMod rule gets the exceptions and idioms of the crisis rules it holds.
    # Idioms first ("killing myself laughing" is common and harmless), then exceptions by priority.
    idiom_entries = list(dict.fromkeys(_except_entries(rules.idioms, rules.classes)))
    for b in buckets:
        wanted: list[str] = list(idiom_entries)
        for rid in priority([r for r in rules.rule_order if r in b.rule_ids]):
            wanted.extend(_except_entries(rules.excepts.get(rid, []), rules.classes))
        # An entry only helps if one of this rule's keywords can match inside it.
        cores = {k.strip("*") for k in b.spec.keywords}
        useful = [w for w in dict.fromkeys(wanted) if len(w) <= KEYWORD_LEN_MAX and _covers(w, cores)]
        b.spec.allow_list = useful[:ALLOW_MAX]
    used = [b.spec for b in buckets if b.spec.keywords or b.spec.regexes]
    return Plan(used, sources, left_out, partly)
