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

``international.yaml`` may also hold ``shared_emergency_numbers`` (a number, a note, the ISO
codes it serves, a source ``url`` and ``last_verified``: 112 in every EU country) and
``other_names`` (``DE: [Deutschland]``) for countries without a file of their own. Those countries
are known by the time-zone database's country table (:mod:`bot.care.world`): a member there is
given the shared number where one is listed, and the international directories.

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

from bot.care.world import world_countries
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


Code = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class SharedNumber(_Strict):
    """An emergency number that works across many countries (112 in every EU country), for members
    in a country the directory has no file for."""

    number: Phone
    note: Short
    countries: list[Code] = Field(min_length=1)
    url: Https
    last_verified: date


class CountryEntry(_Strict):
    """A country's reviewed crisis lines, as written in its resource file."""

    country: Annotated[str, StringConstraints(pattern=r"^([A-Z]{2}|INTL)$")]
    country_name: Short
    aliases: list[Short] = Field(default_factory=list)  # other names members type: UK, USA, Éire
    emergency_number: Phone | None = None
    services: list[Service] = Field(min_length=1)
    # international.yaml only: numbers shared by many countries, and names of countries without a
    # file that members type in their own language ("Deutschland", "Holland")
    shared_emergency_numbers: list[SharedNumber] = Field(default_factory=list)
    other_names: dict[Code, list[Short]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shape(self) -> CountryEntry:
        if self.country in ALIASES:
            raise ValueError(f"{self.country} is not an ISO 3166 code: use {ALIASES[self.country]}")
        kinds = {s.kind for s in self.services}
        if self.country != INTERNATIONAL and (self.shared_emergency_numbers or self.other_names):
            raise ValueError("shared_emergency_numbers and other_names belong in international.yaml")
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

    @property
    def unlisted(self) -> bool:
        """A country the member named that has no reviewed lines here yet (Germany, India): its
        shared emergency number where one is known, and the international directories."""
        return self.country is not None and not self.crisis


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
        # Countries without a file: understood by name, shown with what is known (world.py)
        self._world: dict[str, str] = {}
        for code, (name, others) in world_countries().items():
            if code in self._entries:
                continue
            own = intl.other_names.get(code, []) if intl else []
            for typed in (code, name, *others, *own):
                if self._names.setdefault(fold_country(typed), code) == code:
                    self._world.setdefault(code, name)
        self._shared: dict[str, list[str]] = {}
        for shared in intl.shared_emergency_numbers if intl else ():
            for code in shared.countries:
                self._shared.setdefault(code, []).append(shared.number)
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
        """The code of a country from its code, name or an alias as a member types it ("United
        Kingdom", "uk", "GB", "Éire", "new zealand", "Germany", "Holland"); else None. The
        country may have no lines here (:meth:`has_lines`)."""
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
            elif len(needle) >= 3 and needle in name:
                contains.append(code)
        order = list(dict.fromkeys(starts or contains))  # "ingdom" finds the United Kingdom; "ger" not Niger
        # countries with lines first, then by how the typed text matched, then by name
        return [(code, self._name_of(code)) for code in sorted(
            order, key=lambda c: (not self.has_lines(c), c not in starts, self._name_of(c)))]

    def _name_of(self, code: str) -> str:
        entry = self._entries.get(code)
        return entry.country_name if entry is not None else self._world.get(code, code)

    def has_lines(self, code: str | None) -> bool:
        """Whether the directory has reviewed crisis lines for ``code``."""
        return bool(code) and code in self._entries and code != INTERNATIONAL

    def for_country(self, code: str | None) -> Resources:
        """The member's lines and emergency number; the international fallback when unknown or None."""
        found = self._code(code) or ""
        entry = self._entries.get(found)
        if entry is None and found in self._world:
            return Resources(country=found, country_name=self._world[found], crisis=(),
                             emergency_numbers=tuple(self._shared.get(found, ())), non_emergency=(),
                             international=self._international)
        if entry is None or entry.country == INTERNATIONAL:
            return self._fallback
        return self._resources(entry)

    def countries(self) -> list[tuple[str, str]]:
        """(code, name) for every country with lines, sorted by name: for autocomplete."""
        return [(e.country, e.country_name) for e in self._countries]

    def country_name(self, code: str | None) -> str | None:
        """The name for a country code, with lines here or not; None for anything else."""
        found = self._code(code) or ""
        if found == INTERNATIONAL:
            return None
        return self._name_of(found) if found in self._entries or found in self._world else None

    def shared_numbers(self, code: str) -> list[str]:
        """The shared emergency numbers known for a country without a file (112 in the EU)."""
        return list(self._shared.get(code, ()))

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
    else:
        intl_file = str(base / "international.yaml")
        for code in entries[INTERNATIONAL].other_names:
            if code in entries:
                problems.append(Problem(intl_file, f"other_names.{code}",
                                        f"{code} has its own file: its names belong in that file's aliases"))
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
        dated = [(f"services.{i}", s.name, s.last_verified) for i, s in enumerate(entry.services)]
        dated += [(f"shared_emergency_numbers.{i}", f"The shared number {s.number}", s.last_verified)
                  for i, s in enumerate(entry.shared_emergency_numbers)]
        for field, name, verified in dated:
            where = f"{field}.last_verified"
            if verified > today:
                problems.append(Problem(file, where, f"{verified} is in the future"))
            elif today - verified > STALE_AFTER:
                problems.append(
                    Problem(
                        file,
                        where,
                        f"{name} was last verified on {verified}: check the numbers "
                        "with the service and update the date",
                        Severity.WARNING,
                    )
                )
    return problems
