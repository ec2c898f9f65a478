"""Every country's code and everyday English name, for countries the directory has no lines for.

Why: the directory holds reviewed crisis lines for a few countries. A member in Germany or India
who names their country should still be understood, told honestly that there are no vetted lines
for it yet, and given what is known (the EU-wide 112, where it applies, and the international
directories), instead of being refused and shown six other countries' lines. The names come from
the time-zone database's ``iso3166.tab``, which the ``tzdata`` package (already needed for
members' local time) ships: no second country table to keep. "Korea (South)" is shown as "South
Korea"; both spellings, and a bracketed other name ("Eswatini (Swaziland)"), are understood.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources

log = logging.getLogger(__name__)

_BRACKETED = re.compile(r"^(?P<name>[^(]+?)\s*\((?P<inner>[^)]+)\)$")
_SIDES = {"North", "South"}


@cache
def world_countries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """ISO 3166 alpha-2 code -> (name to show, other names members may type). Empty, with a
    warning logged, when the table cannot be read: the directory's own countries still work."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError) as exc:
        log.warning("the country table could not be read (%s); only the directory's countries are known", exc)
        return {}
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        code, raw = (part.strip() for part in line.split("\t", 1))
        if not re.fullmatch(r"[A-Z]{2}", code) or not raw:
            continue
        table[code] = _names(raw)
    return table


def _names(raw: str) -> tuple[str, tuple[str, ...]]:
    """("Korea (South)") -> ("South Korea", ("Korea (South)", "Korea South")),
    ("Eswatini (Swaziland)") -> ("Eswatini", ("Eswatini (Swaziland)", "Swaziland")); an
    abbreviated bracket ("Congo (Dem. Rep.)") stays in the name."""
    match = _BRACKETED.match(raw)
    if match is None:
        return raw, ()
    name, inner = match.group("name"), match.group("inner")
    if inner in _SIDES:
        return f"{inner} {name}", (raw, f"{name} {inner}")
    if inner.endswith("."):  # "Congo (Dem. Rep.)" and "Congo (Rep.)": the bracket tells them apart
        return raw, ()
    return name, (raw, inner)
