"""Strip what could identify a member from a question before it is stored for moderators.

Unanswered questions are kept so moderators can write the missing answers; they need the
*question*, never who asked. Before storing, these are replaced by a bracketed placeholder:

* Discord mentions (users, roles, channels), ``@everyone``/``@here`` and ``@handles``;
* e-mail addresses and links (``http(s)://``, ``www.``, ``discord.gg/…``);
* phone numbers (7+ digits with the usual separators);
* names after "I'm", "I am", "my name is", "call me" (capitalised words after
  "I'm"/"I am", so "I'm tired" stays), and places after "from", "live in", "based in";
* names members introduce or sign with in other ways: "Sarah Jones here", "hi all, this is
  Sarah", a relative or clinician named after the relation ("my husband Tom", "Dr Patel"), and a
  sign-off at the end ("thanks, Sarah x", "- Sarah"). These need a capital letter, and words
  that open sentences ("Anyone here...", "Thanks everyone") are never taken for a name;
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
# Capitalised words that open sentences or greet, never a name in the patterns below.
_NOT_A_NAME = (r"(?!(?:Anyone|Anybody|Everyone|Everybody|Someone|Somebody|Nobody|Who|What|When|Where|Why|How|"
               r"Is|Are|Any|All|People|Folks|Guys|Ladies|New|Newbie|Me|Still|Not|Also|Just|Again|Back|Here|"
               r"Hi|Hey|Hello|Thanks|Thank|The|A|An|It|This|That|So|And|But|Or|My|Our|Fibro|Fibromyalgia|"
               r"Pain|Today|Tonight|Everything|Nothing|Doctor|Dr|Mods|Moderators|Lurker|Mum|Mom|Dad|Carer|"
               r"Nurse|Physio)\b)")
_RELATIONS = (r"husband|wife|partner|boyfriend|girlfriend|fianc[eé]e?|son|daughter|kid|child|mum|mom|mother|"
              r"dad|father|sister|brother|friend|mate|carer|nan|nana|gran|grandma|grandad|grandson|"
              r"granddaughter|aunt|auntie|uncle|cousin|niece|nephew|neighbour|neighbor|boss")
_SIGN_OFF = r"(?i:thanks|thank you|thx|ta|cheers|love|regards|best wishes|best|hugs)"

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
    (re.compile(r"(^|[.!?]\s+|\b(?:hi|hey|hello)\b[\s,!]*(?:all|everyone|guys|folks)?[\s,!]*)" + _NOT_A_NAME + _NAME
                + r"(\s+here\b)"), r"\1[name]\2"),
    (re.compile(r"(^|[.!?]\s+|\b(?:hi|hey|hello)\b[\s,!]*(?:all|everyone|guys|folks)?[\s,!]*)((?:[Tt]his is|[Ii]t'?s)\s+)"
                + _NOT_A_NAME + _NAME + r"(?=\s*(?:[,.!?]|$|here\b|and\b))"), r"\1\2[name]"),
    (re.compile(rf"\b((?:my|our)\s+(?:{_RELATIONS})\s+)" + _NOT_A_NAME + _NAME), r"\1[name]"),
    (re.compile(r"\b((?:Dr|Dr\.|Doctor|Prof|Prof\.|Professor|Nurse|Mr|Mr\.|Mrs|Mrs\.|Ms|Ms\.|Miss)\s+)" + _NOT_A_NAME
                + _NAME), r"\1[name]"),
    (re.compile(rf"((?:^|[\s,.!])(?:{_SIGN_OFF})\b\s*[,!.-]*\s*|\s[-–—]\s*)" + _NOT_A_NAME + _NAME
                + r"(?=\s*(?:x+|xo+|[.!:)]+)?\s*$)"), r"\1[name]"),
    (re.compile(r"(?<=,)\s*\d{1,3}\s*(?=,)"), " [age]"),
]
_SPACES = re.compile(r"[ \t]{2,}")


def redact(text: str) -> str:
    """The question with identifying details replaced (idempotent: redacting twice changes nothing)."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()
