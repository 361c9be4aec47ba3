"""Secrets never show up in logs, reprs or error messages."""

from __future__ import annotations

import logging

import pytest

from cli import main as opsdesk
from settings import Settings

TOKEN = "xoxb-123456789012-SECRET-TOKEN-VALUE"


def test_a_token_never_appears_in_the_settings_repr_str_or_dump(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", TOKEN)
    cfg = Settings()
    assert cfg.slack_bot_token is not None
    assert cfg.slack_bot_token.get_secret_value() == TOKEN
    for text in (repr(cfg), str(cfg), cfg.model_dump_json(), repr(cfg.model_dump())):
        assert TOKEN not in text


def test_an_invalid_setting_error_does_not_echo_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Not/AZone")
    with pytest.raises(ValueError) as info:
        Settings()
    assert TOKEN not in str(info.value)


def test_the_database_password_is_redacted_in_cli_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from cli import _redacted

    assert "hunter2" not in _redacted("postgresql+psycopg://opsdesk:hunter2@db.internal/opsdesk")


def test_cli_runs_log_nothing_secret(
    app_env,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:  # type: ignore[no-untyped-def]
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", TOKEN)
    get_settings.cache_clear()
    with caplog.at_level(logging.DEBUG):
        assert opsdesk(["user", "add", "x@example.com", "--role", "va"]) == 0
        assert opsdesk(["user", "add", "x@example.com", "--role", "va"]) == 2
    captured = capsys.readouterr()
    assert TOKEN not in caplog.text + captured.out + captured.err
