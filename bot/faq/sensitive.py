"""Which /faq questions are answered privately unless the member asks for public.

A medication question says something about the member's health to everyone in the channel, and
so does its answer. So when the member does not choose (``private`` left unset), the answer is
private when:

* the question mentions a medicine: any word of the reviewed ``meds`` word list in
  ``content/safety/lexicon.yaml`` (generic and brand names, "meds", "pills", "dose" …), matched
  after the triage's normalisation so misspellings count too; or
* the safety triage puts the question in the *clinician* tier (a personal medicine or diagnosis
  question): the screen already answers those with private advice, before any FAQ answer.

Otherwise answers stay public, as before. ``private:false`` always makes an answer public.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.contentfiles import ContentFileError, load_yaml, read_content_file

log = logging.getLogger(__name__)

LEXICON = Path("safety") / "lexicon.yaml"
CLASS = "meds"


def _expand(classes: dict[str, list[str]], name: str, seen: set[str]) -> list[str]:
    items: list[str] = []
    for item in classes.get(name, []):
        item = str(item).strip()
        if item.startswith("@"):
            ref = item[1:]
            if ref not in seen:
                seen.add(ref)
                items.extend(_expand(classes, ref, seen))
        elif item:
            items.append(item.casefold())
    return items


class MedicineWords:
    """Matches a medicine mention in normalised text (words, ``prefix*`` and phrases)."""

    def __init__(self, terms: list[str], normalize: Callable[[str], str] | None = None) -> None:
        alternatives = []
        for term in sorted(set(terms), key=len, reverse=True):
            if term.endswith("*"):
                alternatives.append(re.escape(term[:-1]) + r"\w*")
            else:
                alternatives.append(re.escape(term))
        self.pattern = re.compile(r"\b(?:" + "|".join(alternatives) + r")\b") if alternatives else None
        self.normalize = normalize or (lambda text: text.casefold())

    @classmethod
    def load(cls, content_dir: Path, normalize: Callable[[str], str] | None = None) -> MedicineWords:
        path = content_dir / LEXICON
        try:
            data = load_yaml(read_content_file(path, content_dir)) or {}
            classes = {str(k): list(v or []) for k, v in (data.get("classes") or {}).items()}
        except (ContentFileError, yaml.YAMLError, AttributeError, TypeError):
            log.error("the medicine word list could not be read from %s; medicine questions get no automatic privacy",
                      path)
            classes = {}
        return cls(_expand(classes, CLASS, {CLASS}), normalize)

    def mentions(self, text: str) -> bool:
        if self.pattern is None:
            return False
        try:
            plain = self.normalize(text)
        except Exception:
            plain = text.casefold()
        return bool(self.pattern.search(plain) or self.pattern.search(text.casefold()))
