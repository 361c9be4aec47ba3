"""AppTest of the Delivery log and Settings pages."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import Notification
from services.delivery import connections
from tests.builders import queue
from tests.conftest import actor, assert_no_exception, run_page

XSS = "<img src=x onerror=alert(1)>"


def test_delivery_log_lists_rows_with_their_text_literal(app_env: Database) -> None:
    queue(app_env, 2, subject=XSS)
    at = run_page("admin/delivery_log.py", actor("admin"))
    assert_no_exception(at)
    frame = at.dataframe[0].value
    assert len(frame) == 2
    assert frame["Subject"].iloc[0].startswith(XSS)
    assert all(XSS not in m.value for m in at.markdown)


def test_delivery_log_empty_state_says_what_to_do(app_env: Database) -> None:
    at = run_page("admin/delivery_log.py", actor("admin"))
    assert_no_exception(at)
    assert any("remind --once" in i.value for i in at.info)
    # Neither Slack nor Google is configured in tests: the page says rows wait.
    assert sum("wait queued" in w.value for w in at.warning) == 2


def test_delivery_log_filters_by_status(app_env: Database) -> None:
    queue(app_env, 1)
    at = run_page("admin/delivery_log.py", actor("admin"))
    at.selectbox(key="log_status").select("failed").run()
    assert_no_exception(at)
    assert at.info and not at.dataframe


@pytest.mark.parametrize("role", ["va", "lead", "finance"])
def test_delivery_log_refuses_other_roles(app_env: Database, role: str) -> None:
    at = run_page("admin/delivery_log.py", actor(role))
    assert at.error and not at.dataframe


def test_settings_shows_connections_off_and_queues_a_test_message(app_env: Database) -> None:
    at = run_page("admin/admin_settings.py", actor("admin"))
    assert_no_exception(at)
    assert sum("Off (not configured)" in m.value for m in at.markdown) == 2
    at.text_input(key="test_target").input("C0123ABCD")
    submit = next(b for b in at.button if b.label == "Send a test message")
    submit.click().run()
    assert_no_exception(at)
    with app_env.read() as session:
        (row,) = session.exec(select(Notification)).all()
    assert row.recipient == "C0123ABCD" and row.kind == "test_message"
    assert at.success


def test_settings_shows_a_disconnected_reason_as_text(
    app_env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", "xoxb-x")
    get_settings.cache_clear()
    connections.set_state(app_env, "slack", "disconnected", f"token_revoked {XSS}")
    at = run_page("admin/admin_settings.py", actor("admin"))
    assert_no_exception(at)
    assert any("Disconnected" in m.value for m in at.markdown)
    assert any(XSS in t.value for t in at.text)
    assert any(b.label == "I fixed it: try again" for b in at.button)


def test_settings_lists_the_default_reminder_rules(app_env: Database) -> None:
    at = run_page("admin/admin_settings.py", actor("admin"))
    assert_no_exception(at)
    (editor,) = at.dataframe
    # Named as the Delivery log names the notifications each rule plans.
    assert {"Action item reminder", "Cancellation deadline reminder", "Calendar invite"} <= set(
        editor.value["Kind"]
    )
    contract = editor.value[editor.value["Kind"] == "Cancellation deadline reminder"].iloc[0]
    assert contract["Offsets (days)"] == "120,90,60,30,14,7"


def test_settings_refuses_non_admins(app_env: Database) -> None:
    at = run_page("admin/admin_settings.py", actor("va"))
    assert at.error


def test_delivery_log_names_kinds_statuses_and_channels_and_shows_local_times(
    app_env: Database,
) -> None:
    queue(app_env, 1, kind="contract")
    queue(app_env, 1, start=1, kind="test_message")
    at = run_page("admin/delivery_log.py", actor("admin"))
    assert_no_exception(at)
    frame = at.dataframe[0].value
    assert sorted(frame["Kind"]) == ["Cancellation deadline reminder", "Test message"]
    assert set(frame["Status"]) == {"Queued"} and set(frame["Channel"]) == {"Slack"}
    for column in ("Created", "Next attempt"):
        assert frame[column].dt.tz is None  # the workspace zone, no "+00:00"
    at.selectbox(key="log_kind").select("test_message").run()
    assert_no_exception(at)
    assert list(at.dataframe[0].value["Kind"]) == ["Test message"]
