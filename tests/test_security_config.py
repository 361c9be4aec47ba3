"""The deployment configuration: XSRF on, error details hidden, secrets never committed."""

from __future__ import annotations

import subprocess
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from settings import Settings
from tests.conftest import ROOT, assert_no_exception

CONFIG = ROOT / ".streamlit" / "config.toml"
EXAMPLE = ROOT / ".streamlit" / "secrets.toml.example"


@pytest.fixture(scope="module")
def config() -> dict:  # type: ignore[type-arg]
    with CONFIG.open("rb") as fh:
        return tomllib.load(fh)


def test_xsrf_and_cors_protection_are_on(config: dict) -> None:  # type: ignore[type-arg]
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"].get("enableCORS", True) is True


def test_error_details_are_hidden_from_users(config: dict) -> None:  # type: ignore[type-arg]
    # Streamlit's values are full / stacktrace / type / none; the legacy `false` means
    # "stacktrace", which still shows tracebacks, so only "none" (or "type") is off.
    assert config["client"]["showErrorDetails"] in {"none", "type"}


def test_server_does_not_phone_home_or_open_a_browser(config: dict) -> None:  # type: ignore[type-arg]
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["headless"] is True
    assert config["client"]["toolbarMode"] == "minimal"


def test_every_config_option_has_a_reason_above_it() -> None:
    lines = CONFIG.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#"), f"no reason given for {line!r}"


def test_streamlit_accepts_the_config_values(config: dict) -> None:  # type: ignore[type-arg]
    from streamlit import config as st_config

    for section, options in config.items():
        for name in options:
            assert f"{section}.{name}" in st_config._config_options_template, (section, name)


def test_secrets_toml_is_not_tracked_by_git() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "--", ".streamlit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert ".streamlit/secrets.toml" not in tracked
    assert ".streamlit/config.toml" in tracked
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, ".streamlit/secrets.toml must be listed in .gitignore"


def test_the_secrets_example_documents_every_setting_and_an_auth_section() -> None:
    text = EXAMPLE.read_text()
    for name in Settings.model_fields:
        assert f"OPSDESK_{name.upper()}" in text, f"OPSDESK_{name.upper()} is not documented"
    data = tomllib.loads(text)
    assert {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    } <= set(data["auth"])
    assert "accounts.google.com" in text and "okta.com" in text


def test_development_mode_shows_full_error_details(
    app_env,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from streamlit import config as st_config

    from settings import get_settings

    monkeypatch.setenv("OPSDESK_ENV", "development")
    get_settings.cache_clear()
    before = st_config.get_option("client.showErrorDetails")
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
        assert_no_exception(at)
        assert st_config.get_option("client.showErrorDetails") == "full"
    finally:
        st_config.set_option("client.showErrorDetails", before)
