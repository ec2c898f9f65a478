"""Custom-id codecs: every kind builds ids its own family parses back to the same value, and
hand-made ids (full-width or other scripts' digits, signs, huge numbers, missing or extra fields)
parse to None, never to an exception or a half-read value."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.care.buttons import CARE_IDS
from bot.checkins.buttons import AGREE, BARE, CHECKIN_IDS, Agree
from bot.customid import (
    SLUG,
    Checked,
    ClockTime,
    Day,
    Family,
    Field,
    Flag,
    Int,
    Kind,
    Marker,
    Maybe,
    OneOf,
    Pattern,
    TooLong,
)
from bot.faq.buttons import FAQ_IDS, OPEN, VOTE, Vote
from bot.moderation.buttons import AGAIN, APPROVE, MODERATION_IDS, SIGN_OFF, Again, Approve
from bot.privacy import MYDATA_IDS
from bot.ui import CUSTOM_ID_MAX
from bot.watch.buttons import ALERT_ACTION, WATCH_IDS, AlertAction

FAMILIES: list[Family] = [FAQ_IDS, CARE_IDS, CHECKIN_IDS, MODERATION_IDS, WATCH_IDS, MYDATA_IDS]
KINDS = [kind for family in FAMILIES for kind in family.kinds]
ZONES = ["UTC", "Europe/London", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Pacific/Kiritimati",
         "America/Port-au-Prince"]
ROOT = Path(__file__).resolve().parents[2]


def values_of(field: Field[Any]) -> st.SearchStrategy[Any]:
    """Every value a field may carry (what the bot itself could put in an id)."""
    if isinstance(field, Int):
        return st.integers(field.lo, field.hi)
    if isinstance(field, OneOf):
        return st.sampled_from(sorted(field.words))
    if isinstance(field, Flag | Marker):
        return st.booleans()
    if isinstance(field, Pattern):
        return st.from_regex(field.regex, fullmatch=True).filter(lambda s: len(s) <= field.most)
    if isinstance(field, Maybe):
        return st.none() | values_of(field.inner)
    if isinstance(field, ClockTime):
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if isinstance(field, Day):
        return st.dates(date(1, 1, 1), date(9999, 12, 31))
    if isinstance(field, Checked):
        return st.sampled_from(ZONES)
    raise AssertionError(f"no strategy for {field!r}: add one so its kind is round-tripped")


def kind_values(kind: Kind[Any]) -> st.SearchStrategy[Any]:
    fields = {name: values_of(field) for name, field in kind.segments if field is not None}
    return st.fixed_dictionaries(fields).map(lambda kw: kind.cls(**kw))


@pytest.mark.parametrize("kind", KINDS, ids=[k.template for k in KINDS])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_kind_round_trips_through_its_family(kind: Kind[Any], data: st.DataObject) -> None:
    value = data.draw(kind_values(kind))
    try:
        custom_id = kind.build(value)
    except TooLong:
        assume(False)  # an 80-character slug in a two-slug id: the builder refuses, loudly
        raise
    assert len(custom_id) <= CUSTOM_ID_MAX and custom_id.isascii()
    family = next(f for f in FAMILIES if f.prefix == kind.prefix)
    assert family.parse(custom_id) == value  # and no other kind of the family claims it first
    for other in FAMILIES:
        if other is not family:
            assert other.parse(custom_id) is None


def test_every_family_has_its_own_prefix_and_an_expired_reply() -> None:
    assert len({f.prefix for f in FAMILIES}) == len(FAMILIES)
    for family in FAMILIES:
        assert "expired" in family.expired or "no longer" in family.expired


def test_the_issue_examples() -> None:
    """``ci:agree:UTC:9999`` used to raise ValueError; full-width digits read as ASCII."""
    assert CHECKIN_IDS.parse("ci:agree:UTC:9999") is None
    assert CHECKIN_IDS.parse("ci:agree:UTC:２４００") is None
    assert CHECKIN_IDS.parse("ci:agree:UTC:０８００") == Agree("UTC", "08:00")
    assert CHECKIN_IDS.parse("ci:agree:UTC:-") == Agree("UTC", None)
    assert CHECKIN_IDS.parse("ci:agree:europe/london:0800") == Agree("Europe/London", "08:00")
    assert CHECKIN_IDS.parse("ci:agree:Mars/Olympus:0800") is None
    assert AGREE.build(Agree("Europe/London", "20:30")) == "ci:agree:Europe/London:2030"
    assert WATCH_IDS.parse("watch:claim:𝟙２") == AlertAction("claim", 12)  # compatibility digits fold
    assert WATCH_IDS.parse("watch:claim:١٢") is None  # other scripts' digits do not


@pytest.mark.parametrize("custom_id", [
    "", ":", "faq", "faq:", "faq:open", "faq:open:", "faq:open:Pacing", "faq:open:pacing:extra",
    "faq:open:../etc", "faq:vote:sideways:pacing", "faq:vote:up", "faq:vote:up:pacing:x",
    "watch:claim:-1", "watch:claim:0", "watch:claim:+1", "watch:claim:1_000", "watch:claim: 1",
    "watch:claim:1.0", "watch:claim:" + "9" * 30, "watch:claim:" + "9" * 5000, "watch:claim:٣",
    "watch:claim:9223372036854775808", "watch:steal:1", "watch:claim:1:2",
    "mod:approve:1:unsigned", "mod:approve:1:signed:x", "mod:approve", "mod:approve:x",
    "mod:open:new:99", "mod:open:new:-1", "mod:open:edit:k", "mod:hist:-1:pacing", "mod:hist:0:",
    "mod:again:old:k", "mod:again:edit:k:pacing:x", "mod:so:pacing:XYZ", "mod:walk:", "mod:walk:--",
    "ci:bare:2025-02-30", "ci:bare:2025-6-1", "ci:bare:２０２５-０６-０１x", "ci:bare:", "ci:bare",
    "ci:agree:UTC", "ci:agree:UTC:08:00", "ci:agree::0800", "ci:agree:UTC:800", "ci:agree:UTC:08000",
    "ci:keep:now", "ci:KEEP", "care:alert:1", "care:", "mydata:delete", "mydata:confirm:yes",
    "mydata:", "faq:open:" + "a" * 200, "\x00", "faq:open:pacing\x00",
])
def test_hand_made_ids_parse_to_nothing(custom_id: str) -> None:
    for family in FAMILIES:
        assert family.parse(custom_id) is None, (family.prefix, custom_id)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=160))
def test_random_text_never_raises(custom_id: str) -> None:
    for family in FAMILIES:
        value = family.parse(custom_id)
        if value is not None:  # then it must be exactly what that family would build
            kind = next(k for k in family.kinds if k.parse(custom_id) is not None)
            assert dataclasses.is_dataclass(value) and kind.parse(kind.build(value)) == value


def test_builders_refuse_values_no_parse_would_give_back() -> None:
    with pytest.raises(ValueError):
        VOTE.build(Vote(True, "Not A Slug"))
    with pytest.raises(ValueError):
        ALERT_ACTION.build(AlertAction("claim", 0))
    with pytest.raises(ValueError):
        ALERT_ACTION.build(AlertAction("steal", 1))
    with pytest.raises(ValueError):
        AGREE.build(Agree("europe/london", None))  # zones travel in their canonical spelling
    with pytest.raises(ValueError):
        AGREE.build(Agree("UTC", "25:00"))
    with pytest.raises(ValueError):
        OPEN("x" * 81)  # longer than any entry id
    with pytest.raises(TooLong):
        SIGN_OFF("a" * 80, "f" * 64)
    with pytest.raises(TypeError):
        APPROVE.build(Again("new", "k", None))  # type: ignore[arg-type]


def test_optional_trailing_fields() -> None:
    assert APPROVE(7, False) == "mod:approve:7" and APPROVE(7, True) == "mod:approve:7:signed"
    assert MODERATION_IDS.parse("mod:approve:7") == Approve(7, False)
    assert AGAIN("edit", "k", None) == "mod:again:edit:k"
    assert MODERATION_IDS.parse("mod:again:edit:k:pacing") == Again("edit", "k", "pacing")
    assert BARE.parse("ci:bare:2026-11-23") is not None and SLUG.parse("pacing-tips") == "pacing-tips"


def test_templates_are_checked_when_declared() -> None:
    with pytest.raises(ValueError):
        Kind(Vote, "faq:vote:{helpful}", helpful=Flag("up", "down"))  # a dataclass field missing
    with pytest.raises(ValueError):
        Kind(Approve, "mod:approve:{signed}:{rev}", rev=Int(), signed=Marker("signed"))  # optional not last
    with pytest.raises(ValueError):
        Family("faq", [APPROVE], "expired")  # another feature's kind


def test_no_custom_id_is_built_outside_a_codec() -> None:
    """Every id literal of a routed prefix lives in a codec's template, nowhere else in bot/."""
    prefixes = "|".join(re.escape(f.prefix) for f in FAMILIES)
    literal = re.compile(rf"""["'](?:{prefixes}):(?=\S)""")
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name == "customid.py":
            continue  # the codec itself, and its docstring's example
        if path.name in {"buttons.py", "privacy.py"}:
            text = "\n".join(line for line in path.read_text("utf-8").splitlines() if "Kind(" not in line)
        else:
            text = path.read_text("utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in literal.finditer(text)]
    assert offenders == []
