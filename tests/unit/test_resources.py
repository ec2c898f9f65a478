"""The crisis and emergency directory: exact numbers, fallback, validation and freshness."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.care.resources import Directory, check_directory, load_directory
from bot.problems import Severity

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "content" / "resources"
VERIFIED = date(2026, 11, 23)

# Numbers exactly as in the content brief, section 7.
EXPECTED = {
    "US": {"crisis_call": ["988"], "crisis_text": ["988"], "emergency": ("911",)},
    "CA": {"crisis_call": ["9-8-8"], "crisis_text": ["9-8-8"], "emergency": ("911",)},
    "GB": {"crisis_call": ["116 123"], "crisis_text": [], "emergency": ("999",)},
    "IE": {"crisis_call": ["116 123"], "crisis_text": [], "emergency": ("112", "999")},
    "AU": {"crisis_call": ["13 11 14"], "crisis_text": ["0477 13 11 14"], "emergency": ("000",)},
    "NZ": {"crisis_call": ["1737"], "crisis_text": ["1737"], "emergency": ("111",)},
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    loaded, problems = load_directory(RESOURCES)
    assert problems == []
    return loaded


def test_shipped_directory_is_clean_and_fresh() -> None:
    assert check_directory(RESOURCES, VERIFIED) == []


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_numbers_match_the_brief(directory: Directory, code: str) -> None:
    res = directory.for_country(code)
    want = EXPECTED[code]
    assert res.country == code
    assert [n for s in res.crisis for n in s.numbers("call")] == want["crisis_call"]
    assert [n for s in res.crisis for n in s.numbers("text")] == want["crisis_text"]
    assert res.emergency_numbers == want["emergency"]
    assert all(s.last_verified == VERIFIED for s in res.crisis)


def test_us_chat_and_notes(directory: Directory) -> None:
    lifeline = directory.for_country("US").crisis[0]
    assert [c.value for c in lifeline.contacts if c.method == "chat"] == ["988lifeline.org"]
    assert "Veterans" in (lifeline.contacts[0].note or "")


def test_nhs_111_is_non_emergency_and_nz_111_is_emergency(directory: Directory) -> None:
    gb = directory.for_country("GB")
    assert "111" not in gb.emergency_numbers
    (nhs,) = gb.non_emergency
    assert nhs.kind == "non_emergency"
    assert nhs.numbers() == ["111"]
    assert "not for emergencies" in (nhs.contacts[0].note or "")
    assert directory.for_country("NZ").emergency_numbers == ("111",)
    assert directory.for_country("NZ").non_emergency == ()


def test_codes_are_forgiving(directory: Directory) -> None:
    assert directory.for_country("gb").country == "GB"
    assert directory.for_country(" uk ").country == "GB"
    assert directory.country_name("nz") == "New Zealand"
    assert directory.country_name("FR") == "France"  # no lines here, but a country all the same
    assert not directory.has_lines("FR") and directory.has_lines("GB")
    assert directory.country_name("INTL") is None and directory.country_name("XX") is None


@pytest.mark.parametrize("code", [None, "", "XX", "INTL", "zz", "Narnia"])
def test_unknown_country_gets_the_international_fallback(directory: Directory, code: str | None) -> None:
    res = directory.for_country(code)
    assert res.is_fallback and res.country is None
    assert res.emergency_numbers == ()
    names = [s.name for s in res.international]
    assert "Find A Helpline" in names
    assert any("IASP" in n for n in names)
    assert {r.country for r in res.others} >= set(EXPECTED)
    assert all(not r.is_fallback and r.crisis for r in res.others)


def test_international_directory_is_always_attached(directory: Directory) -> None:
    for code in EXPECTED:
        assert next(c.value for s in directory.for_country(code).international for c in s.contacts) == (
            "findahelpline.com"
        )


def test_countries_for_autocomplete(directory: Directory) -> None:
    countries = directory.countries()
    assert {code for code, _ in countries} == set(EXPECTED)
    assert ("GB", "United Kingdom") in countries
    assert [name for _, name in countries] == sorted(name for _, name in countries)


# -------------------------------------------------------------------------------------------
# Freshness and validation
# -------------------------------------------------------------------------------------------


def test_stale_entries_are_warnings() -> None:
    problems = check_directory(RESOURCES, date(2027, 11, 24))
    assert problems
    assert all(p.severity is Severity.WARNING for p in problems)
    gb = [p for p in problems if p.file.endswith("gb.yaml")]
    assert {p.field for p in gb} == {
        "services.0.last_verified",
        "services.1.last_verified",
        "services.2.last_verified",
    }
    assert "Samaritans" in gb[0].message
    # Exactly a year old is still fresh.
    assert check_directory(RESOURCES, date(2027, 11, 23)) == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "resources"
    shutil.copytree(RESOURCES, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_future_verification_date_is_an_error(copy: Path) -> None:
    _edit(copy / "nz.yaml", "last_verified: 2026-11-23", "last_verified: 2030-01-01")
    problems = check_directory(copy, VERIFIED)
    assert [(p.field, p.severity) for p in problems] == [("services.0.last_verified", Severity.ERROR)]


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "message"),
    [
        ("gb.yaml", "country: GB", "country: G8", "country", "String should match"),
        ("gb.yaml", "country: GB", "country: UK", "", "use GB"),
        (
            "gb.yaml",
            "url: https://www.samaritans.org/",
            "url: http://www.samaritans.org/",
            "services.0.url",
            "match",
        ),
        ("gb.yaml", "kind: crisis", "kind: helpline", "services.0.kind", "Input should be"),
        ("gb.yaml", 'value: "116 123"', "value: call us", "services.0.contacts.0", "phone number"),
        (
            "gb.yaml",
            "    hours: 24/7\n",
            "    hours: 24/7\n    colour: red\n",
            "services.0.colour",
            "Extra inputs",
        ),
        ("gb.yaml", "last_verified: 2026-11-23", "last_verified: soon", "services.0.last_verified", "date"),
        ("au.yaml", 'emergency_number: "000"\n', "", "", "emergency_number is required"),
        ("nz.yaml", "kind: crisis", "kind: directory", "", "at least one crisis service"),
        ("gb.yaml", 'value: "111"', 'value: "999"', "", "shares a number with the emergency services"),
        ("international.yaml", "services:", 'emergency_number: "112"\nservices:', "", "no emergency_number"),
    ],
)
def test_broken_entry_is_reported_with_file_and_field(
    copy: Path, file: str, old: str, new: str, field: str, message: str
) -> None:
    _edit(copy / file, old, new)
    loaded, problems = load_directory(copy)
    hits = [p for p in problems if p.file == str(copy / file)]
    assert hits, problems
    assert any(p.field == field and message in p.message for p in hits), hits
    assert all(p.severity is Severity.ERROR for p in hits)
    # The broken file is left out; the rest of the directory still works.
    assert loaded.for_country("US").crisis


def test_file_name_must_match_country(copy: Path) -> None:
    (copy / "gb.yaml").rename(copy / "uk.yaml")
    loaded, problems = load_directory(copy)
    assert any(p.file.endswith("uk.yaml") and p.field == "country" for p in problems)
    assert not loaded.has_lines("GB") and loaded.for_country("GB").crisis == ()


def test_missing_international_entry_is_an_error(copy: Path) -> None:
    (copy / "international.yaml").unlink()
    loaded, problems = load_directory(copy)
    assert any("international" in p.message for p in problems)
    assert loaded.for_country(None).international == ()


def test_unreadable_files(copy: Path) -> None:
    (copy / "xx.yaml").write_text("country: [unclosed\n", encoding="utf-8")
    (copy / "yy.yaml").write_text("- a\n- list\n", encoding="utf-8")
    _, problems = load_directory(copy)
    assert any(p.file.endswith("xx.yaml") and "YAML" in p.message for p in problems)
    assert any(p.file.endswith("yy.yaml") and "mapping" in p.message for p in problems)


def test_empty_directory(tmp_path: Path) -> None:
    loaded, problems = load_directory(tmp_path)
    assert problems and all(p.severity is Severity.ERROR for p in problems)
    assert loaded.for_country("GB").crisis == () and not loaded.has_lines("GB")


@pytest.mark.parametrize(
    ("typed", "code", "name", "emergency"),
    [("France", "FR", "France", ("112",)), ("Deutschland", "DE", "Germany", ("112",)), ("holland", "NL", "Netherlands", ("112",)),
     ("España", "ES", "Spain", ("112",)), ("India", "IN", "India", ()), ("south korea", "KR", "South Korea", ()),
     ("Korea (South)", "KR", "South Korea", ()), ("Swaziland", "SZ", "Eswatini", ()), ("Germany (DE)", "DE", "Germany", ("112",))],
)
def test_a_country_without_a_file_is_understood_and_gets_what_is_known(
        directory: Directory, typed: str, code: str, name: str, emergency: tuple[str, ...]) -> None:
    """A member in Germany or India was refused ("I don't have crisis lines for 'Deutschland'")
    and shown six other countries' lines. Now the country is understood (the time-zone database's
    country table, and other names in international.yaml), and the member gets the EU-wide 112
    where it applies and the international directories, never another country's lines."""
    assert directory.resolve(typed) == code
    res = directory.for_country(code)
    assert (res.country, res.country_name, res.emergency_numbers) == (code, name, emergency)
    assert res.unlisted and not res.is_fallback and res.crisis == () and res.others == ()
    assert "Find A Helpline" in [s.name for s in res.international]


def test_a_country_with_a_file_keeps_its_own_numbers(directory: Directory) -> None:
    """Ireland is in the EU list and has its own file: the file's numbers stand."""
    ireland = directory.for_country("IE")
    assert not ireland.unlisted and ireland.crisis and ireland.emergency_numbers[0] == "112"
    assert directory.search("ger")[0] == ("DE", "Germany") and directory.search("ingdom")[0][0] == "GB"


def test_shared_numbers_and_other_names_belong_in_the_international_file(copy: Path) -> None:
    gb = copy / "gb.yaml"
    gb.write_text(gb.read_text(encoding="utf-8") + "other_names:\n  DE: [Deutschland]\n", encoding="utf-8")
    intl = copy / "international.yaml"
    intl.write_text(intl.read_text(encoding="utf-8").replace("  NL: [Holland, Nederland]", "  IE: [Airlann]"),
                    encoding="utf-8")
    loaded, problems = load_directory(copy)
    assert any(p.file.endswith("gb.yaml") and "international.yaml" in p.message for p in problems)
    assert any(p.file.endswith("international.yaml") and p.field == "other_names.IE" for p in problems)
    assert not loaded.has_lines("GB")  # the broken file is left out, as any broken file is


def test_a_stale_shared_number_is_a_warning(copy: Path) -> None:
    problems = check_directory(copy, date(2028, 1, 1))
    assert any(p.field == "shared_emergency_numbers.0.last_verified" and p.severity is Severity.WARNING
               for p in problems)
