"""Message normalisation for safety triage.

Members in distress rarely type dictionary English: they misspell ("sucidal"), use slang ("kms",
"unalive"), stretch words ("sooooo done"), or (rarely, but it happens) dodge keyword filters with
look-alike letters ("ѕuicide" with a Cyrillic s), leetspeak ("k1ll") or zero-width characters. The
triage rules are written once, against a single plain form of the text, and this module produces
that form:

* lower-case ASCII words (``a-z`` and ``0-9``) separated by single spaces, nothing else;
* apostrophes dropped, so "don't" and "dont" are the same word; all other punctuation, emoji and
  non-Latin letters become word breaks;
* look-alikes, full-width and styled letters folded to plain Latin ones; accents removed;
* leetspeak undone inside words that mix letters and digits ("d1e" -> "die"), but not in numbers
  with units ("100mg" -> "100 mg");
* letters repeated three or more times cut to two ("sooooo" -> "soo"), or to one when that gives a
  word the rules know ("diiiie" -> "die");
* letters spelt out one by one joined when that gives a known word ("k m s", "s.u.i.c.i.d.e");
* the reviewed lexicon applied last: misspellings and slang to plain words, and near-misses of a few
  key words (within a small edit distance) to the word itself.

:func:`normalize` is pure and total: any string, including the empty one, emoji-only text or very
long text, gives a string back and never raises. It runs on every message, so it does its work in
a handful of C-level passes and caches the per-word step.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

# Characters that render as nothing (or only steer layout) and are used to split trigger words.
_INVISIBLE = dict.fromkeys(
    [
        0x00AD,  # soft hyphen
        0x034F,  # combining grapheme joiner
        0x061C,  # Arabic letter mark
        0x115F,
        0x1160,  # Hangul fillers
        0x17B4,
        0x17B5,
        0x180E,  # Mongolian vowel separator
        *range(0x200B, 0x2010),  # zero-width space, joiners, direction marks
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
        0x3164,  # Hangul filler
        *range(0xFE00, 0xFE10),  # variation selectors
        0xFEFF,  # byte-order mark / zero-width no-break space
        0xFFA0,
        *range(0xE0000, 0xE0080),  # tag characters
    ]
)

# Letters from other scripts that look like Latin ones (after NFKC and casefold). Only
# look-alikes are listed: a real Greek or Cyrillic word just becomes noise, which is harmless.
_LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ԍ": "g", "ү": "y", "ӧ": "o", "ө": "o", "ѵ": "v",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
    "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c",
    "ϳ": "j",
    # Latin letters that Unicode does not decompose to a base letter, and small capitals
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i",
    "ɡ": "g", "ɩ": "i", "ɪ": "i", "ʟ": "l", "ʀ": "r", "ʏ": "y", "ɴ": "n", "ɢ": "g", "ʜ": "h",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ᴊ": "j", "ᴋ": "k", "ᴍ": "m",
    "ᴏ": "o", "ᴘ": "p", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
    "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ð": "d",
}  # fmt: skip
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)

# Combining marks left after NFD (accents): removed so "suïcide" reads as "suicide".
_COMBINING = dict.fromkeys(
    [*range(0x0300, 0x0370), *range(0x1AB0, 0x1B00), *range(0x1DC0, 0x1E00), *range(0x20D0, 0x2100)]
)

# Symbols used as letters inside a word ("k!ll", "$uicide", "ki||"); elsewhere they are punctuation.
_SYMBOL_TABLE = str.maketrans({"$": "s", "@": "a", "!": "i", "|": "l", "€": "e"})
_HAS_SYMBOL = re.compile(r"[$@!|€]")
_SYMBOL_WORD = re.compile(r"[a-z0-9$@!|€]*[a-z][a-z0-9$@!|€]*")
_APOSTROPHES = re.compile(r"['’‘ʼ`´′]")  # apostrophe look-alikes
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Digits used as letters in a word that also has letters ("d1e", "5uicide").
_LEET_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_HAS_LETTER = re.compile(r"[a-z]")
_HAS_DIGIT = re.compile(r"[0-9]")
# A number glued to a unit ("100mg", "3am", "2x") is a number, not leetspeak.
_NUMBER_UNIT = re.compile(
    r"(\d+)(mg|mcg|ug|g|kg|ml|l|iu|x|am|pm|st|nd|rd|th|h|hr|hrs|min|mins|d|wk|wks|w|yr|yrs|y|yo|s|k|lb|lbs|km|mi|ish)"
)
_STRETCHED = re.compile(r"([a-z0-9])\1{2,}")

_CACHE_MAX = 20_000


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Reviewed normalisation data (see ``content/safety/lexicon.yaml``).

    ``replace`` maps a normalised word or phrase to what it means ("kms" -> "kill myself");
    ``fuzzy`` maps a key word to the most edits a near-miss may have to be read as that word;
    ``vocabulary`` is every word the rules use ("word*" for a prefix), so un-stretching and joining
    spelt-out letters only ever produce words that matter.
    """

    replace: Mapping[str, str] = field(default_factory=dict)
    fuzzy: Mapping[str, int] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()


def basic_form(text: str) -> str:
    """The mechanical part of normalisation (no lexicon): used to check lexicon keys are well formed."""
    return _DEFAULT.normalize(text)


def _unleet_symbols(match: re.Match[str]) -> str:
    """Read symbols inside a word as letters, keeping a mention's "@" and a closing "!!" as punctuation."""
    word = match.group()
    core = word.rstrip("!")
    lead = len(core) - len(core.lstrip("@"))
    return word[:lead] + core[lead:].translate(_SYMBOL_TABLE) + word[len(core) :]


class Normalizer:
    """Turns any text into the plain form the triage rules match against. Pure; safe to share."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        lex = lexicon or Lexicon()
        self._single = {k: v for k, v in lex.replace.items() if " " not in k}
        multi = {k: v for k, v in lex.replace.items() if " " in k}
        self._multi = multi
        self._multi_re = (
            re.compile(
                r"(?<![a-z0-9])(?:"
                + "|".join(re.escape(k) for k in sorted(multi, key=len, reverse=True))
                + r")(?![a-z0-9])"
            )
            if multi
            else None
        )
        self._fuzzy = tuple(sorted(lex.fuzzy.items()))
        self._prefixes = tuple(sorted(w[:-1] for w in lex.vocabulary if w.endswith("*")))
        known: set[str] = {w for w in lex.vocabulary if not w.endswith("*")}
        known |= set(self._single) | set(lex.fuzzy)
        for value in lex.replace.values():
            known.update(value.split())
        for key in multi:
            known.update(key.split())
            known.add(key.replace(" ", ""))
        self._known = frozenset(known)
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        return self.normalize(text)

    def normalize(self, text: str) -> str:
        """Return the normalised form of ``text`` (see the module docstring)."""
        if not text:
            return ""
        s = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).casefold()
        if not s.isascii():
            s = s.translate(_LOOKALIKE_TABLE)
            s = unicodedata.normalize("NFD", s).translate(_COMBINING)
        if _HAS_SYMBOL.search(s):
            s = _SYMBOL_WORD.sub(_unleet_symbols, s)
        s = _APOSTROPHES.sub("", s)
        tokens = _NON_WORD.sub(" ", s).split()
        if not tokens:
            return ""
        out = " ".join(self._words(tokens))
        if self._multi_re is not None:
            out = self._multi_re.sub(lambda m: self._multi[m.group()], out)
        return out

    def _words(self, tokens: list[str]) -> Iterable[str]:
        """Per-word step, joining runs of single letters ("k m s") when they spell a known word."""
        i, n = 0, len(tokens)
        while i < n:
            tok = tokens[i]
            if len(tok) == 1 and tok.isalpha():
                j = i
                while j < n and len(tokens[j]) == 1 and tokens[j].isalpha():
                    j += 1
                if j - i >= 3:
                    joined = self._word("".join(tokens[i:j]))
                    if self._is_known(joined):
                        yield joined
                    else:
                        yield from self._letter_runs(tokens[i:j])
                    i = j
                    continue
            yield self._word(tok)
            i += 1

    def _letter_runs(self, letters: list[str]) -> Iterable[str]:
        """A run of single letters that spells no known word, split where the lexicon turns a
        letter into a word ("u" -> "you"), each piece joined if it spells one.

        Why: the output must read the same when normalised again. "w a y u" gave "w a y you",
        whose run "w a y" a second pass joined into "way"; judging each piece now gives "way you"
        in one pass."""
        piece: list[str] = []
        for letter in [*letters, ""]:
            word = self._word(letter) if letter else ""
            if letter and word == letter:
                piece.append(letter)
                continue
            joined = self._word("".join(piece)) if len(piece) >= 3 else ""
            if joined and self._is_known(joined):
                yield joined
            else:
                yield from (self._word(p) for p in piece)
            piece = []
            if word:
                yield word

    def _is_known(self, word: str) -> bool:
        return all(self._known_word(part) for part in word.split())

    def _known_word(self, word: str) -> bool:
        return word in self._known or (bool(self._prefixes) and word.startswith(self._prefixes))

    def _word(self, tok: str) -> str:
        cached = self._cache.get(tok)
        if cached is not None:
            return cached
        result = self._word_uncached(tok)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[tok] = result
        return result

    def _word_uncached(self, tok: str) -> str:
        if _HAS_DIGIT.search(tok) and _HAS_LETTER.search(tok):
            unit = _NUMBER_UNIT.fullmatch(tok)
            if unit:
                return f"{unit.group(1)} {unit.group(2)}"
            tok = tok.translate(_LEET_DIGITS)
            unit = _NUMBER_UNIT.fullmatch(tok)  # "21µ" reads as "2iu": split it as "2iu" would be,
            if unit:  # so normalising twice changes nothing
                return f"{unit.group(1)} {unit.group(2)}"
        if tok.isdigit():  # a number stays as typed: "1000" is not a stretched "100"
            return self._single.get(tok, tok)
        if _STRETCHED.search(tok):
            single = _STRETCHED.sub(r"\1", tok)
            tok = single if self._known_word(single) else _STRETCHED.sub(r"\1\1", tok)
        replaced = self._single.get(tok)
        if replaced is not None:
            return replaced
        if len(tok) < 5 or self._known_word(tok):
            return tok
        for target, edits in self._fuzzy:
            if (
                abs(len(tok) - len(target)) <= edits
                and OSA.distance(tok, target, score_cutoff=edits) <= edits
            ):
                return target
        return tok


_DEFAULT = Normalizer()


def normalize(text: str, lexicon: Lexicon | None = None) -> str:
    """Normalise ``text``; without a lexicon only the mechanical steps apply."""
    return _DEFAULT.normalize(text) if lexicon is None else Normalizer(lexicon).normalize(text)
