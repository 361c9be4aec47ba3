"""`opsdesk remind --once` and `opsdesk worker` against a local Slack server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import cli
from cli import parse_now
from db.engine import Database
from db.models import ActionItem, Person
from integrations.bootstrap import Gateways
from integrations.slack.fake import FakeSlackGateway
from services.delivery.passes import run_forever
from settings import get_settings
from tests.fake_servers import SLACK_TOKEN, slack_server


def seed(db: Database) -> None:
    with db.write() as session:
        ada = Person(name="Ada", email="ada@example.com", timezone="Europe/Berlin")
        session.add(ada)
        session.flush()
        session.add(
            ActionItem(title="Sign the <!channel> DPA", owner_id=ada.id, due_date=date(2026, 12, 1))
        )


def test_remind_once_twice_sends_nothing_the_second_time(
    app_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(app_env)
    with slack_server() as slack:
        slack.users["ada@example.com"] = "UADA"
        monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", SLACK_TOKEN)
        monkeypatch.setenv("OPSDESK_SLACK_API_URL", slack.base_url)
        get_settings.cache_clear()
        assert cli.main(["remind", "--once", "--now", "2026-11-30T10:00"]) == 0
        assert "sent 1" in capsys.readouterr().out
        assert cli.main(["remind", "--once", "--now", "2026-11-30T10:05"]) == 0
        assert "planned 0, sent 0" in capsys.readouterr().out
        (message,) = slack.posted("DADA")
        assert "&lt;!channel&gt;" in message["text"]


def test_remind_without_slack_keeps_rows_queued(
    app_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(app_env)
    assert cli.main(["remind", "--once", "--now", "2026-11-30T10:00"]) == 0
    assert "planned 1, sent 0" in capsys.readouterr().out


def test_now_is_read_in_the_workspace_zone_and_bad_values_are_refused(
    app_env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    try:
        assert parse_now("2026-11-30T10:00") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        assert parse_now("2026-11-30T10:00+00:00") == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        with pytest.raises(ValueError, match="YYYY-MM-DDTHH:MM"):
            parse_now("tomorrow")
    finally:
        get_settings.cache_clear()
    assert cli.main(["remind", "--once", "--now", "tomorrow"]) == 2


def test_the_worker_loop_keeps_going_and_pauses_between_passes(sqlite_db: Database) -> None:
    pauses: list[float] = []
    fake = FakeSlackGateway()
    run_forever(sqlite_db, lambda: Gateways(slack=fake), 7.5, sleep=pauses.append, runs=3)
    assert pauses == [7.5, 7.5]
