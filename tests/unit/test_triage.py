"""Safety triage: normalisation, the reviewed rules, and the labelled evaluation set.

The rules' regression cases (tests/data/triage_cases.jsonl, the families written with the rules)
are the safety net for every rule change: the rules alone must keep every one of them, with false
alarms on ordinary messages at or under 10%. That measures fit, not generalisation: the layered
triage is measured on text it was never tuned on in tests/unit/test_layered_triage.py.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.care.normalize import Lexicon, Normalizer, normalize
from bot.care.triage import Level, RulesError, Triage, Triager, load_rules, load_triager
from bot.problems import Severity

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "content" / "safety"
CASES_FILE = ROOT / "tests" / "data" / "triage_cases.jsonl"
FAQ = ROOT / "content" / "fibromyalgia"
MAX_FALSE_ALARM = 0.10


def _cases() -> list[dict[str, str]]:
    with CASES_FILE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


ALL_CASES = _cases()
# The cases written together with the rules are the rules' own regression set: the rules alone
# must keep classifying each of them exactly. Families named "t-..." were added later to measure the
# layered triage on rewordings the rules were not written from (tests/unit/test_layered_triage.py);
# "t2-..." and "t3-..." are later rounds of the same kind; "t4-long-..." are long messages with
# the telling sentence inside everyday pain talk (the layered triage screens each sentence);
# "t5-..." are dose questions and lethal-amount questions side by side, so the tuning can see a
# dose question pulled into the crisis reply.
# "t6-..." are idioms followed by ordinary talk, reports of a change a doctor made, and a medicine
# quantity said with intent, each next to the close wordings that must stay crisis or clinician.
# "t7-..." are sudden speech trouble (a stroke sign even without face or arm).
LAYERED_PREFIXES = ("t-", "t2-", "t3-", "t4-", "t5-", "t6-", "t7-")
CASES = [c for c in ALL_CASES if not c["family"].startswith(LAYERED_PREFIXES)]


@pytest.fixture(scope="module")
def triager() -> Triager:
    return load_triager(RULES)


# -------------------------------------------------------------------------------------------
# Normalisation
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I DON'T want to be here!!!", "i dont want to be here"),
        ("ѕuicide", "suicide"),  # Cyrillic dze
        ("ѕuісіdе", "suicide"),  # several Cyrillic look-alikes
        ("ｓｕｉｃｉｄｅ", "suicide"),  # full-width
        ("𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟", "kill myself"),  # mathematical bold
        ("su\u200bic\u200dide", "suicide"),  # zero-width space and joiner
        ("suïcidé", "suicide"),  # accents
        ("k1ll", "kill"),
        ("d1e", "die"),
        ("$uicide", "suicide"),
        ("k!ll", "kill"),
        ("sooooo tired", "soo tired"),
        ("100mg at 3am", "100 mg at 3 am"),
        ("self-harm...", "self harm"),
        ("", ""),
        ("🙂🙂🙂", ""),
    ],
)
def test_normalize_without_lexicon(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kms", "kill myself"),
        ("k m s", "kill myself"),
        ("s.u.i.c.i.d.e", "suicide"),
        ("sucide", "suicide"),
        ("suicdal", "suicidal"),  # near-miss, not listed: fuzzy match
        ("I wanna diiiiie", "i want to die"),  # stretched to a known word
        ("unalive", "unalive"),
        ("un-alive myself", "unalive myself"),
        ("I do not know", "i dont know"),
        ("sewer slide", "suicide"),
    ],
)
def test_normalize_with_reviewed_lexicon(triager: Triager, text: str, expected: str) -> None:
    assert triager.normalize(text) == expected


def test_normalize_is_fast(triager: Triager) -> None:
    text = ("My back is killing me today and I'm sooooo tired; took 50mg amitriptyline 🙂 " * 8)[:500]
    triager.normalize(text)  # warm the per-word cache, as in production
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        triager.normalize(text)
    per_call = (time.perf_counter() - start) / runs
    print(f"\nnormalise 500 chars: {per_call * 1e6:.0f} µs")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=600))
def test_normalize_is_total_and_plain(text: str) -> None:
    out = normalize(text)
    assert set(out) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
    assert out == out.strip() and "  " not in out


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
@example("21µ")  # found by this test: read as "2iu", which a second pass split into "2 iu"
@example("1000 iu")  # a number's repeated digits were un-stretched: "1000" became "100"
@example("W:A:Y:U")  # "w a y you": a second pass joined the letters before "you" into "way"
def test_normalize_is_idempotent(triager: Triager, text: str) -> None:
    once = triager.normalize(text)
    assert triager.normalize(once) == once


# -------------------------------------------------------------------------------------------
# The evaluation set
# -------------------------------------------------------------------------------------------


def test_case_file_is_big_and_covers_every_level() -> None:
    assert len(CASES) >= 120
    levels = {c["level"] for c in CASES}
    assert levels == {lvl.value for lvl in Level}
    for case in CASES:
        assert set(case) <= {"text", "level", "family", "note", "topic"}, case
        assert case["note"] and case["family"], case


def test_crisis_recall_and_false_alarm_rate(triager: Triager) -> None:
    crisis = [c for c in CASES if c["level"] == "crisis"]
    ordinary = [c for c in CASES if c["level"] == "none"]
    caught = [c for c in crisis if triager.classify(c["text"]).level is Level.CRISIS]
    false_alarms = [c for c in ordinary if triager.classify(c["text"]).level is not Level.NONE]
    recall = len(caught) / len(crisis)
    false_alarm_rate = len(false_alarms) / len(ordinary)
    print(
        f"\ncrisis recall {recall:.1%} ({len(caught)}/{len(crisis)}); "
        f"false alarms on none {false_alarm_rate:.1%} ({len(false_alarms)}/{len(ordinary)})"
    )
    assert recall == 1.0, [c["text"] for c in crisis if c not in caught]
    assert false_alarm_rate <= MAX_FALSE_ALARM, [c["text"] for c in false_alarms]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['level']}:{c['text'][:40]}" for c in CASES])
def test_each_case(triager: Triager, case: dict[str, str]) -> None:
    got = triager.classify(case["text"])
    assert got.level.value == case["level"], (case["note"], got)
    if "topic" in case:
        assert got.topic == case["topic"], (case["note"], got)
    if got.level is not Level.NONE:
        assert got.rule and got.detail
    else:
        assert got == Triage(Level.NONE)


# -------------------------------------------------------------------------------------------
# Behaviour of the triager
# -------------------------------------------------------------------------------------------


def test_level_values() -> None:
    assert [lvl.value for lvl in Level] == ["crisis", "urgent", "clinician", "none"]


def test_precedence_crisis_over_urgent_over_clinician(triager: Triager) -> None:
    both = "I fell down the stairs and hurt my back, and honestly I want to die"
    assert triager.classify(both).level is Level.CRISIS
    red_flag_and_dose = "I can't pee since my back went, how much ibuprofen can I take"
    assert triager.classify(red_flag_and_dose).level is Level.URGENT
    found = triager.matches(both)
    assert found[0].level is Level.CRISIS
    assert {t.level for t in found} >= {Level.CRISIS, Level.URGENT}


def test_urgent_topics_and_details(triager: Triager) -> None:
    saddle = triager.classify("numbness around my groin and back passage")
    assert (saddle.level, saddle.topic) == (Level.URGENT, "emergency")
    assert saddle.detail and "groin" in saddle.detail
    fever = triager.classify("back pain and a fever")
    assert (fever.level, fever.topic) == (Level.URGENT, "same-day")


def test_clinician_topics_are_faq_entries(triager: Triager) -> None:
    """Every topic a clinician rule can link must be an entry in the shipped FAQ pack."""
    missing = {t for t in triager.topics() if not (FAQ / f"{t}.md").is_file()}
    assert not missing


def test_crisis_triage_has_no_topic(triager: Triager) -> None:
    assert triager.classify("i want to die").topic is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=5000))
def test_classify_never_raises(triager: Triager, text: str) -> None:
    assert isinstance(triager.classify(text), Triage)


LONG_TEXT = st.text(min_size=1, max_size=200).map(lambda chunk: (chunk * (5000 // len(chunk) + 1))[:5000])


@settings(max_examples=30, deadline=None)
@given(LONG_TEXT)
def test_classify_never_raises_on_5000_chars(triager: Triager, text: str) -> None:
    assert len(text) == 5000
    assert isinstance(triager.classify(text), Triage)


def _brute_force(triager: Triager, text: str) -> Triage:
    """Every rule tried, no shortcuts: what classify must always agree with."""
    for rule in triager.rules:
        view = triager.view(text, rule.file)
        if rule.fires(view):
            return rule.triage(view)
    return Triage(Level.NONE)


CASE_WORDS = sorted({w for c in CASES for w in normalize(c["text"]).split()})


def test_word_prefilter_never_changes_a_result(triager: Triager) -> None:
    for case in CASES:
        assert triager.classify(case["text"]) == _brute_force(triager, case["text"]), case


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CASE_WORDS), min_size=1, max_size=25).map(" ".join))
def test_word_prefilter_on_random_word_salad(triager: Triager, text: str) -> None:
    assert triager.classify(text) == _brute_force(triager, text)


def test_lexicon_is_optional() -> None:
    """Without reviewed data the normaliser still does the mechanical steps."""
    assert Normalizer(Lexicon())("K.M.S!!") == "k m s"
    assert Normalizer(Lexicon(replace={"kms": "kill myself"}))("k m s") == "kill myself"


def test_classify_long_and_odd_input(triager: Triager) -> None:
    long = ("my back aches and pacing helps 🙂 " * 200)[:5000]
    start = time.perf_counter()
    assert triager.classify(long).level is Level.NONE
    elapsed = time.perf_counter() - start
    print(f"\nclassify 5,000 chars: {elapsed * 1e3:.1f} ms")
    assert triager.classify(long + " i want to die").level is Level.CRISIS
    for odd in ["", " ", "\x00\x01", "\u200b" * 50, "🙂" * 2000, "a" * 5000, "k" + "1" * 4999]:
        triager.classify(odd)


# -------------------------------------------------------------------------------------------
# Rule files
# -------------------------------------------------------------------------------------------


def test_shipped_rules_have_no_problems() -> None:
    triager, problems = load_rules(RULES, today=date(2026, 11, 23))
    assert triager is not None
    assert problems == []


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_rule_file_validates(path: Path) -> None:
    _, problems = load_rules(RULES)
    assert [p for p in problems if p.file == str(path)] == []


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "safety"
    shutil.copytree(RULES, target)
    return target


def _append_rule(directory: Path, rule_yaml: str) -> Path:
    path = directory / "crisis.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + rule_yaml, encoding="utf-8")
    return path


def _rule_count(path: Path) -> int:
    import yaml

    return len(yaml.safe_load(path.read_text(encoding="utf-8"))["rules"])


BROKEN_RULES = [
    (
        "  - {id: bad-level, level: panic, detail: x y z, patterns: [help], examples: [help]}",
        "level",
        "crisis",
    ),
    (
        "  - {id: extra-field, level: crisis, detail: x y z, patterns: [help], examples: [help], colour: red}",
        "colour",
        "Extra inputs",
    ),
    (
        "  - {id: bad-phrase, level: crisis, detail: x y z, patterns: ['Don’t help'], examples: [help]}",
        "patterns.0",
        "normalised word",
    ),
    (
        "  - {id: bad-regex, level: crisis, detail: x y z, regex: ['(unclosed'], examples: [help]}",
        "regex.0",
        "regex",
    ),
    (
        "  - {id: empty-match, level: crisis, detail: x y z, patterns: ['(a|)'], examples: [help]}",
        "patterns.0",
        "every message",
    ),
    (
        "  - {id: no-class, level: crisis, detail: x y z, patterns: ['@nothing'], examples: [help]}",
        "patterns.0",
        "unknown class",
    ),
    (
        "  - {id: wrong-example, level: crisis, detail: x y z, patterns: [zebra], examples: [giraffe]}",
        "examples.0",
        "does not match",
    ),
    (
        "  - {id: urgent-no-topic, level: urgent, detail: x y z, patterns: [zebra], examples: [zebra]}",
        "",
        "topic",
    ),
    (
        "  - {id: suicide-words, level: crisis, detail: x y z, patterns: [zebra], examples: [zebra]}",
        "id",
        "also used",
    ),
]


@pytest.mark.parametrize(
    ("rule", "field", "message"), BROKEN_RULES, ids=[r[0].split(",")[0][9:] for r in BROKEN_RULES]
)
def test_broken_rule_is_reported_with_file_and_field(
    rules_copy: Path, rule: str, field: str, message: str
) -> None:
    path = _append_rule(rules_copy, rule)
    index = _rule_count(path) - 1
    triager, problems = load_rules(rules_copy)
    expected_field = f"rules.{index}.{field}".rstrip(".")
    hits = [p for p in problems if p.file == str(path) and p.field == expected_field]
    assert hits, problems
    assert any(message in p.message for p in hits), hits
    assert all(p.severity is Severity.ERROR for p in hits)
    # The broken rule is left out; every other rule still works.
    assert triager is not None
    assert triager.classify("i want to die").level is Level.CRISIS
    with pytest.raises(RulesError):
        load_triager(rules_copy)


def test_broken_file_header_is_reported(rules_copy: Path) -> None:
    path = rules_copy / "crisis.yaml"
    text = path.read_text(encoding="utf-8").replace("reviewed_by: Moderator team\n", "")
    path.write_text(text.replace("review_due: 2027-11-23", "review_due: 2029-01-01"), encoding="utf-8")
    _, problems = load_rules(rules_copy)
    assert any(p.file == str(path) and p.field == "reviewed_by" for p in problems), problems


def test_review_dates_are_checked(rules_copy: Path) -> None:
    path = rules_copy / "clinician.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("review_due: 2027-11-23", "review_due: 2028-06-01"),
        encoding="utf-8",
    )
    _, problems = load_rules(rules_copy, today=date(2028, 7, 1))
    mine = [p for p in problems if p.file == str(path) and p.field == "review_due"]
    assert any("12 months" in p.message and p.severity is Severity.ERROR for p in mine)
    assert any("due" in p.message and p.severity is Severity.WARNING for p in mine)


def test_invalid_yaml_and_wrong_shape(rules_copy: Path) -> None:
    (rules_copy / "zz-broken.yaml").write_text("rules: [unclosed\n", encoding="utf-8")
    (rules_copy / "zz-list.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    triager, problems = load_rules(rules_copy)
    assert any(p.file.endswith("zz-broken.yaml") and "YAML" in p.message for p in problems)
    assert any(p.file.endswith("zz-list.yaml") and "mapping" in p.message for p in problems)
    assert triager is not None


def test_lexicon_problems(rules_copy: Path) -> None:
    path = rules_copy / "lexicon.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "    sucide: suicide\n", "    Sucide: suicide\n    chain1: kms\n"
    )
    path.write_text(text, encoding="utf-8")
    _, problems = load_rules(rules_copy)
    fields = {p.field for p in problems if p.file == str(path)}
    assert "lexicon.replace.Sucide" in fields
    assert "lexicon.replace.chain1" in fields


def test_unreachable_word_is_a_warning(rules_copy: Path) -> None:
    path = _append_rule(
        rules_copy,
        "  - {id: dead-word, level: crisis, detail: x y z, patterns: ['(wanna|want to) zebra'], "
        "examples: [want to zebra]}",
    )
    _, problems = load_rules(rules_copy)
    index = _rule_count(path) - 1
    hits = [p for p in problems if p.field == f"rules.{index}.patterns.0"]
    assert hits and all(p.severity is Severity.WARNING for p in hits)
    assert "wanna" in hits[0].message


def test_missing_directory() -> None:
    triager, problems = load_rules(Path("/nonexistent/safety"))
    assert triager is None
    assert problems and problems[0].severity is Severity.ERROR


def test_idioms_mask_only_their_words(triager: Triager) -> None:
    """An idiom hides its own words, never the rest of the message."""
    assert triager.classify("this cake is to die for").level is Level.NONE
    assert triager.classify("this cake is to die for but I want to die").level is Level.CRISIS
