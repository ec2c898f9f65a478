"""The rules' precision guards and the means-and-overdose rule, tested both ways.

Why: a guard that stops a false alarm can also hide a crisis. Each guard below is tested on the
ordinary messages it must stop flagging and on close crisis wordings it must still catch (the
idiom next to another crisis signal, the same words without the ordinary request). The means rule
is tested the same way: a quantity of a medicine with intent is crisis even though it also reads
as a dose question, and a plain question about a safe maximum stays with the pharmacist.
These run on the rules alone: the rules are the floor the semantic layer can only add to.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.care.triage import Level, Triager, load_triager

RULES = Path(__file__).resolve().parents[2] / "content" / "safety"


@pytest.fixture(scope="module")
def triager() -> Triager:
    return load_triager(RULES)


def _level(triager: Triager, text: str) -> Level:
    return triager.classify(text).level


# -- clinician rules: a report of a change, or "stop forgetting", is not a question -----------

@pytest.mark.parametrize("text", [
    "the rheumy increased my dose in october and honestly its taken the edge off",
    "my doctor lowered my dose of duloxetine and the sweating has calmed down",
    "pain clinic weaned me off tramadol last year, best thing i did",
    "my dosage was reduced after the liver test came back fine, feel the same tbh",
    "bought one of those weekly pill boxes for my tablets so i stop mixing up the days",
    "set an alarm on my phone for my meds so i stop forgetting the evening ones",
    "what are the usual side effects of amitriptyline",
])
def test_reports_and_routines_are_not_clinician_questions(triager: Triager, text: str) -> None:
    assert _level(triager, text) is Level.NONE, triager.matches(text)


@pytest.mark.parametrize("text", [
    "my gp increased my dose but can i take an extra tablet on flare days",
    "the consultant upped my pregabalin and now im so dizzy, is this normal",
    "can i stop taking my duloxetine if i feel better",
    "thinking of stopping my amitriptyline, what happens",
    "should i go back to my old dose, the new one makes me groggy",
    "since starting naproxen my stomach burns after every meal",
    "what are the side effects of sertraline, i started it monday and cant sleep",
    "how many ibuprofen is too many in a day",
    "the gp upped my dose but i want to come off it completely",
])
def test_personal_medicine_questions_stay_clinician(triager: Triager, text: str) -> None:
    assert _level(triager, text) is Level.CLINICIAN, triager.matches(text)


# -- crisis idiom guards: narrow, and never over another crisis signal ------------------------

@pytest.mark.parametrize("text", [
    "receptionist put me on hold for 40 mins. kill me now lol. anyway has anyone tried the tens machine",
    "end of my tether with this hip, any advice on sleeping positions",
    "at the end of my rope with these spasms, what helps you lot",
    "no way out of hosting boxing day so im pacing all week",
    "i feel like a nuisance at work when i take my stretch breaks, how do i raise it",
    "could sleep forever after that hospital stay, the ward was so loud",
    "hopeless about ever getting a referral in this area tbh, waiting lists are mad",
])
def test_idioms_followed_by_ordinary_talk_are_not_crisis(triager: Triager, text: str) -> None:
    assert _level(triager, text) is Level.NONE, triager.matches(text)


@pytest.mark.parametrize("text", [
    "kill me now",
    "please just kill me now, the pain is unbearable",
    "kill me now lol no honestly i want to die",
    "end of my rope with this pain",
    "at the end of my tether with this back, i cant go on like this anymore",
    "theres no way out of this pain",
    "no way out of doing this forever and i dont want to be here",
    "i feel like a burden to my husband",
    "burden at work when i need breaks and at home everyone would be better off without me",
    "i just want to sleep forever",
    "hopeless about ever getting a diagnosis and honestly whats the point of living",
    "i feel hopeless",
    "theres no way out of going on like this",
    "no way out of seeing another year like this",
    "kill me now lol everyone would be better off",
])
def test_close_crisis_wordings_are_still_crisis(triager: Triager, text: str) -> None:
    assert _level(triager, text) is Level.CRISIS, triager.matches(text)


# -- means and overdose intent -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "would 25 of my co codamol do it",
    "would the whole lot of my zopiclone do it",
    "if i take all of my tramadol would that be enough",
    "reckon 60 amitriptyline would do the job",
    "is a box of paracetamol enough to not wake up",
    "how many zopiclone would be enough to stop everything",
    "how much tramadol so that it cant be undone",
    "swallowed the lot of my sleeping tablets on purpose",
    "i took too many pills deliberately and now im scared",
    "deliberately took all my gabapentin tonight",
    "took loads of my amitriptyline earlier, i meant to",
    "ive got weeks of pregabalin stashed away for a bad night",
    "how much pregabalin would kill me",
    "can you overdose on co codamol by accident, asking because i want to",
    "hoping i drift off for good tonight",
    "been hitting my thighs with my fists till they bruise",
    "scratching my arms until they bleed again, its the only thing that helps",
    "burnt myself with the lighter on purpose after the appointment",
])
def test_means_and_intent_are_crisis(triager: Triager, text: str) -> None:
    found = triager.classify(text)
    assert found.level is Level.CRISIS, triager.matches(text)


def test_means_intent_outranks_the_dose_rules(triager: Triager) -> None:
    text = "how many of my pregabalin capsules would be enough to stop everything"
    levels = [t.level for t in triager.matches(text)]
    assert Level.CLINICIAN in levels  # it reads as a dose question too
    assert triager.classify(text).level is Level.CRISIS
    assert triager.classify(text).rule == "means-intent"


@pytest.mark.parametrize("text", [
    "whats the maximum dose of naproxen in a day",
    "is 40mg of amitriptyline a normal dose",
    "is 300mg of gabapentin enough to help with nerve pain",
    "is it easy to accidentally overdose on paracetamol, i dont want to hurt my liver",
    "can you overdose on co codamol by accident, i need to be careful as i take it daily",
    "at what point is it an overdose with ibuprofen, i want to be careful as i take it daily",
])
def test_plain_dose_safety_questions_stay_clinician(triager: Triager, text: str) -> None:
    assert _level(triager, text) is Level.CLINICIAN, triager.matches(text)


@pytest.mark.parametrize("text", [
    "i banged my arm on the door so hard it bruised",
    "scratched my hand on the rose bush till it bled",
    "got a month of tablets set aside for when we go to spain",
    "burnt myself on the grill pan making tea",
    "are my painkillers strong enough to kill off the nerve pain",
    "months worth of pregabalin stored up because of the shortage",
    "the tablets are enough to stop everything aching for a few hours",
    "i pinch myself until it hurts to check im not dreaming lol",
    "would two co codamol be enough for a migraine or should i add ibuprofen",
    "i take my tablets late on purpose so they cover the night",
    "will one ibuprofen do the job for this headache or do i need two",
    "would paracetamol do it or is it better to get ibuprofen",
    "will a couple of co codamol do the trick tonight",
    "i took all my tablets to the chemist on purpose so she could go through them",
])
def test_accidents_and_travel_supplies_are_not_crisis(triager: Triager, text: str) -> None:
    assert _level(triager, text) is not Level.CRISIS, triager.matches(text)


def test_a_safety_guard_never_hides_another_crisis_phrase(triager: Triager) -> None:
    text = "at what point is it an overdose on tramadol, i want to be careful. i want to die"
    assert triager.classify(text).level is Level.CRISIS
