"""A pack's vocabulary: the words members use, mapped to the words its entries use.

Moderators keep it in ``content/<pack>/vocabulary.yaml`` (reviewed like entries) so a synonym,
a piece of slang or a common misspelling is fixed once, in content, for every entry, instead of
in code. Every problem is reported with file and field, like the entries.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.contentfiles import ContentFileError, load_yaml, read_content_file, yaml_problem
from bot.problems import Problem

FILE_NAME = "vocabulary.yaml"
MAX_WORDS = 4  # a variant or word of more words than this is a sentence, not vocabulary
_TERM = re.compile(r"^[^\W_][\w' -]*$")


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.casefold().split())
    if not text or len(text) > 60 or not _TERM.match(text) or len(text.split()) > MAX_WORDS:
        return None
    return text


def parse_vocabulary(text: str, label: str) -> tuple[dict[str, str], list[Problem]]:
    """(variant -> word, problems) for one vocabulary file's text."""
    problems: list[Problem] = []
    try:
        data = load_yaml(text)
    except (ContentFileError, yaml.YAMLError) as exc:
        message = str(exc) if isinstance(exc, ContentFileError) else yaml_problem(exc)
        return {}, [Problem(label, "", message)]
    if not isinstance(data, dict) or set(data) != {"words"} or not isinstance(data["words"], dict):
        return {}, [Problem(label, "words", "the file must hold one mapping, words: {word: [variants]}")]
    mapping: dict[str, str] = {}
    for raw_word, variants in data["words"].items():
        where = f"words.{raw_word}"
        word = _clean(raw_word)
        if word is None:
            problems.append(Problem(label, where, "must be a word or a short phrase (letters, up to 4 words)"))
            continue
        if not isinstance(variants, list) or not variants:
            problems.append(Problem(label, where, "must list at least one variant, e.g. [meds, med]"))
            continue
        for i, raw in enumerate(variants):
            variant = _clean(raw)
            if variant is None:
                problems.append(Problem(label, f"{where}.{i}", f"{raw!r} is not a word or a short phrase"))
            elif variant == word:
                problems.append(Problem(label, f"{where}.{i}", f"{variant!r} is the word itself"))
            elif variant in mapping and mapping[variant] != word:
                problems.append(Problem(label, f"{where}.{i}",
                                        f"{variant!r} already means {mapping[variant]!r}; a variant means one word"))
            else:
                mapping[variant] = word
    for variant, word in mapping.items():
        if word in mapping:
            problems.append(Problem(label, f"words.{word}", f"{word!r} is itself a variant of "
                                    f"{mapping[word]!r}: point {variant!r} straight at the final word"))
    return mapping, problems


def load_vocabulary(pack_dir: Path, root: Path) -> tuple[dict[str, str], list[Problem]]:
    """The pack's reviewed synonyms, with any problems found in their file."""
    path = pack_dir / FILE_NAME
    if not path.exists():
        return {}, []
    try:
        text = read_content_file(path, root)
    except ContentFileError as exc:
        return {}, [Problem(str(path), "", str(exc))]
    return parse_vocabulary(text, str(path))
