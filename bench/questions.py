"""Never-repeated /faq questions for the load benchmark.

A benchmark that asks the same questions again measures the caches that remember the answers
(search results and safety triage are both cached per exact question text), not the work a new
question costs. So each question here is a development-set question in a fresh wrapping: an
opener and a closer of the kind members write, and sometimes one letter slipped, as tired fingers
do. The words around the question change what is searched, so every variant is real work; the
answer it should find does not change. Variants are distinct as *normalised words* (case, spacing
and punctuation ignored), so even a cache keyed on a normalised question could not answer one
from another.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "data" / "faq_queries.jsonl"

OPENERS = (
    "", "hi all", "hello everyone", "quick question", "sorry if this is a silly question but", "does anyone know",
    "can anyone tell me", "newbie here", "bit of a random one", "my gp was rushed so", "asking for my mum",
    "after a long day", "im new to the group", "feeling foggy today so bear with me", "been wondering",
    "not sure where to ask this", "hey", "morning all", "evening folks", "a friend asked me and i didnt know",
    "question for the group", "maybe obvious but", "just diagnosed", "three years in and still confused",
    "bad flare week", "hope this is ok to ask", "random thought", "need some help", "had a rough night",
    "from the uk", "from canada",
)
CLOSERS = (
    "", "thanks", "thank you", "any tips", "cheers", "thanks in advance", "x", "please", "any advice welcome",
    "thanks all", "appreciate it", "sorry for the long post", "ty", "anyone", "help", "many thanks",
    "would love to hear", "thanks so much", "advice please", "grateful for any replies", "hugs",
    "if that makes sense", "asking properly this time", "honest answers please", "for my notes",
    "to tell my partner", "before my appointment", "in simple words", "short answer is fine", "lol",
)
CRISIS_WORDS = ("suicid", "end their life", "end my life", "kill myself", "want to die")


def base_questions() -> list[str]:
    """The development set's questions, crisis-like texts left out (the care flow answers those,
    not /faq)."""
    texts = [json.loads(line)["q"] for line in DEV_SET.read_text().splitlines() if line.strip()]
    return [t for t in texts if not any(w in t.lower() for w in CRISIS_WORDS)]


def key(text: str) -> str:
    """Case, spacing and punctuation ignored: how a normalising cache would see a question."""
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def slip(text: str, rng: random.Random) -> str:
    """One letter dropped or two swapped in one longer word."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1:] if rng.random() < 0.5 else word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def variants(seed: int, exclude: set[str] | None = None) -> Iterator[str]:
    """An endless-enough stream of distinct questions (about 280,000), none of whose keys is in
    ``exclude``; the same seed gives the same stream."""
    rng = random.Random(seed)
    seen = set(exclude or ())
    combos = [(q, o, c) for q in base_questions() for o in OPENERS for c in CLOSERS]
    rng.shuffle(combos)
    for question, opener, closer in combos:
        text = question if rng.random() < 0.7 else slip(question, rng)
        parts = [p for p in (opener + ("," if opener else ""), text, closer) if p]
        candidate = " ".join(parts).strip()
        k = key(candidate)
        if k in seen:
            continue
        seen.add(k)
        yield candidate


def split(warmup: int, measured: int, seed: int = 20261201) -> tuple[list[str], list[str]]:
    """Two disjoint lists of distinct questions: warm-up first, then the measured ones."""
    stream = variants(seed)
    first = [next(stream) for _ in range(warmup)]
    second = [next(stream) for _ in range(measured)]
    return first, second
