"""The crisis and emergency directory: which lines and numbers to show a member, by country.

One reviewed YAML file per country in ``content/resources`` (``gb.yaml``, ``us.yaml``, ...) plus
``international.yaml`` for the fallback directories. Numbers are data, checked here with pydantic
(``extra="forbid"``) and re-verified on a schedule: :func:`check_directory` warns when an entry's
``last_verified`` is more than a year old, because a wrong crisis number is worse than none.

A country file::

    country: GB                      # ISO 3166 alpha-2; INTL for international.yaml
    country_name: United Kingdom
    aliases: [UK, Great Britain, Britain, England, Scotland, Wales, Northern Ireland]
    emergency_number: "999"          # required for a country, absent for INTL
    services:
      - name: Samaritans
        kind: crisis                 # crisis | emergency | non_emergency | directory
        contacts:
          - {method: call, value: "116 123", note: free from landlines and mobiles}
        hours: 24/7
        url: https://www.samaritans.org/     # https; optional for kind emergency only
        last_verified: 2026-11-23

The code, the name and the aliases form the one table every place a country is asked reads
(``/care region``, ``/setup``, ``triage --country``, autocomplete); matching ignores case, accents
and dots, and a name may point to only one country.

Rules the loader enforces beyond the schema: the file name matches the country (``gb.yaml``,
``international.yaml``); each country has a crisis line; a ``non_emergency`` number may never be
one of the country's emergency numbers (so NHS 111 in the UK can't be mistaken for New Zealand's
emergency 111); the international file has at least one directory.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from bot.contentfiles import read_mapping, validation_problems
from bot.problems import Problem, Severity

INTERNATIONAL = "INTL"
STALE_AFTER = timedelta(days=365)
FALLBACK_COUNTRIES_MAX = 8
ALIASES = {"UK": "GB"}

PHONE = r"^\+?[0-9]([0-9 -]*[0-9])?$"
ADDRESS = r"^(https://)?[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$"
Https = Annotated[str, StringConstraints(pattern=r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$", max_length=300)]
Phone = Annotated[str, StringConstraints(pattern=PHONE, max_length=30)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    """One way to reach a service: a number to call or text, or a web/chat address."""

    method: Literal["call", "text", "chat", "web"]
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    note: Short | None = None

    @model_validator(mode="after")
    def _value_fits_method(self) -> Contact:
        phone = self.method in ("call", "text")
        if not re.match(PHONE if phone else ADDRESS, self.value):
            kind = "a phone number (digits, spaces, hyphens)" if phone else "a web address"
            raise ValueError(f"{self.method} needs {kind}, not {self.value!r}")
        return self

    @property
    def link(self) -> str:
        """The https address for a chat or web contact."""
        return self.value if self.value.startswith("https://") else f"https://{self.value}"


class Service(_Strict):
    """One crisis line or service in a country's reviewed resource file."""

    name: Short
    kind: Literal["crisis", "emergency", "non_emergency", "directory"]
    contacts: list[Contact] = Field(min_length=1)
    hours: Short
    url: Https | None = None
    last_verified: date

    @model_validator(mode="after")
    def _url_needed(self) -> Service:
        if self.url is None and self.kind != "emergency":
            raise ValueError("url is required (only emergency entries may leave it out)")
        return self

    def numbers(self, method: str = "call") -> list[str]:
        return [c.value for c in self.contacts if c.method == method]


def fold_country(text: str) -> str:
    """How a typed country is compared: no accents, case, dots or extra spaces ("Éire" -> "eire",
    "U.S.A." -> "usa", "new  zealand" -> "new zealand")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace(".", "")
    plain = re.sub(r"[^0-9a-z]+", " ", plain.replace("&", " and "))
    return re.sub(r"^the ", "", plain.strip())


class CountryEntry(_Strict):
    """A country's reviewed crisis lines, as written in its resource file."""

    country: Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|INTL)$")]
    country_name: Short
    aliases: list[Short] = Field(default_factory=list)  # other names members type: UK, USA, Éire
    emergency_number: Phone | None = None
    services: list[Service] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> CountryEntry:
        if self.country in ALIASES:
            raise ValueError(f"{self.country} is not an ISO 3166 code: use {ALIASES[self.country]}")
        kinds = {s.kind for s in self.services}
        if self.country == INTERNATIONAL:
            if self.emergency_number is not None:
                raise ValueError("the international entry has no emergency_number")
            if "directory" not in kinds:
                raise ValueError("the international entry needs at least one directory service")
            return self
        if self.emergency_number is None:
            raise ValueError("emergency_number is required for a country")
        if "crisis" not in kinds:
            raise ValueError("a country needs at least one crisis service")
        emergency = set(self.emergency_numbers())
        for service in self.services:
            if service.kind == "non_emergency" and emergency & set(service.numbers()):
                raise ValueError(
                    f"{service.name} is non_emergency but shares a number with the emergency services"
                )
        return self

    def emergency_numbers(self) -> list[str]:
        numbers = [self.emergency_number] if self.emergency_number else []
        for service in self.services:
            if service.kind == "emergency":
                numbers += [n for n in service.numbers() if n not in numbers]
        return numbers

    def of_kind(self, kind: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.kind == kind)


@dataclass(frozen=True, slots=True)
class Resources:
    """What to show one member: their country's lines, or the international fallback.

    ``country`` is None for the fallback; then ``others`` holds the main countries' resources so
    the reply can list them, and ``emergency_numbers`` is empty (each country's is in ``others``).
    """

    country: str | None
    country_name: str
    crisis: tuple[Service, ...]
    emergency_numbers: tuple[str, ...]
    non_emergency: tuple[Service, ...]
    international: tuple[Service, ...]
    others: tuple[Resources, ...] = ()

    @property
    def is_fallback(self) -> bool:
        return self.country is None


class Directory:
    """All loaded entries, by country code."""

    def __init__(self, entries: dict[str, CountryEntry]) -> None:
        self._entries = dict(entries)
        # One table for every place a country is asked: code, name and aliases, folded.
        self._names: dict[str, str] = {}
        for code, entry in self._entries.items():
            if code == INTERNATIONAL:
                continue
            for name in (code, entry.country_name, *entry.aliases):
                self._names.setdefault(fold_country(name), code)
        for alias, code in ALIASES.items():
            self._names.setdefault(fold_country(alias), code)
        intl = self._entries.get(INTERNATIONAL)
        self._international = intl.of_kind("directory") if intl else ()
        self._countries = sorted(
            (e for code, e in self._entries.items() if code != INTERNATIONAL), key=lambda e: e.country_name
        )
        self._fallback = Resources(
            country=None,
            country_name=intl.country_name if intl else "International",
            crisis=intl.of_kind("crisis") if intl else (),
            emergency_numbers=(),
            non_emergency=(),
            international=self._international,
            others=tuple(self._resources(e) for e in self._countries[:FALLBACK_COUNTRIES_MAX]),
        )

    def _resources(self, entry: CountryEntry) -> Resources:
        return Resources(
            country=entry.country,
            country_name=entry.country_name,
            crisis=entry.of_kind("crisis"),
            emergency_numbers=tuple(entry.emergency_numbers()),
            non_emergency=entry.of_kind("non_emergency"),
            international=self._international,
        )

    def _code(self, text: str | None) -> str | None:
        return self.resolve(text) if text else None

    def resolve(self, text: str | None) -> str | None:
        """The code of a country the directory has lines for, from its code, name or an alias as
        a member types it ("United Kingdom", "uk", "GB", "Éire", "new zealand"); else None."""
        if not text:
            return None
        found = self._names.get(fold_country(text))
        label = re.fullmatch(r"\s*(.+?)\s*\(([A-Za-z]{2})\)\s*", text)  # "United Kingdom (GB)" typed back
        if found is None and label:
            name, code = self._names.get(fold_country(label.group(1))), label.group(2).upper()
            found = name if name == code else None
        return found

    def search(self, text: str) -> list[tuple[str, str]]:
        """(code, name) of the countries whose code, name or alias matches what was typed so far:
        names starting with it first, then any containing it."""
        needle = fold_country(text or "")
        if not needle:
            return self.countries()
        starts: list[str] = []
        contains: list[str] = []
        for name, code in self._names.items():
            if name == needle or name.startswith(needle) or any(w.startswith(needle) for w in name.split()):
                starts.append(code)
            elif needle in name:
                contains.append(code)
        order = list(dict.fromkeys([*starts, *contains]))
        return [(code, self._entries[code].country_name) for code in sorted(
            order, key=lambda c: (c not in starts, self._entries[c].country_name))]

    def for_country(self, code: str | None) -> Resources:
        """The member's lines and emergency number; the international fallback when unknown or None."""
        entry = self._entries.get(self._code(code) or "")
        if entry is None or entry.country == INTERNATIONAL:
            return self._fallback
        return self._resources(entry)

    def countries(self) -> list[tuple[str, str]]:
        """(code, name) for every country with lines, sorted by name: for autocomplete."""
        return [(e.country, e.country_name) for e in self._countries]

    def country_name(self, code: str | None) -> str | None:
        """The name for a country code the directory has lines for, else None."""
        entry = self._entries.get(self._code(code) or "")
        return entry.country_name if entry and entry.country != INTERNATIONAL else None

    def entries(self) -> list[CountryEntry]:
        return list(self._entries.values())


def _alias_clash(entry: CountryEntry, entries: dict[str, CountryEntry]) -> str | None:
    """A message when one of the entry's names already names another country."""
    taken = {fold_country(n): e.country for e in entries.values() for n in (e.country, e.country_name, *e.aliases)}
    for name in (entry.country_name, *entry.aliases):
        other = taken.get(fold_country(name))
        if other and other != entry.country:
            return f"{name!r} already names {other}; a name can only point to one country"
    return None


def _expected_stem(country: str) -> str:
    return "international" if country == INTERNATIONAL else country.lower()


def load_directory(directory: str | Path) -> tuple[Directory, list[Problem]]:
    """Load every ``*.yaml`` entry; a broken file is reported with file and field and left out."""
    base = Path(directory)
    problems: list[Problem] = []
    entries: dict[str, CountryEntry] = {}
    files = sorted(base.glob("*.yaml")) if base.is_dir() else []
    if not files:
        problems.append(Problem(str(base), "", "no resource files (*.yaml) found"))
    for path in files:
        file = str(path)
        data = read_mapping(path, base.parent, problems, "country, services, ...")
        if data is None:
            continue
        try:
            entry = CountryEntry.model_validate(data)
        except ValidationError as exc:
            problems.extend(validation_problems(file, exc))
            continue
        if path.stem != _expected_stem(entry.country):
            problems.append(
                Problem(file, "country", f"{entry.country} belongs in {_expected_stem(entry.country)}.yaml")
            )
            continue
        if entry.country in entries:
            problems.append(Problem(file, "country", f"{entry.country} is defined twice"))
            continue
        clash = _alias_clash(entry, entries)
        if clash:
            problems.append(Problem(file, "aliases", clash))
            continue
        entries[entry.country] = entry
    if INTERNATIONAL not in entries:
        problems.append(
            Problem(str(base / "international.yaml"), "", "the international fallback entry is missing")
        )
    return Directory(entries), problems


def check_directory(directory: str | Path, today: date) -> list[Problem]:
    """Freshness: a warning for every entry not verified within a year, an error for a future date.

    Only the entries that load are checked; :func:`load_directory` reports the ones that don't, so
    a content check that runs both reports each problem once.
    """
    loaded, _ = load_directory(directory)
    problems: list[Problem] = []
    base = Path(directory)
    for entry in loaded.entries():
        file = str(base / f"{_expected_stem(entry.country)}.yaml")
        for i, service in enumerate(entry.services):
            where = f"services.{i}.last_verified"
            if service.last_verified > today:
                problems.append(Problem(file, where, f"{service.last_verified} is in the future"))
            elif today - service.last_verified > STALE_AFTER:
                problems.append(
                    Problem(
                        file,
                        where,
                        f"{service.name} was last verified on {service.last_verified}: check the numbers "
                        "with the service and update the date",
                        Severity.WARNING,
                    )
                )
    return problems
