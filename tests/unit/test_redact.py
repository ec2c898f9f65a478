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
    # Names introduced or signed in other ways than "I'm" / "my name is".
    ("Sarah Jones here, can fibro make my teeth hurt", ["Sarah", "Jones"], "can fibro make my teeth hurt"),
    ("hello everyone, Jo here, new to this. does heat help", ["Jo "], "does heat help"),
    ("hi all, this is Priya, is tai chi ok", ["Priya"], "is tai chi ok"),
    ("it's Mark, does heat help", ["Mark"], "does heat help"),
    ("my husband Tom Baker thinks its in my head, is fibro real", ["Tom", "Baker"], "is fibro real"),
    ("Dr Okafor said its fibro, what does that mean", ["Okafor"], "what does that mean"),
    ("does pacing help? Thanks, Sarah x", ["Sarah"], "does pacing help?"),
    ("does pacing help - Mel", ["Mel"], "does pacing help"),
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
    "Anyone here tried LDN?",
    "Is anyone here on pregabalin",
    "hi all, this is really hard, is it fibro",
    "It's worse at night, is that fibro",
    "my husband is supportive, what can he read",
    "Thanks everyone x",
    "Thank you Doctor",
    "New here, what is pacing",
])
def test_health_details_that_identify_no_one_stay(text: str) -> None:
    assert redact(text) == text
