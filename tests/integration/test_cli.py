"""The command-line contracts: ``ask --json -``, ``content check``, ``run`` without a token, ``chat``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONTENT, ROOT


def supportbot(*args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DEV_GUILD_ID", "DISCORD_API_BASE"}}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=environment, cwd=cwd, timeout=timeout)


def test_ask_json_reads_one_question_per_line(tmp_path: Path) -> None:
    out = supportbot("ask", "--json", "-", stdin="does exercise help\nrecipe for banana bread\n",
                     env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(lines) == 2
    answer, no_match = lines
    assert answer["kind"] == "answer" and answer["id"] == "exercise-first"
    assert set(answer) == {"kind", "id", "question", "score", "related"}
    assert isinstance(answer["score"], float) and isinstance(answer["related"], list)
    assert no_match == {"kind": "no_match", "suggestions": no_match["suggestions"]}
    assert len(no_match["suggestions"]) <= 3



def test_ask_json_says_when_advice_carries_the_gentle_note() -> None:
    # a self-harm message nearer a red flag than the crisis bank: the advice, and the note with it
    out = supportbot("ask", "--json", "-", env={"CONTENT_DIR": str(CONTENT)},
                     stdin="been punching my legs till theyre purple when the pain and the thoughts get too loud\n"
                           "how much amitriptyline should i take\n")
    assert out.returncode == 0, out.stderr
    near, dose = (json.loads(line) for line in out.stdout.splitlines())
    assert near["kind"] == "safety" and near["level"] in ("urgent", "clinician") and near["note"] == "gentle"
    assert dose["kind"] == "safety" and dose["level"] == "clinician" and "note" not in dose

def test_ask_prints_the_answer_as_a_member_sees_it() -> None:
    out = supportbot("ask", "does", "exercise", "help", env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0
    assert "Sources:" in out.stdout and "not medical advice" in out.stdout


def test_run_without_token_explains_in_one_sentence(tmp_path: Path) -> None:
    out = supportbot("run", cwd=tmp_path, env={"DISCORD_TOKEN": ""})
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and "Traceback" not in out.stderr


def test_bad_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    out = supportbot("chat", cwd=tmp_path, env={"DEV_GUILD_ID": "twelve"})
    assert out.returncode == 2
    assert out.stderr.strip().startswith("DEV_GUILD_ID is not valid") and len(out.stderr.strip().splitlines()) == 1


def test_content_check_reports_file_and_field(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "oops.md").write_text("---\nid: oops\nquestion: Is this valid?\n---\nbody\n")
    out = supportbot("content", "check", str(tmp_path))
    assert out.returncode == 1
    assert f"{pack / 'oops.md'}: aliases: is required" in out.stdout
    assert "content check failed" in out.stdout
    # The test clock's day, not today: review dates fall due, and this must not fail on its own.
    good = supportbot("content", "check", str(CONTENT), "--on", "2026-11-23")
    assert good.returncode == 0 and "0 error(s), 0 warning(s)" in good.stdout


def test_content_check_judges_reviews_as_of_a_given_day() -> None:
    later = supportbot("content", "check", str(CONTENT), "--on", "2028-01-01")
    assert later.returncode == 0  # overdue reviews are warnings, not errors
    assert "0 error(s)" in later.stdout and "0 warning(s)" not in later.stdout
    # The shipped FAQ entries are drafted (no review dates yet); the crisis lines' check dates are.
    assert "was last verified on 2026-11-23" in later.stdout
    assert "was last verified" not in supportbot("content", "check", str(CONTENT), "--on", "2026-12-01").stdout
    bad = supportbot("content", "check", "--on", "next tuesday")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr


def test_chat_reads_commands_from_a_pipe(tmp_path: Path) -> None:
    script = "/faq does exercise help\n4\n/faq what is the best banana bread\n/nope\n:quit\n"
    out = supportbot("chat", "--user", "alice", stdin=script, cwd=tmp_path,
                     env={"CONTENT_DIR": str(CONTENT), "DATABASE_PATH": str(tmp_path / "db.sqlite3")})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "WHY IS EXERCISE RECOMMENDED FIRST" in text
    assert "[4] 👍 Helpful" in text
    assert "Thank you — your feedback helps" in text
    assert "I don't have a vetted answer for that yet" in text
    assert "I don't know /nope" in text
    assert (tmp_path / "db.sqlite3").exists()


def test_content_export_writes_the_named_servers_sign_offs(tmp_path: Path) -> None:
    from bot.console.session import CONSOLE_GUILD_ID

    env = {"CONTENT_DIR": str(CONTENT), "DATABASE_PATH": str(tmp_path / "db.sqlite3"), "HOME_GUILD_ID": ""}
    signed = supportbot("chat", "--user", "sam", "--moderator", stdin="/faq-admin sign-off pacing\n1\n:quit\n",
                        cwd=tmp_path, env=env)
    assert "Signed off `pacing` as reviewed by sam" in signed.stdout, signed.stdout
    unnamed = supportbot("content", "export", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert unnamed.returncode == 1 and "HOME_GUILD_ID" in unnamed.stdout and not (tmp_path / "out").exists()
    done = supportbot("content", "export", str(tmp_path / "out"), "--guild", str(CONSOLE_GUILD_ID), cwd=tmp_path,
                      env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    text = (tmp_path / "out" / "fibromyalgia" / "pacing.md").read_text(encoding="utf-8")
    original = (CONTENT / "fibromyalgia" / "pacing.md").read_text(encoding="utf-8")
    assert text == original.replace("review: drafted\n", "review: reviewed\nreviewed_by: sam\nreviewed_on: "
                                    f"{text.split('reviewed_on: ')[1][:10]}\nreview_due: {text.split('review_due: ')[1][:10]}\n")
    assert supportbot("content", "check", str(tmp_path / "out"), cwd=tmp_path).returncode == 0


def test_automod_json_summarises_the_derived_rules() -> None:
    out = supportbot("automod", "--json", "--rules", "1", env={"CONTENT_DIR": str(CONTENT)})
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert set(summary) == {"rules", "keywords", "regexes", "allow_list", "crisis_rules", "left_out", "partly"}
    assert summary["rules"] == 1 and summary["keywords"] <= 1000 and summary["regexes"] <= 10
    assert "ending-life" in summary["crisis_rules"] and summary["left_out"]
