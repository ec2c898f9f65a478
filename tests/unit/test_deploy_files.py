"""The deployment files, parsed and checked: the Dockerfile, ``.dockerignore``, ``compose.yaml`` and
the systemd unit. Every setting they pass must be one the bot reads (and ``.env.example``
documents), no secret may be baked in, and the user must not be root."""

from __future__ import annotations

import fnmatch
import re
import shlex
from pathlib import Path, PurePosixPath

import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {name.upper() for name in Settings.model_fields}
RUNTIME_ENV = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "MPLCONFIGDIR", "PIP_NO_CACHE_DIR",
               "PIP_DISABLE_PIP_VERSION_CHECK"}  # read by Python, pip or matplotlib, not by the bot
SECRET_WORDS = ("TOKEN", "PASSWORD", "SECRET", "DATA_KEY")


def env_example_names() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


# -- Dockerfile ------------------------------------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    steps = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            steps.append((word.upper(), rest.strip()))
    return steps


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in final_stage():
        if word == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def exec_form(rest: str) -> list[str]:
    assert rest.startswith("["), f"use the exec form (a JSON list), not a shell string: {rest}"
    return list(yaml.safe_load(rest))


def healthcheck_command() -> list[str]:
    [rest] = [rest for word, rest in final_stage() if word == "HEALTHCHECK"]
    _, _, command = rest.partition("CMD ")
    return exec_form(command.strip())


def entrypoint_command() -> list[str]:
    stage = dict(final_stage())
    return exec_form(stage["ENTRYPOINT"]) + exec_form(stage["CMD"])


def test_dockerfile_runs_a_slim_python_as_a_non_root_user() -> None:
    stage = final_stage()
    assert stage[0][1].startswith("python:3.11-slim")
    users = [rest for word, rest in stage if word == "USER"]
    assert users, "the image must switch to a non-root user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    last_user = max(i for i, (word, _) in enumerate(stage) if word == "USER")
    assert all(word != "RUN" for word, _ in stage[last_user:]), "nothing may run as root after USER"
    assert any(word == "RUN" and "useradd --system --uid 10001 --gid supportbot" in rest and user in rest
               for word, rest in stage)


def test_dockerfile_health_check_and_entry_point_are_supportbot_commands() -> None:
    assert healthcheck_command() == ["supportbot", "health"]
    assert entrypoint_command() == ["supportbot", "run"]
    [rest] = [rest for word, rest in final_stage() if word == "HEALTHCHECK"]
    timeout = re.search(r"--timeout=(\d+)s", rest)
    assert timeout and int(timeout.group(1)) >= 10  # loading the safety set takes a second or two


def test_dockerfile_settings_are_real_and_the_data_lives_on_the_volume() -> None:
    env = image_env()
    unknown = set(env) - SETTINGS - RUNTIME_ENV
    assert not unknown, f"the image sets variables the bot does not read: {unknown}"
    assert not [n for n in env if any(word in n for word in SECRET_WORDS)], "no secret in the image"
    volumes = [v for word, rest in final_stage() if word == "VOLUME" for v in exec_form(rest)]
    database = PurePosixPath(env["DATABASE_PATH"])
    assert str(database.parent) in volumes  # database and key file persist, outside the image
    assert env["CONTENT_DIR"] == "/app/content"
    assert any(word == "COPY" and rest.split()[-1] == env["CONTENT_DIR"] for word, rest in final_stage())
    assert env.get("METRICS_PORT", "").isdigit()  # the health check gets the loop's heartbeat
    assert env["MPLCONFIGDIR"].startswith("/tmp/")  # charts' font cache: writable with a read-only root


def test_nothing_secret_or_local_is_copied_into_the_image() -> None:
    sources = []
    for word, rest in dockerfile():
        if word in {"COPY", "ADD"}:
            parts = [p for p in rest.split() if not p.startswith("--")]
            sources.extend(parts[:-1])
    assert sources and "." not in sources, "copy named files and folders, never the whole context"
    for source in sources:
        assert not any(bad in source for bad in (".env", "data", ".key", ".sqlite3", ".git")), source
    assert not [rest for word, rest in dockerfile() if word == "ADD"], "ADD can fetch URLs; use COPY"
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]

    def excluded(path: str) -> bool:
        verdict = False
        for pattern in ignored:
            negate = pattern.startswith("!")
            body = pattern[1:] if negate else pattern
            body = body.rstrip("/")
            if fnmatch.fnmatch(path, body) or path.startswith(body + "/") or fnmatch.fnmatch(path.rsplit("/", 1)[-1], body):
                verdict = not negate
        return verdict

    for secret in (".env", ".env.production", "data/supportbot.sqlite3", "data/supportbot.key",
                   "elsewhere/x.sqlite3-wal", "backup.sqlite3.key", ".venv/bin/python", ".git/config"):
        assert excluded(secret), f"{secret} would be sent to the build"
    for needed in ("bot/app.py", "content/safety/crisis.yaml", "pyproject.toml", "README.md"):
        assert not excluded(needed), f"{needed} is needed by the build"


# -- compose.yaml ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_the_bot_with_postgres_16_and_waits_for_it(compose: dict) -> None:
    bot, db = compose["services"]["bot"], compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] in {"unless-stopped", "always", "on-failure"} and db["restart"] == bot["restart"]
    assert bot["build"] == "." and bot["env_file"] == ".env"
    assert bot.get("read_only") is True and "ALL" in bot["cap_drop"]
    assert "/tmp" in bot["tmpfs"] and image_env()["MPLCONFIGDIR"].startswith("/tmp/")  # writable scratch


def test_compose_volumes_are_named_and_hold_the_data(compose: dict) -> None:
    declared = set(compose["volumes"])
    for service in compose["services"].values():
        for mount in service.get("volumes", []):
            name = mount.split(":")[0]
            assert name in declared, f"{name} must be a named volume, not a host folder"
    [bot_mount] = compose["services"]["bot"]["volumes"]
    env = compose["services"]["bot"]["environment"]
    assert PurePosixPath(env["DATABASE_PATH"]).parent == PurePosixPath(bot_mount.split(":")[1])
    assert bot_mount.split(":")[1] in {v for word, rest in final_stage() if word == "VOLUME" for v in exec_form(rest)}


def test_compose_names_only_real_settings_and_documented_variables(compose: dict) -> None:
    env = compose["services"]["bot"]["environment"]
    assert set(env) <= SETTINGS, f"compose sets variables the bot does not read: {set(env) - SETTINGS}"
    assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    interpolated = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    assert interpolated, "secrets come from .env through ${...}"
    assert interpolated <= env_example_names(), f"not in .env.example: {interpolated - env_example_names()}"
    db_env = compose["services"]["db"]["environment"]
    assert db_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")  # never a literal password
    password = re.search(r"postgresql://[^:]+:([^@]+)@", env["DATABASE_URL"])
    assert password and password.group(1).startswith("${POSTGRES_PASSWORD")
    assert env["METRICS_PORT"] == image_env()["METRICS_PORT"]
    # .env (a copy of .env.example) is the env_file: its relative paths would point inside the
    # read-only image, so compose's environment (which wins over env_file) must set each one again.
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    paths = {name for name in ("DATABASE_PATH", "CONTENT_DIR") if re.search(rf"^{name}=\S", example, re.MULTILINE)}
    assert paths and paths <= set(env)
    assert all(env[name].startswith("/") for name in paths)


# -- the systemd unit ------------------------------------------------------------------------------

def unit() -> dict[str, dict[str, list[str]]]:
    """systemd's INI dialect: sections of keys, where a key may repeat (Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in (ROOT / "deploy" / "supportbot.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"not a key=value line: {raw}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict[str, list[str]], key: str) -> str:
    assert key in section, f"{key}= is missing"
    return section[key][-1]


def test_systemd_unit_runs_the_bot_hardened_and_unprivileged() -> None:
    sections = unit()
    assert {"Unit", "Service", "Install"} <= set(sections)
    service = sections["Service"]
    assert one(service, "ExecStart").endswith("/supportbot run")
    assert one(service, "DynamicUser") == "yes" or one(service, "User") not in {"root", "0"}
    for key, value in {"ProtectSystem": "strict", "ProtectHome": "yes", "NoNewPrivileges": "yes",
                       "PrivateTmp": "yes", "PrivateDevices": "yes", "UMask": "0077",
                       "StateDirectoryMode": "0700"}.items():
        assert one(service, key) == value, f"{key}={value}"
    assert one(service, "CapabilityBoundingSet") == ""
    assert one(service, "Restart") in {"on-failure", "always"}
    assert one(service, "Type") == "notify" and int(one(service, "WatchdogSec")) >= 30  # the bot sends both
    assert set(one(service, "RestartPreventExitStatus").split()) == {"2", "3"}  # bad setting, no safety set
    assert one(sections["Install"], "WantedBy") == "multi-user.target"


def test_systemd_unit_settings_are_real_and_secrets_stay_in_the_environment_file() -> None:
    service = unit()["Service"]
    env = dict(pair.split("=", 1) for value in service["Environment"] for pair in shlex.split(value))
    assert set(env) - RUNTIME_ENV <= SETTINGS, f"not settings: {set(env) - RUNTIME_ENV - SETTINGS}"
    assert not [n for n in env if any(word in n for word in SECRET_WORDS)], "secrets belong in EnvironmentFile"
    assert one(service, "EnvironmentFile").startswith("/etc/")
    state = PurePosixPath("/var/lib") / one(service, "StateDirectory")
    assert PurePosixPath(env["DATABASE_PATH"]).parent == state  # database and key file in the private state folder
    assert PurePosixPath(env["MPLCONFIGDIR"]) == PurePosixPath("/var/cache") / one(service, "CacheDirectory")
