"""Flesch–Kincaid grade level (Kincaid et al., 1975) with a standard syllable heuristic.

Self-contained so the readability test needs no downloaded dictionaries:
grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_URL = re.compile(r"https?://\S+")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n|\n\s*[-*•]\s|\n\s*\d+\.\s|:\n")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def plain_text(markdown: str) -> str:
    text = _LINK.sub(r"\1", markdown)
    text = _URL.sub("", text)
    return re.sub(r"[*_#>`]", "", text)


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def fk_grade(markdown: str) -> float:
    text = plain_text(markdown)
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    syllable_count = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59
