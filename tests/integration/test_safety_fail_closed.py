"""The safety net never switches off quietly: a broken safety file stops every front end.

Each command that can answer a member (``run``, ``chat``, ``ask``, ``triage``) must refuse to start
with one line naming the broken file when any rule, exemplar or resource file fails to load, and
the exact wording of an entry's question is screened like any other text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CONTENT
from tests.integration.test_cli import supportbot

SUICIDAL_QUESTION = "I'm having thoughts of suicide. What can I do right now?"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the content with a typo (an unclosed bracket) in the crisis rules."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    crisis = copy / "safety" / "crisis.yaml"
    crisis.write_text(crisis.read_text(encoding="utf-8").replace("rules:\n", "rules: [\n", 1), encoding="utf-8")
    return copy


def _one_line_naming(out: object, name: str) -> None:
    stderr = out.stderr.strip()  # type: ignore[attr-defined]
    assert out.returncode != 0, out.stdout  # type: ignore[attr-defined]
    assert len(stderr.splitlines()) == 1, stderr
    assert name in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("command", [["triage", "--json", "-"], ["ask", "--json", "-"]])
def test_broken_crisis_file_stops_triage_and_ask(broken: Path, command: list[str]) -> None:
    out = supportbot(*command, stdin="I want to kill myself\n", env={"CONTENT_DIR": str(broken)})
    _one_line_naming(out, "crisis.yaml")
    assert out.stdout == ""  # nothing was answered, not even "none"


def test_broken_crisis_file_stops_chat(broken: Path, tmp_path: Path) -> None:
    out = supportbot("chat", stdin="/faq I want to kill myself\n", cwd=tmp_path,
                     env={"CONTENT_DIR": str(broken), "DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    _one_line_naming(out, "crisis.yaml")
    assert "/faq" not in out.stdout


def test_broken_crisis_file_stops_run_before_connecting(broken: Path, tmp_path: Path) -> None:
    out = supportbot("run", cwd=tmp_path, env={
        "CONTENT_DIR": str(broken), "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "DISCORD_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    })
    _one_line_naming(out, "crisis.yaml")


def test_broken_exemplar_file_stops_triage(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    bank = copy / "safety" / "exemplars" / "crisis.yaml"
    bank.write_text(bank.read_text(encoding="utf-8").replace("level: crisis", "level: crissis", 1), encoding="utf-8")
    out = supportbot("triage", "hello", env={"CONTENT_DIR": str(copy)})
    _one_line_naming(out, "exemplars/crisis.yaml")
    assert "families.0.level" in out.stderr


def test_missing_content_folder_stops_triage(tmp_path: Path) -> None:
    out = supportbot("triage", "I want to die", env={"CONTENT_DIR": str(tmp_path / "nonexistent")})
    _one_line_naming(out, "nonexistent")


def test_deeply_nested_yaml_is_a_file_error_not_a_crash(tmp_path: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "safety" / "deep.yaml").write_text("rules: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    out = supportbot("triage", "I want to die", env={"CONTENT_DIR": str(copy)})
    _one_line_naming(out, "deep.yaml")
    assert "RecursionError" not in out.stderr and "nests deeper" in out.stderr
    check = supportbot("content", "check", str(copy))
    assert check.returncode == 1 and "deep.yaml: nests deeper than" in check.stdout


def test_exact_entry_question_is_screened_but_an_entry_id_is_not() -> None:
    out = supportbot("ask", "--json", "-", stdin=f"{SUICIDAL_QUESTION}\nsuicidal-thoughts\n",
                     env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    typed, picked = (json.loads(line) for line in out.stdout.splitlines())
    assert typed["kind"] == "safety" and typed["level"] == "crisis"
    assert typed["rule"] and typed["layer"] == "rule" and typed["confidence"] == 1.0  # added fields
    assert picked["kind"] == "answer" and picked["id"] == "suicidal-thoughts"


def test_triage_json_keeps_its_fields_and_says_which_layer(tmp_path: Path) -> None:
    out = supportbot("triage", "--json", "--country", "GB", "-",
                     stdin="I want to die\neveryone would be happier if i just vanished for good\nhow do i pace\n",
                     env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    ruled, meant, nothing = (json.loads(line) for line in out.stdout.splitlines())
    for row in (ruled, meant, nothing):
        assert {"level", "rule", "resources", "layer", "confidence", "gentle"} <= set(row)
    assert ruled["level"] == "crisis" and ruled["layer"] == "rule" and ruled["confidence"] == 1.0
    assert ruled["rule"] and any(r["kind"] == "crisis" for r in ruled["resources"])
    assert nothing["level"] == "none" and nothing["layer"] is None and nothing["resources"] == []
    # No rule covers this wording: the semantic layer decides, and says so.
    assert meant["level"] == "crisis" and meant["layer"] == "semantic" and meant["rule"] is None
    assert 0.5 <= meant["confidence"] <= 1.0 and meant["family"]


def test_triage_json_for_a_country_without_lines_gives_its_shared_number_and_the_directory() -> None:
    out = supportbot("triage", "--json", "--country", "Deutschland", "-", stdin="I want to die\n",
                     env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    (row,) = (json.loads(line) for line in out.stdout.splitlines())
    kinds = [r["kind"] for r in row["resources"]]
    assert row["level"] == "crisis" and "crisis" not in kinds and "directory" in kinds
    assert {"name": "Emergency services (Germany)", "kind": "emergency", "contacts": ["call 112"]} in row["resources"]


def test_doctor_prints_the_safety_set_in_force() -> None:
    out = supportbot("doctor", env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    assert "Rules:" in out.stdout and "Exemplars:" in out.stdout and "multilingual-e5-small" in out.stdout
    assert "Resources GB" in out.stdout and "oldest verification" in out.stdout
    assert "Shared emergency number 112: 27 countries" in out.stdout and "verified 2026-11-23" in out.stdout
    # the semantic layer's settings in force, as a moderator reviewing it needs them
    from bot.care import semantic
    from bot.care.engine import CLAUSE_WORDS
    assert f"K {semantic.K}, head weight {semantic.HEAD_WEIGHT:g}" in out.stdout
    assert f"sentences of {CLAUSE_WORDS}+ words clause by clause too, for a crisis only, at {semantic.CLAUSE_EXTRA:+.4f}" in out.stdout
    assert f"crisis {semantic.THRESHOLDS[semantic.Level.CRISIS]:+.4f}" in out.stdout
