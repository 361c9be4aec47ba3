"""Settings: one typed object from the environment or secrets.toml; secrets never print."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import settings as settings_module
from settings import Settings


def test_environment_variables_with_the_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("OPSDESK_DATABASE_URL", "sqlite:////tmp/x.db")
    cfg = Settings()
    assert cfg.timezone == "Europe/Berlin"
    assert cfg.database_url == "sqlite:////tmp/x.db"
    assert cfg.tz.key == "Europe/Berlin"


def test_an_unknown_time_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="time zone"):
        Settings()


def test_secrets_toml_is_read_when_the_environment_is_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        'OPSDESK_SLACK_BOT_TOKEN = "xoxb-from-file"\nOPSDESK_TIMEZONE = "Asia/Tokyo"\n'
    )
    monkeypatch.setattr(settings_module, "SECRETS_FILE", secrets)
    monkeypatch.delenv("OPSDESK_TIMEZONE", raising=False)
    cfg = Settings()
    assert cfg.timezone == "Asia/Tokyo"
    assert cfg.slack_bot_token is not None
    assert cfg.slack_bot_token.get_secret_value() == "xoxb-from-file"
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Europe/Paris")
    assert Settings().timezone == "Europe/Paris"


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", "xoxb-very-secret")
    cfg = Settings()
    for text in (repr(cfg), str(cfg), cfg.model_dump_json(), repr(cfg.slack_bot_token)):
        assert "xoxb-very-secret" not in text


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"OPSDESK_{name.upper()}" in readme, f"OPSDESK_{name.upper()} missing from README"
