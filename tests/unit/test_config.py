"""Settings: built on demand, one clear line for a bad value, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_PATH", "CONTENT_DIR", "DEV_GUILD_ID", "LOG_LEVEL", "DISCORD_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here


def test_defaults_match_the_readme() -> None:
    settings = load_settings()
    assert settings.database_path == Path("data/supportbot.sqlite3")
    assert settings.content_dir == Path("content")
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEV_GUILD_ID", "not-a-number"), ("DEV_GUILD_ID", "-5"), ("LOG_LEVEL", "loud"), ("CHECKIN_REST_DAYS", "9"),
     ("DISCORD_API_BASE", "https://example.com")],
)
def test_bad_value_names_the_variable_in_one_line(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(name)
    assert "\n" not in message


REJECTED_API_BASES = [
    "http://localhost@other.host",  # user info: the host is other.host
    "http://localhost:8080@other.host",
    "http://user:secret@127.0.0.1:8080",
    "http://127.0.0.1\\@other.host",
    "http://localhost.other.host",  # starts like localhost, is a remote name
    "http://127.0.0.1.evil.com",
    "http://[::1].evil.com",
    "https://example.com",
    "http://10.0.0.5",
    "http://128.0.0.1",
    "http://[::ffff:127.0.0.1]",  # IPv4-mapped, not the IPv6 loopback
    "http://127.1",  # shorthand forms some resolvers accept
    "http://0x7f000001",
    "http://2130706433",
    "ws://127.0.0.1",
    "ftp://localhost",
    "//localhost:8080",
    "localhost:8080",
    "http://localhost:notaport",
    "http://localhost:99999",
    "http://127.0.0.1/?next=http://other.host",
    "http://127.0.0.1/#frag",
    "http://[::1",
]


@pytest.mark.parametrize("value", REJECTED_API_BASES)
def test_api_base_must_really_be_a_loopback_host(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("DISCORD_API_BASE")


@pytest.mark.parametrize("value", REJECTED_API_BASES)
def test_the_endpoint_switch_refuses_the_same_urls(value: str) -> None:
    from bot.endpoint import point_discord_at

    with pytest.raises(ValueError):
        point_discord_at(value)


@pytest.mark.parametrize(
    "value", ["http://127.0.0.1:8765", "http://127.3.2.1", "http://localhost:1234/", "https://localhost", "http://[::1]:9000"]
)
def test_loopback_api_bases_are_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", value)
    assert load_settings().discord_api_base == value


def test_missing_token_explains_how_to_get_one() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings().token()
    message = str(caught.value)
    assert "DISCORD_TOKEN" in message and "discord.com/developers" in message and ".env" in message


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcdE.abcdefghijklmnopqrstuvwxyz0123"
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    settings = load_settings()
    assert secret not in repr(settings) and secret not in str(settings)
    assert settings.token() == secret


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=debug\nDEV_GUILD_ID=123\n")
    settings = load_settings()
    assert settings.log_level == "DEBUG" and settings.dev_guild_id == 123
