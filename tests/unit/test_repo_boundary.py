"""Nothing in bot/, tests/, bench/, the Makefile or .ci/ reads a path outside the repository, so a
fresh clone with nothing beside it runs everything. The scanner is proved on planted examples."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT
from tests.repo_boundary import scan


def test_the_repository_reads_nothing_outside_itself() -> None:
    escapes = scan(ROOT)
    assert [str(e) for e in escapes] == []


def test_the_scan_covers_the_code_it_promises_to() -> None:
    """Guard against a scan that passes because it looked at nothing."""
    from tests.repo_boundary import _files

    scanned = {p.relative_to(ROOT).as_posix() for p in _files(ROOT)}
    assert {"Makefile", ".ci/run", "bot/client.py", "tests/e2e/openapi_validator.py", "bench/e2e.py"} <= scanned


def plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


ESCAPING = {
    # The bug that made a fresh clone fail: the API description read from beside the repository.
    "tests/e2e/validator.py": (
        "from pathlib import Path\n"
        "SPEC = Path(__file__).resolve().parents[3] / 'sibling' / 'spec.json'\n"  # 2
        "ROOT = Path(__file__).resolve().parent.parent.parent\n"
        "OTHER = ROOT.parent / 'sibling'\n"  # 4
        "RAW = open('../sibling/api/spec.json').read()\n"  # 5
        "UP = ROOT / '..' / 'sibling'\n"  # 6
        "JOINED = Path(__file__).parent / 'data' / '../../../..' / 'x'\n"  # 7
    ),
    "bot/settings_file.py": (
        "import os\n"
        "from pathlib import Path\n"
        "CONFIG = Path('/etc/supportbot/config.yaml')\n"  # 3
        "HOME = Path.home() / '.supportbot'\n"  # 4
        "NEAR = os.path.join(os.path.dirname(__file__), '..', '..', 'secrets')\n"  # 5
        "WORK = '/srv/sibling/notes.md'\n"  # 6
        "OUT = '../outside.txt'\n"
        "TEXT = Path(OUT).read_text()\n"  # 8
        "LOG = f'/var/log/{os.getpid()}.log'\n"
        "LOGGED = open(f'/var/log/{os.getpid()}.log')\n"  # 10
    ),
    "bench/load.py": (
        "import sqlite3, subprocess\n"
        "DB = sqlite3.connect('../../data/other.sqlite3')\n"  # 2
        "subprocess.run(['ls'], cwd='../sibling')\n"  # 3
        "subprocess.run(['ls'], cwd='tests')\n"
    ),
    "Makefile": "test:\n\tcat ../sibling/api/spec.json\n\tls /srv/sibling\n",  # 2, 3
    ".ci/run": '#!/usr/bin/env bash\ncd "$(dirname "$0")/../.."\nmake test\n',  # 2
}

EXPECTED = {
    ("tests/e2e/validator.py", 2), ("tests/e2e/validator.py", 4), ("tests/e2e/validator.py", 5),
    ("tests/e2e/validator.py", 6), ("tests/e2e/validator.py", 7),
    ("bot/settings_file.py", 3), ("bot/settings_file.py", 4), ("bot/settings_file.py", 5),
    ("bot/settings_file.py", 6), ("bot/settings_file.py", 8), ("bot/settings_file.py", 10),
    ("bench/load.py", 2), ("bench/load.py", 3), ("Makefile", 2), ("Makefile", 3), (".ci/run", 2),
}

LEGIT = {
    "tests/conftest.py": (
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parent.parent\n"
        "CONTENT = ROOT / 'content'\n"
        "SPEC = Path(__file__).resolve().parent / 'e2e' / 'discord_api' / 'openapi.json'\n"
        "DATA = Path(__file__).parent / 'data' / '..' / 'data' / 'x.jsonl'\n"
    ),
    "tests/unit/test_zones.py": (
        "import pytest\n"
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parents[2]\n"
        "@pytest.mark.parametrize('bad', ['../../etc/passwd', '/etc/passwd', 'Mars/Base'])\n"
        "def test_bad_zone(bad):\n"
        "    assert bad\n"
        "def test_missing(tmp_path):\n"
        "    assert not (tmp_path / 'missing').exists() and not Path('/nonexistent/safety').exists()\n"
    ),
    "bench/e2e.py": (
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parent.parent\n"
        "def rss(pid):\n"
        "    return Path(f'/proc/{pid}/status').read_text()\n"
        "ROUTE = '/api/v10/interactions/{id}/{token}/callback'\n"
        "NULL = open('/dev/null', 'w')\n"
    ),
    "Makefile": (
        "BIN := .venv/bin\n"
        "test: $(BIN)/python\n"
        "\t$(BIN)/python -m pytest -q $(if $(K),-k $(K))\n"
        "\t@for b in faq e2e; do $(BIN)/python bench/$$b.py --quick >/dev/null; done\n"
        "\t@echo see https://discord.com/developers/docs\n"
    ),
    ".ci/run": '#!/usr/bin/env bash\n# runs from the repository root\ncd "$(dirname "$0")/.."\nmake test\n',
}


def test_planted_escapes_are_each_found(tmp_path: Path) -> None:
    plant(tmp_path, ESCAPING)
    found = {(e.file, e.line) for e in scan(tmp_path)}
    assert found == EXPECTED, (sorted(EXPECTED - found), sorted(found - EXPECTED))


def test_legitimate_paths_are_not_flagged(tmp_path: Path) -> None:
    plant(tmp_path, LEGIT)
    assert [str(e) for e in scan(tmp_path)] == []


def test_a_planted_escape_beside_legitimate_code_fails_the_check(tmp_path: Path) -> None:
    plant(tmp_path, LEGIT)
    plant(tmp_path, {"tests/e2e/openapi_validator.py": (
        "from pathlib import Path\n"
        "ROOT = Path(__file__).resolve().parent.parent.parent\n"
        "SPEC = ROOT.parent / 'sibling' / 'api' / 'spec.json'\n"
    )})
    escapes = scan(tmp_path)
    assert [(e.file, e.line) for e in escapes] == [("tests/e2e/openapi_validator.py", 3)]
    assert "above the repository root" in escapes[0].why
