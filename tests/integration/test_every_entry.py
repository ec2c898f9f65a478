"""Every vetted entry answers its own question through ``supportbot ask`` (the same code)."""

from __future__ import annotations

import json

from tests.conftest import CONTENT
from tests.integration.test_cli import supportbot

SECTION_10 = """what-is-fibromyalgia is-fibromyalgia-real how-common who-gets-it main-symptoms fibro-fog
is-it-damaging flares how-diagnosed tender-points-now acr-criteria-explained tests-and-scans
self-test-questionnaires fibro-plus-other-conditions diagnosis-delay what-causes-it central-sensitisation
family-genetics triggers oxygen-deprivation-claim treatment-overview exercise-first starting-exercise cbt-act
medications-overview fda-approved-drugs uk-vs-us-guidance opioids amitriptyline-low-dose tai-chi-yoga acupuncture
massage-chiropractic mind-body-prt-eaet pain-education is-there-a-cure pacing sleep-habits flare-plan
symptom-diary back-pain-in-fibro back-pain-self-care heat-for-back-pain back-red-flags cauda-equina
back-acupuncture-guidance mood-and-pain explaining-to-others support-groups when-to-see-gp rheumatologist
physio-ot psychologist pain-clinic prepare-appointment judging-health-info suicidal-thoughts crisis-lines
emergency-numbers helping-someone about-this-bot""".split()


def test_every_topic_of_the_brief_has_an_entry_that_answers_its_own_question() -> None:
    from bot.faq.loader import load_entries

    entries = load_entries(CONTENT).entries
    assert len(SECTION_10) == 60 and set(SECTION_10) <= set(entries)
    questions = "\n".join(entries[i].question for i in SECTION_10) + "\n"
    out = supportbot("ask", "--json", "-", stdin=questions, env={"CONTENT_DIR": str(CONTENT)})
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    # Typed word for word, a crisis entry's question is still free text and gets the crisis reply
    # (nothing skips the screen); picked by id, every entry answers with itself.
    screened = {"suicidal-thoughts", "crisis-lines", "helping-someone"}
    for answer, entry_id in zip(answers, SECTION_10, strict=True):
        if entry_id in screened:
            assert answer["kind"] == "safety" and answer["level"] == "crisis", (entry_id, answer)
        else:
            assert answer.get("id") == entry_id, (entry_id, answer)
    picked = supportbot("ask", "--json", "-", stdin="\n".join(SECTION_10) + "\n", env={"CONTENT_DIR": str(CONTENT)})
    assert [json.loads(line).get("id") for line in picked.stdout.splitlines()] == SECTION_10
