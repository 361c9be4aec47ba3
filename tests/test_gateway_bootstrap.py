"""The composition root: real or fake gateways from settings; no token means the channel is off."""

from __future__ import annotations

import importlib
from pathlib import Path

from integrations.bootstrap import build_gateways
from integrations.google_calendar.api import GoogleCalendarGateway
from integrations.google_calendar.fake import FakeCalendarGateway
from integrations.slack.fake import FakeSlackGateway
from integrations.slack.web import WebSlackGateway
from settings import Settings
from tests.fake_servers import google_server

ROOT = Path(__file__).resolve().parent.parent


def settings(**values: object) -> Settings:
    return Settings(database_url="sqlite://", **values)  # type: ignore[arg-type]


def test_no_token_and_no_credentials_turn_both_channels_off() -> None:
    gw = build_gateways(settings())
    assert gw.slack is None and gw.calendar is None


def test_a_token_builds_the_web_adapter_at_the_configured_url() -> None:
    gw = build_gateways(settings(slack_bot_token="xoxb-1", slack_api_url="http://127.0.0.1:9/api"))
    assert isinstance(gw.slack, WebSlackGateway)
    assert gw.slack.client.base_url == "http://127.0.0.1:9/api/"
    assert gw.slack.client.retry_handlers == []  # no blind re-posts after a dropped connection


def test_fake_selects_the_in_memory_gateways() -> None:
    gw = build_gateways(settings(slack_bot_token="fake", google_credentials_file="fake"))
    assert isinstance(gw.slack, FakeSlackGateway)
    assert isinstance(gw.calendar, FakeCalendarGateway)


def test_a_credentials_file_builds_the_calendar_adapter_at_the_endpoint(tmp_path: Path) -> None:
    with google_server() as server:
        path = server.authorized_user_file(tmp_path / "token.json")
        gw = build_gateways(
            settings(
                google_credentials_file=path,
                google_api_endpoint=server.url,
                google_calendar_id="team@example.com",
            )
        )
        assert isinstance(gw.calendar, GoogleCalendarGateway)
        assert gw.calendar.calendar_id == "team@example.com"
        assert gw.calendar.check() == "Test calendar"
        assert server.token_requests == 1


def test_every_integration_package_has_a_fake_beside_its_real_adapter() -> None:
    for package in ("slack", "google_calendar"):
        assert (ROOT / "integrations" / package / "fake.py").is_file()
        importlib.import_module(f"integrations.{package}.fake")
