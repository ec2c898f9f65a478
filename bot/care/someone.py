"""Is a crisis message about someone else? Then the helper gets the helping-someone answer.

Why: "my friend wants to kill herself" and "how do I help my son who self-harms" must get the same
answer, addressed to the person asking, with the crisis lines (which also support worried
friends and family) and the entry on helping someone. Deciding by wording alone made one phrasing
get the crisis card and another the entry.

The test runs on normalised text (lower-case words): a relation ("my friend", "my husband",
"someone in the group") together with a third person ("she", "him", "themselves"), and none of
the first-person crisis phrases ("myself", "without me", "end my life"). A message about both,
or only about the writer, gets the ordinary crisis reply: when unsure, the writer comes first.
"""

from __future__ import annotations

import re

_RELATION = re.compile(
    r"\b(?:my|our|a|her|his) (?:best )?(?:friend|friends|mate|bestie|husband|hubby|wife|partner|boyfriend|girlfriend|"
    r"fiance|fiancee|son|daughter|kid|kids|child|teen|teenager|mum|mom|mother|mam|dad|father|brother|sister|"
    r"cousin|aunt|uncle|nan|gran|grandma|grandad|grandson|granddaughter|colleague|neighbour|neighbor|flatmate|"
    r"roommate|niece|nephew|stepson|stepdaughter)\b"
    r"|\b(?:someone|somebody|a member|a person|one of the members) (?:i know|i love|close to me|in (?:my|our|this|the) "
    r"(?:group|family|server|class))\b|\bsomeone who\b|\bsomeone else\b"
)
_THIRD = re.compile(r"\b(?:he|she|they|hes|shes|theyre|him|her|them|himself|herself|themselves|themself|his)\b")
_FIRST = re.compile(
    r"\b(?:myself|without me|end my life|my own life|take my life|kill me|i want to die|i wanna die|i want to be dead"
    r"|i dont want to be here|i dont want to live|im suicidal|i feel suicidal|i am suicidal)\b"
)


_ACTS = re.compile(
    r"^ ?(?:is|isnt|was|has|hasnt|had|keeps|kept|took|has taken|wants|wanted|said|says|told|tells|tried|"
    r"cant|posted|texted|messaged|who|thinks|talks|talked|talking|mentioned|seems|might|may|could|will|wont)\b"
)


def about_someone_else(normalised: str) -> bool:
    """True when the message is about another person's crisis and not the writer's own."""
    if _FIRST.search(normalised):
        return False
    for match in _RELATION.finditer(normalised):
        if _ACTS.match(normalised[match.end():]) or _THIRD.search(normalised):
            return True
    return False
