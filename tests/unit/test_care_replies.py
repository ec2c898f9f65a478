"""Rendered care replies: the right numbers for each country, safe wording, Discord limits."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.care.replies import (
    ALERT_ID,
    ALERT_LABEL,
    NOT_A_COUNSELLOR,
    clinician_reply,
    crisis_reply,
    gentle_reply,
    help_now_reply,
    helping_reply,
    urgent_reply,
)
from bot.care.resources import Contact, Directory, Resources, Service, load_directory
from bot.care.triage import Level, Triage, load_triager
from bot.ui import (
    BUTTON_LABEL_MAX,
    CUSTOM_ID_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELD_NAME_MAX,
    EMBED_FIELD_VALUE_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    Colour,
    Reply,
)

ROOT = Path(__file__).resolve().parents[2]

# For each country: numbers that must appear in the crisis reply, and numbers that must not
# (another country's lines, or the UK's non-emergency 111 shown as if it were an emergency).
COUNTRIES = {
    "US": (["988", "988lifeline.org", "911"], ["999", "116 123", "000", "111", "1737"]),
    "CA": (["9-8-8", "911"], ["999", "116 123", "000", "111", "988lifeline"]),
    "GB": (["116 123", "999", "Samaritans"], ["911", "000", "111", "1737", "988"]),
    "IE": (["116 123", "112", "999"], ["911", "000", "111", "988"]),
    "AU": (["13 11 14", "0477 13 11 14", "000"], ["999", "911", "116 123", "111", "988"]),
    "NZ": (["1737", "111"], ["999", "911", "116 123", "000", "988"]),
    None: (
        ["988", "9-8-8", "116 123", "13 11 14", "1737", "999 in the United Kingdom", "111 in New Zealand"],
        ["NHS"],
    ),
}

# Safe messaging: never a method, means or lethality word, never stigmatising or secretive phrasing.
METHOD_WORDS = re.compile(
    r"\b(pills?|tablets?|overdose|doses?|medicines?|medications?|hang\w*|rope|jump\w*|bridges?|guns?|"
    r"firearms?|knife|knives|blades?|razors?|cut\w*|poison\w*|lethal|fatal|drown\w*|trains?|methods?|ligature)\b",
    re.IGNORECASE,
)
UNSAFE_PHRASES = [
    "committed suicide",
    "commit suicide",
    "successful attempt",
    "failed attempt",
    "secret",
    "between us",
    "won't tell",
    "promise",
    "you should be",
    "calm down",
]
REASSURANCE = ["nothing to worry", "probably fine", "don't worry", "not serious", "just a", "you have "]


def _number(text: str, number: str) -> bool:
    """``number`` appears as a whole number, not inside a longer one."""
    return re.search(rf"(?<![\d-]){re.escape(number)}(?![\d-])", text) is not None


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded, problems = load_directory(ROOT / "content" / "resources")
    assert problems == []
    return loaded


def _assert_within_discord_limits(reply: Reply) -> None:
    for card in reply.cards:
        assert len(card.title or "") <= EMBED_TITLE_MAX
        assert len(card.description or "") <= EMBED_DESCRIPTION_MAX
        assert len(card.fields) <= EMBED_FIELDS_MAX
        for f in card.fields:
            assert 0 < len(f.name) <= EMBED_FIELD_NAME_MAX
            assert 0 < len(f.value) <= EMBED_FIELD_VALUE_MAX
        assert card.char_count() <= EMBED_TOTAL_MAX
    for button in reply.buttons:
        assert len(button.label) <= BUTTON_LABEL_MAX
        assert button.custom_id is None or len(button.custom_id) <= CUSTOM_ID_MAX


def _assert_safe(text: str) -> None:
    assert not METHOD_WORDS.search(text), METHOD_WORDS.search(text)
    lowered = text.lower()
    for phrase in UNSAFE_PHRASES:
        assert phrase not in lowered, phrase


# -------------------------------------------------------------------------------------------
# Crisis
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(COUNTRIES), ids=lambda c: c or "unknown")
def test_crisis_reply_per_country(directory: Directory, code: str | None) -> None:
    reply = crisis_reply(directory.for_country(code), can_alert=True)
    text = reply.all_text()
    present, absent = COUNTRIES[code]
    for item in present:
        assert item in text, item
    for item in absent:
        assert (not _number(text, item)) if item[0].isdigit() else item not in text, item
    assert NOT_A_COUNSELLOR in text
    assert NOT_A_COUNSELLOR == "I'm an automated bot, not a counsellor; the people on these lines are real."
    assert "findahelpline.com" in text
    assert "Are you safe right now?" in text
    assert "Thank you for telling me" in text
    assert "someone you trust" in text
    assert reply.ephemeral is True
    assert reply.cards[0].colour is Colour.CRISIS
    _assert_safe(text)
    _assert_within_discord_limits(reply)


def test_gb_crisis_reply_never_presents_111(directory: Directory) -> None:
    text = crisis_reply(directory.for_country("GB"), can_alert=True).all_text()
    assert _number(text, "999")
    assert not _number(text, "111")
    assert "NHS 111" not in text


def test_crisis_reply_offers_a_moderator(directory: Directory) -> None:
    reply = crisis_reply(directory.for_country("GB"), can_alert=True)
    assert [(b.label, b.custom_id) for b in reply.buttons] == [(ALERT_LABEL, ALERT_ID)]
    assert "press the button below" in reply.all_text()


def test_without_an_alert_channel_every_crisis_reply_says_to_message_a_moderator(directory: Directory) -> None:
    """/help-now, a crisis in /faq or a note, and a crisis about someone else make the same
    choice: no button that could only say nothing was passed on, and the plain way instead."""
    from bot.care.replies import ALERT_ELSEWHERE, helping_reply, reply_for

    resources = directory.for_country("GB")
    helper = Triage(Level.CRISIS, None, "helping-someone")
    replies = [
        help_now_reply(resources, can_alert=False),
        crisis_reply(resources, can_alert=False),
        helping_reply(resources, "How can I help someone?", can_alert=False),
        reply_for(Triage(Level.CRISIS, "wish-to-die"), resources, lambda _: None, can_alert=False),
        reply_for(helper, resources, lambda _: "How can I help someone?", can_alert=False),
    ]
    for reply in replies:
        assert reply is not None
        assert ALERT_ID not in [b.custom_id for b in reply.buttons]
        assert ALERT_ELSEWHERE in reply.all_text()
        assert "press the button" not in reply.all_text()


def test_emergency_sentence_is_not_nested_bold(directory: Directory) -> None:
    """Discord cannot nest bold: "**call **999** now**" would render with stray asterisks."""
    for code in COUNTRIES:
        for reply in (crisis_reply(directory.for_country(code), can_alert=True), help_now_reply(directory.for_country(code), can_alert=True)):
            description = reply.cards[0].description or ""
            (line,) = [x for x in description.splitlines() if x.startswith("**If you are in danger")]
            assert line.count("**") == 2, line


def test_crisis_reply_for_every_crisis_case(directory: Directory) -> None:
    """Whatever triggered it, the crisis reply is the same safe text (it never echoes the member)."""
    triager = load_triager(ROOT / "content" / "safety")
    assert triager.classify("I took too many pills").level is Level.CRISIS
    text = crisis_reply(directory.for_country("AU"), can_alert=True).all_text()
    assert "pills" not in text.lower()


# -------------------------------------------------------------------------------------------
# /help-now
# -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(COUNTRIES), ids=lambda c: c or "unknown")
def test_help_now_reply(directory: Directory, code: str | None) -> None:
    reply = help_now_reply(directory.for_country(code), can_alert=True)
    text = reply.all_text()
    present, _ = COUNTRIES[code]
    for item in present:
        assert item in text, item
    assert reply.ephemeral is True
    assert [(b.label, b.custom_id) for b in reply.buttons] == [
        ("Let a moderator know I'd like support", "care:alert")
    ]
    assert NOT_A_COUNSELLOR in text
    _assert_safe(text)
    _assert_within_discord_limits(reply)


def test_help_now_shows_emergency_number_as_a_field(directory: Directory) -> None:
    fields = {f.name: f.value for f in help_now_reply(directory.for_country("NZ"), can_alert=True).cards[0].fields}
    assert fields["Emergency · New Zealand"] == "Call **111**"
    fields = {f.name: f.value for f in help_now_reply(directory.for_country("IE"), can_alert=True).cards[0].fields}
    assert fields["Emergency · Ireland"] == "Call **112** or **999**"


# -------------------------------------------------------------------------------------------
# Urgent (red flags)
# -------------------------------------------------------------------------------------------

SADDLE = Triage(Level.URGENT, "saddle-numbness", "emergency", "numbness around the groin or buttocks")
FEVER = Triage(Level.URGENT, "fever", "same-day", "a fever with back pain")


@pytest.mark.parametrize("topic", ["emergency", "same-day"])
def test_a_semantic_red_flag_says_what_the_message_may_describe_never_what_it_mentions(
    directory: Directory, topic: str
) -> None:
    """The semantic layer found the message close to a family, not the family's words in it: a
    member who wrote about punching their legs must not be told they mentioned groin numbness."""
    near = Triage(Level.URGENT, None, topic, "numbness around the groin or buttocks",
                  layer="semantic", confidence=0.4, family="saddle-numbness")
    text = urgent_reply(near, directory.for_country("GB")).all_text()
    assert "mentions" not in text
    assert "may describe **numbness around the groin or buttocks**" in text
    ruled = Triage(Level.URGENT, "saddle-numbness", topic, "numbness around the groin or buttocks", layer="rule")
    assert "Your message mentions **numbness around the groin or buttocks**" in urgent_reply(
        ruled, directory.for_country("GB")).all_text()


def test_urgent_emergency_gb(directory: Directory) -> None:
    reply = urgent_reply(SADDLE, directory.for_country("GB"))
    text = reply.all_text()
    assert "numbness around the groin or buttocks" in text
    assert _number(text, "999") and "A&E" in text
    assert not _number(text, "111")
    assert "now" in text.lower()
    assert reply.ephemeral is True and reply.cards[0].colour is Colour.URGENT
    _assert_within_discord_limits(reply)


def test_urgent_same_day_gb_names_nhs_111_as_non_emergency(directory: Directory) -> None:
    text = urgent_reply(FEVER, directory.for_country("GB")).all_text()
    assert "a fever with back pain" in text
    assert "today" in text and "GP" in text
    assert "NHS 111" in text and "not for emergencies" in text
    assert _number(text, "999")
    # 111 is only ever offered in the same sentence as "not for emergencies".
    for line in text.splitlines():
        if _number(line, "111"):
            assert "not for emergencies" in line


@pytest.mark.parametrize(
    ("code", "number", "place"),
    [
        ("US", "911", "emergency room"),
        ("CA", "911", "emergency department"),
        ("IE", "112", "A&E"),
        ("AU", "000", "emergency department"),
        ("NZ", "111", "emergency department"),
    ],
)
def test_urgent_emergency_per_country(directory: Directory, code: str, number: str, place: str) -> None:
    text = urgent_reply(SADDLE, directory.for_country(code)).all_text()
    assert _number(text, number) and place in text
    assert "NHS" not in text


def test_urgent_same_day_elsewhere_points_to_urgent_care(directory: Directory) -> None:
    text = urgent_reply(FEVER, directory.for_country("AU")).all_text()
    assert "urgent care" in text and _number(text, "000")
    assert "NHS" not in text and not _number(text, "111")


def test_urgent_unknown_country(directory: Directory) -> None:
    text = urgent_reply(SADDLE, directory.for_country(None)).all_text()
    assert "local emergency number" in text
    assert "999 in the United Kingdom" in text and "111 in New Zealand" in text


@pytest.mark.parametrize("triage", [SADDLE, FEVER, Triage(Level.URGENT, "x", "emergency", None)])
def test_urgent_never_reassures_or_diagnoses(directory: Directory, triage: Triage) -> None:
    text = urgent_reply(triage, directory.for_country("GB")).all_text().lower()
    for phrase in REASSURANCE:
        assert phrase not in text, phrase
    assert "cauda equina" not in text


# -------------------------------------------------------------------------------------------
# Clinician
# -------------------------------------------------------------------------------------------


def test_clinician_reply_with_related_entry() -> None:
    triage = Triage(Level.CLINICIAN, "medicine-doses", "amitriptyline-low-dose", "medicine doses")
    reply = clinician_reply(triage, "What is low-dose amitriptyline for?")
    text = reply.all_text()
    assert "medicine doses" in text
    assert "pharmacist" in text and "prescriber" in text
    assert "linked below" in text and "What is low-dose amitriptyline for?" in text
    assert reply.ephemeral is True and reply.cards[0].colour is Colour.CARE
    assert reply.buttons == []  # the caller adds the FAQ button
    _assert_within_discord_limits(reply)


def test_clinician_reply_without_related_entry() -> None:
    triage = Triage(Level.CLINICIAN, "medicines-in-pregnancy", None, "medicines during pregnancy")
    text = clinician_reply(triage, None).all_text()
    assert "linked below" not in text
    assert "medicines during pregnancy" in text


def test_semantic_clinician_replies_read_well_for_every_family_and_claim_no_words() -> None:
    """The semantic layer's families name "a question about a medicine dose": the reply says the
    message may be that, never "Questions about a question about ..."; the rules' details are
    noun phrases the member's words matched, and keep "Questions about ..."."""
    from bot.care.semantic import load_exemplars

    exemplars, problems = load_exemplars(ROOT / "content" / "safety" / "exemplars")
    assert not problems
    families = {(e.topic, e.detail) for e in exemplars if e.level is Level.CLINICIAN and e.detail}
    assert len(families) >= 5
    for topic, detail in families:
        near = Triage(Level.CLINICIAN, None, topic, detail, layer="semantic", confidence=0.3)
        text = clinician_reply(near, None).all_text()
        assert f"This sounds like it may be **{detail}**. Questions like this " in text
        assert "about a question" not in text.replace(f"**{detail}**", "")
        assert "Questions about **" not in text


def test_clinician_reply_for_diagnosis_questions() -> None:
    triage = Triage(Level.CLINICIAN, "do-i-have", "how-diagnosed", "whether you might have a condition")
    text = clinician_reply(triage, "How is fibromyalgia diagnosed?").all_text()
    assert "diagnose" in text and "GP" in text
    assert "combine any medicine" not in text


# -------------------------------------------------------------------------------------------
# Limits with oversized data
# -------------------------------------------------------------------------------------------


def _big_service(i: int) -> Service:
    contacts = [Contact(method="call", value=f"0800 {i:03d} {j:03d}", note="x" * 120) for j in range(12)]
    return Service(
        name=f"Line {i} " + "y" * 100,
        kind="crisis",
        contacts=contacts,
        hours="24/7 " + "z" * 100,
        url="https://example.org/",
        last_verified=date(2026, 11, 23),
    )


def test_replies_stay_within_discord_limits_with_huge_entries() -> None:
    services = tuple(_big_service(i) for i in range(30))
    country = Resources("GB", "Somewhere " * 20, services, ("999",), (), services[:3])
    fallback = Resources(None, "International", (), (), (), services[:3], others=(country,) * 30)
    for res in (country, fallback):
        for reply in (
            crisis_reply(res, can_alert=True),
            help_now_reply(res, can_alert=True),
            urgent_reply(SADDLE, res),
            urgent_reply(FEVER, res),
        ):
            _assert_within_discord_limits(reply)
    long_detail = Triage(Level.CLINICIAN, "x", None, "d" * 5000)
    _assert_within_discord_limits(clinician_reply(long_detail, "t" * 5000))


def test_one_choice_of_care_reply_for_every_level(directory: Directory) -> None:
    """``reply_for`` is the only place a triage result becomes a reply (``/faq``, forms, notes,
    channel watch and ``supportbot ask`` all go through it)."""
    from bot.care.replies import gentle_reply, helping_reply, reply_for
    from bot.faq.buttons import FAQ_IDS, OpenEntry

    resources = directory.for_country("GB")
    titles = {"helping-someone": "How can I help someone?", "amitriptyline-low-dose": "Low-dose amitriptyline?"}
    pick = titles.get
    assert reply_for(Triage(Level.NONE), resources, pick, can_alert=True) is None
    assert reply_for(Triage(Level.NONE, gentle=True), resources, pick, can_alert=True) == gentle_reply(resources)
    assert reply_for(Triage(Level.CRISIS, "wish-to-die"), resources, pick, can_alert=True) == crisis_reply(resources, can_alert=True)
    helper = Triage(Level.CRISIS, None, "helping-someone")
    assert reply_for(helper, resources, pick, can_alert=True) == helping_reply(resources, titles["helping-someone"], can_alert=True)
    assert reply_for(SADDLE, resources, pick, can_alert=True) == urgent_reply(SADDLE, resources)
    doses = Triage(Level.CLINICIAN, "medicine-doses", "amitriptyline-low-dose", "medicine doses")
    clinician = reply_for(doses, resources, pick, can_alert=True)
    assert clinician is not None and "Low-dose amitriptyline?" in clinician.all_text()
    assert [FAQ_IDS.parse(b.custom_id or "") for b in clinician.buttons] == [OpenEntry("amitriptyline-low-dose")]
    missing = reply_for(Triage(Level.CLINICIAN, "x", "not-in-pack", "d"), resources, pick, can_alert=True)
    assert missing is not None and missing.buttons == []


def test_gentle_note_without_a_country_labels_every_line_with_its_country(directory: Directory) -> None:
    """A member with no country set gets every main country's line, each saying whose it is,
    and how to see only their own: an unlabelled foreign number could be rung in vain."""
    from bot.care.replies import gentle_reply

    fallback = directory.for_country(None)
    text = gentle_reply(fallback).content
    assert fallback.others
    for country in fallback.others:
        assert country.crisis
        assert f"{country.crisis[0].name} ({country.country_name}):" in text
    assert "`/care region`" in text
    _assert_safe(text)


def test_gentle_note_for_a_known_country_shows_only_its_line(directory: Directory) -> None:
    from bot.care.replies import gentle_reply

    gb = directory.for_country("GB")
    text = gentle_reply(gb).content
    assert gb.crisis[0].name in text and "999" in text
    assert "(Australia)" not in text and "13 11 14" not in text


def test_advice_near_crisis_carries_the_members_lines(directory: Directory) -> None:
    """Urgent or clinician advice that won only just over crisis keeps its advice and adds the
    gentle note with the member's lines above it; plain advice adds nothing."""
    from bot.care.replies import reply_for

    resources = directory.for_country("GB")
    plain = Triage(Level.CLINICIAN, None, "medications-overview", "stopping a medicine")
    near = Triage(Level.CLINICIAN, None, "medications-overview", "stopping a medicine", gentle=True)
    assert reply_for(plain, resources, lambda _: None, can_alert=False).content is None
    got = reply_for(near, resources, lambda _: None, can_alert=False)
    assert got.content is not None and "harming yourself" in got.content and "116 123" in got.content
    assert got.cards and "pharmacist" in got.cards[0].description  # the advice is still there
    urgent = reply_for(Triage(Level.URGENT, None, "emergency", "x", gentle=True), resources, lambda _: None,
                       can_alert=False)
    assert urgent.content is not None and "116 123" in urgent.content and "999" in urgent.cards[0].description


@pytest.mark.parametrize(("code", "emergency"), [("DE", "call 112"), ("IN", "call your local emergency number")])
def test_every_reply_for_a_country_without_lines_gives_what_is_known_and_no_other_country(
        directory: Directory, code: str, emergency: str) -> None:
    """Germany: 112 and Find A Helpline; India: the local emergency number and Find A Helpline;
    in both, the gap is said plainly and no other country's line or number is shown."""
    resources = directory.for_country(code)
    name = resources.country_name
    replies = {
        "crisis": crisis_reply(resources, can_alert=False).all_text(),
        "help-now": help_now_reply(resources, can_alert=False).all_text(),
        "gentle": gentle_reply(resources).all_text(),
        "helping": helping_reply(resources, None, can_alert=False).all_text(),
    }
    for kind, text in replies.items():
        plain = text.replace("**", "")
        assert emergency in plain, kind
        assert "findahelpline.com" in plain, kind
        for foreign in ("Samaritans", "Lifeline", "988", "999", "911", "000", "1737"):
            assert foreign not in plain, (kind, foreign)
    assert f"I don't have vetted crisis lines in {name} yet" in replies["crisis"]
    assert f"lists lines in {name}" in replies["gentle"]
    assert replies["gentle"].replace("**", "").index(emergency) < replies["gentle"].index("Find A Helpline")
