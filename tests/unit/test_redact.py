"""What identifies a member is stripped from an unanswered question before it is stored."""

from __future__ import annotations

import pytest

from bot.faq.redact import redact

CASES = [
    ("I'm Sarah Jones, 42, from Leeds, my tremor is worse", ["Sarah", "Jones", "42", "Leeds"], "tremor is worse"),
    ("my name is bob smith and my back hurts at night", ["bob", "smith"], "back hurts at night"),
    ("email me at sarah.j+fibro@example.co.uk about flares", ["sarah", "example"], "about flares"),
    ("call 07700 900123 or +44 20 7946 0958 if pacing works", ["07700", "900123", "7946"], "pacing works"),
    ("ask <@123456789012345678> or <@&222> in <#333> about fog", ["123456789012345678", "222", "333"], "fog"),
    ("hey @everyone and @sarah_j is tai chi good", ["@everyone", "sarah_j"], "tai chi good"),
    ("I am 42 years old, born 12/03/1984, diagnosed 2019-05-02", ["42", "1984", "2019"], "diagnosed"),
    ("diagnosed on 3rd March 2019 aged 35, is it fibro", ["March", "2019", "35"], "is it fibro"),
    ("see https://example.com/me and www.mysite.org and discord.gg/abc", ["example.com", "mysite", "abc"], "see"),
    ("im 29 and I live in Bristol, does heat help", ["29", "Bristol"], "does heat help"),
]


@pytest.mark.parametrize(("text", "gone", "kept"), CASES)
def test_identifying_details_are_removed_and_the_question_kept(text: str, gone: list[str], kept: str) -> None:
    cleaned = redact(text)
    for item in gone:
        assert item not in cleaned, (item, cleaned)
    assert kept in cleaned
    assert redact(cleaned) == cleaned  # idempotent: stored text can be redacted again safely


@pytest.mark.parametrize("text", [
    "does amitriptyline 10 mg help sleep",
    "I'm tired all the time, is that fibro",
    "is 3 times a day too much walking",
    "what is pacing",
    "this is really painful, is it normal",
    "is 2000 mg of paracetamol a day ok",
    "I walk 2000 steps on a good day",
])
def test_health_details_that_identify_no_one_stay(text: str) -> None:
    assert redact(text) == text
