"""Strip what could identify a member from a question before it is stored for moderators.

Unanswered questions are kept so moderators can write the missing answers; they need the
*question*, never who asked. Before storing, these are replaced by a bracketed placeholder:

* Discord mentions (users, roles, channels), ``@everyone``/``@here`` and ``@handles``;
* e-mail addresses and links (``http(s)://``, ``www.``, ``discord.gg/…``);
* phone numbers (7+ digits with the usual separators);
* names after "I'm", "I am", "my name is", "call me" (capitalised words after
  "I'm"/"I am", so "I'm tired" stays), and places after "from", "live in", "based in";
* dates (``12/03/1980``, ``1980-03-12``, ``12 March 1980``, ``March 12th``) and years;
* ages ("42 years old", "aged 42", "I'm 42", "42yo", a lone number between commas).

Doses and counts ("20 mg", "3 times a day") stay: they are what the question is about.
"""

from __future__ import annotations

import re

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_NAME = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"
_ANY_NAME = r"[^\W\d_][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"

# Order matters: links and e-mails before handles; dates before phone numbers and ages.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<(?:@[!&]?|#)\d+>"), "[mention]"),
    (re.compile(r"@(?:everyone|here)\b", re.I), "[mention]"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[email]"),
    (re.compile(r"(?:https?://|www\.)\S+|\b(?:discord\.gg|discord(?:app)?\.com/invite)/\S+", re.I), "[link]"),
    (re.compile(r"(?<![\w@])@[\w.]{2,32}"), "[mention]"),
    (re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"), "[date]"),
    (re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTHS})\b(?:,?\s+\d{{4}})?", re.I), "[date]"),
    (re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?", re.I), "[date]"),
    (re.compile(r"(?<![\w+])\+?\d(?:[\s().-]*\d){6,14}(?!\w)"), "[phone]"),
    (re.compile(r"\b(?:19|20)\d{2}\b(?!\s*(?:mg|mcg|ml|g|iu|units|steps|calories|kcal|%))", re.I), "[year]"),
    (re.compile(r"\b\d{1,3}\s*(?:years?|yrs?)[\s-]*old\b|\b\d{1,3}\s*y/?o\b", re.I), "[age]"),
    (re.compile(r"\b(aged?|age of)\s+\d{1,3}\b", re.I), r"\1 [age]"),
    (re.compile(r"\b(my name is|my name's|call me)\s+" + _ANY_NAME, re.I), r"\1 [name]"),
    (re.compile(r"\b((?:i'?m|i am|im)\s+)\d{1,3}\b(?!\s*(?:mg|mcg|g|ml|%|times|days|weeks|months|hours))", re.I),
     r"\1[age]"),
    (re.compile(r"\b((?:[Ii]'?m|[Ii] am|[Ii]m)\s+)" + _NAME), r"\1[name]"),
    (re.compile(r"\b((?:from|live in|living in|based in|near)\s+)" + _NAME), r"\1[place]"),
    (re.compile(r"(?<=,)\s*\d{1,3}\s*(?=,)"), " [age]"),
]
_SPACES = re.compile(r"[ \t]{2,}")


def redact(text: str) -> str:
    """The question with identifying details replaced (idempotent: redacting twice changes nothing)."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()
