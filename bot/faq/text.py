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

STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn d did didn do does doesn doing don down
    during each few for from further get got had hadn has hasn have haven having he her here hers
    herself him himself his how i if in into is isn it its itself just ll m ma me mine more most my
    myself need needn now o of off on once only or other our ours ourselves out over own re s same
    shan she should shouldn so some such t than that the their theirs them themselves then there
    these they this those through to too under until up ve very was wasn we were weren what when
    where which while who whom why will with won would wouldn y you your yours yourself yourselves
    im ive id youre thats whats hi hello hey please thanks thank anyone anybody someone really
    actually also like know tell want wondering question ask asking help pls plz u ur r""".split()
)

# UK → US spellings, so "anaesthetic" finds "anesthetic" and "behaviour" finds "behavior".
_UK_US_WORDS = {
    "anaemia": "anemia", "anaesthetic": "anesthetic", "anaesthetics": "anesthetics",
    "behaviour": "behavior", "behaviours": "behaviors", "behavioural": "behavioral",
    "centre": "center", "centres": "centers", "colour": "color", "diarrhoea": "diarrhea",
    "fibre": "fiber", "fibres": "fibers", "favourite": "favorite", "flavour": "flavor",
    "grey": "gray", "haemorrhage": "hemorrhage", "humour": "humor", "labour": "labor",
    "litre": "liter", "metre": "meter", "neighbour": "neighbor", "oedema": "edema",
    "oesophagus": "esophagus", "oestrogen": "estrogen", "paediatric": "pediatric",
    "programme": "program", "programmes": "programs", "theatre": "theater", "tumour": "tumor",
    "ageing": "aging", "practise": "practice", "practising": "practicing", "mum": "mom",
    "paracetamol": "acetaminophen", "catalogue": "catalog", "dialogue": "dialog",
    "judgement": "judgment", "licence": "license", "defence": "defense", "travelling": "traveling",
    "counselling": "counseling", "counsellor": "counselor", "counsellors": "counselors",
    "tiredness": "tired", "physio": "physiotherapy", "physiotherapist": "physiotherapy",
    "meds": "medication", "med": "medication", "medicine": "medication", "medicines": "medication",
    "medications": "medication", "drugs": "medication", "drug": "medication",
    "fibro": "fibromyalgia", "fms": "fibromyalgia", "fm": "fibromyalgia", "fibromyalgia's": "fibromyalgia",
    "doc": "doctor", "docs": "doctor", "doctors": "doctor", "ppl": "people", "gps": "doctor", "dr": "doctor", "gp": "doctor", "excercise": "exercise",
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
    return _stemmer.stemWord(word)


def fold(text: str) -> str:
    """NFKC, accents removed, case folded: 'Médication' → 'medication'."""
    text = unicodedata.normalize("NFKC", text[:MAX_QUERY_CHARS])
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Plain lower-case words with US spelling; stopwords dropped unless asked for."""
    out: list[str] = []
    for raw in _WORD.findall(fold(text)):
        word = _us_spelling(raw)
        if not keep_stopwords and (word in STOPWORDS or (len(word) == 1 and not word.isdigit())):
            continue
        out.append(word)
    return out


@lru_cache(maxsize=4096)
def normalise_question(text: str) -> str:
    """A stable form of a question for counting repeats ("Does exercise help?" == "does exercise help")."""
    return " ".join(words(text, keep_stopwords=True))[:300]
