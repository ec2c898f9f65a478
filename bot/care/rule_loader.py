"""Loading and checking rule files: every problem with file and field, broken rules left out whole."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from bot.care.normalize import Lexicon, Normalizer, basic_form
from bot.care.rule_compiler import Anchors, PatternError, _check_regex, _Compiler
from bot.care.rule_engine import Rule, RulesError, Triager
from bot.care.rule_schema import Level, RuleSpec, SafetyFile
from bot.contentfiles import LoadMemo, files_digest, read_mapping, validation_problems
from bot.problems import Problem, Severity

# --------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------


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
    files = sorted(base.glob("*.yaml")) if base.is_dir() else []
    if not files:
        return None, [Problem(str(base), "", "no safety rule files (*.yaml) found")]
    key = files_digest(files, "rules", today)
    found = _LOADED.get(key)
    if found is None:
        found = _load_rules(base, files, today)
        if files_digest(files, "rules", today) == key:  # unchanged while it was read
            _LOADED.put(key, found)
    triager, problems = found
    # A fresh Triager (its own result cache) over the same immutable compiled rules.
    return (Triager(triager.rules, triager.normalizer, dict(triager.idioms)) if triager else None), list(problems)


_LOADED = LoadMemo()


def _load_rules(base: Path, files: list[Path], today: date | None) -> tuple[Triager | None, list[Problem]]:
    problems: list[Problem] = []
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
    data = read_mapping(path, path.parent.parent, problems, "reviewed_by, rules, ...")
    if data is None:
        return None
    try:
        spec = SafetyFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(validation_problems(file, exc))
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
            problems.extend(validation_problems(file, exc, f"rules.{index}"))
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


def load_triager(path: str | Path) -> Triager:
    """Load every rule file, refusing to start on any error (use :func:`load_rules` to list them)."""
    triager, problems = load_rules(path)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors or triager is None:
        raise RulesError(errors or [Problem(str(path), "", "no usable safety rules")])
    return triager
