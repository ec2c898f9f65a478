"""Turning member text into search terms: safe for any input, forgiving of spelling.

No user text ever reaches a query language: text becomes a list of plain word stems here, and the
search index works on those in Python. So quotes, ``*``, ``NEAR``, ``-``, ``:`` or brackets are
just characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_QUERY_CHARS = 1000  # longer input is cut: nobody's question needs more, and work stays bounded

# Words that carry no meaning for matching. Question words that carry *intent* ("why", "how",
# "when", "get", "tell", "stop", "help") are deliberately NOT here: "why did this happen to me"
# must not collapse to its one remaining noun.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren as at be been before
    being below between both but by can cannot could couldn d did didn do does doesn doing don down
    during each few for from further got had hadn has hasn have haven having he her here hers
    herself him himself his i if in into is isn it its itself just ll m ma me mine more most my
    myself need needn now o of off on once only or other our ours ourselves out over own re s same
    shan she should shouldn so some such t than that the their theirs them themselves then there
    these they this those through to too under until up ve very was wasn we were weren what
    where which while who whom will with won would wouldn y you your yours yourself yourselves
    im ive id youre thats whats please thanks thank really
    actually also like know want wondering question ask asking pls plz u ur r""".split()
)

# Question words that say what kind of answer is wanted. Kept as terms (so "why" can prefer a
# phrasing that asks why), but they weigh less than content words when judging confidence.
INTENT_WORDS = frozenset("why how when get tell help stop start cause happen".split())

# Greetings, fillers and forum chatter around a question: "hey all, what is pacing exactly?" is
# "what is pacing". Removed before matching, so they never dilute a perfect match.
FILLERS = frozenset(
    """hi hello hey hiya heya yo morning evening afternoon everyone everybody all yall guys folks
    peeps friends team lovely lovelies anyone anybody someone somebody exactly basically
    honestly seriously literally lol lmao haha hehe omg ok okay um uh hmm erm quick quickly sorry
    dumb silly stupid advance cheers thx ty curious wonder wondered wondering explain explained
    possible probably maybe perhaps kind sort bit little""".split()
)

# Discord mentions (<@123>, <@!123>, <@&123>, <#123>), @everyone/@here/@name, links and custom emoji.
_NOISE = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@\w+|https?://\S+")

# UK → US spellings, so "anaesthetic" finds "anesthetic" and "behaviour" finds "behavior". Only
# spelling: synonyms, shorthand and typos members use live in the pack's vocabulary.yaml.
_UK_US_WORDS = {
    "anaemia": "anemia", "anaesthetic": "anesthetic", "anaesthetics": "anesthetics",
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral",
    "centre": "center", "centres": "centers", "colour": "color", "diarrhoea": "diarrhea",
    "fibre": "fiber", "fibres": "fibers", "favourite": "favorite", "flavour": "flavor",
    "grey": "gray", "haemorrhage": "hemorrhage", "humour": "humor", "labour": "labor",
    "litre": "liter", "metre": "meter", "neighbour": "neighbor", "oedema": "edema",
    "oesophagus": "esophagus", "oestrogen": "estrogen", "paediatric": "pediatric",
    "programme": "program", "programmes": "programs", "theatre": "theater", "tumour": "tumor",
    "ageing": "aging", "practise": "practice", "practising": "practicing",
    "catalogue": "catalog", "dialogue": "dialog",
    "judgement": "judgment", "licence": "license", "defence": "defense", "travelling": "traveling",
    "counselling": "counseling", "counsellor": "counselor", "counsellors": "counselors",
}
_ISE_VERBS = re.compile(
    r"^(recogn|real|organ|priorit|minim|maxim|special|sensit|normal|apolog|emphas|stabil|util|"
    r"mobil|character|categor|summar|optim|visual|general|hospital|desensit|immun)is(e|ed|es|ing|ation|ations)$"
)


def _us_spelling(word: str) -> str:
    mapped = _UK_US_WORDS.get(word)
    if mapped is not None:
        return mapped
    if word.endswith(("isation", "isations")):
        return word.replace("isation", "ization")
    match = _ISE_VERBS.match(word)
    if match:
        return f"{match.group(1)}iz{match.group(2)}"
    return word


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball stem of one folded word (cached: search stems every query word)."""
    return _stemmer.stemWord(word)


def fold(text: str) -> str:
    """NFKC, accents removed, case folded: 'Médication' → 'medication'."""
    text = unicodedata.normalize("NFKC", text[:MAX_QUERY_CHARS])
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def strip_noise(text: str) -> str:
    """The question without Discord mentions, links or emoji codes."""
    return _NOISE.sub(" ", text[:MAX_QUERY_CHARS])


def words(text: str, *, keep_stopwords: bool = False, vocabulary: Vocabulary | None = None) -> list[str]:
    """Plain lower-case words with US spelling; mentions, fillers and stopwords dropped unless
    ``keep_stopwords``; members' words mapped to the pack's own through ``vocabulary``."""
    folded = fold(strip_noise(text) if not keep_stopwords else text)
    if vocabulary is not None:
        folded = vocabulary.phrases(folded)
    out: list[str] = []
    for raw in _WORD.findall(folded):
        word = _us_spelling(raw)
        for part in (vocabulary.word(word).split(" ") if vocabulary is not None else (word,)):
            if not keep_stopwords and (part in STOPWORDS or part in FILLERS or (len(part) == 1 and not part.isdigit())):
                continue
            out.append(part)
    return out


class Vocabulary:
    """Members' words mapped to the words the pack's entries use ("meds" -> "medication",
    "working out" -> "exercise"), read from the pack's reviewed ``vocabulary.yaml``. Applied to
    entries and questions alike, so a synonym is fixed once, in content, for every entry."""

    def __init__(self, mapping: dict[str, str] | None = None) -> None:
        self._words: dict[str, str] = {}
        multi: dict[str, str] = {}
        for variant, canonical in (mapping or {}).items():
            key = " ".join(_WORD.findall(fold(variant)))
            if not key:
                continue
            (multi if " " in key else self._words)[key] = " ".join(_WORD.findall(fold(canonical)))
        self._multi = multi
        ordered = sorted(multi, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, ordered)) + r")\b") if ordered else None

    def __len__(self) -> int:
        return len(self._words) + len(self._multi)

    def word(self, word: str) -> str:
        return self._words.get(word, word)

    def phrases(self, folded: str) -> str:
        if self._pattern is None:
            return folded
        spaced = " ".join(_WORD.findall(folded))
        return self._pattern.sub(lambda m: self._multi[m.group(1)], spaced)


@lru_cache(maxsize=4096)
def normalise_question(text: str) -> str:
    """A stable form of a question for counting repeats ("Does exercise help?" == "does exercise help")."""
    return " ".join(words(text, keep_stopwords=True))[:300]
