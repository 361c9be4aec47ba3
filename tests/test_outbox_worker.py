"""The outbox and the worker on SQLite and Postgres, delivering through the real Slack and Google
adapters to local servers: each row sent once, failures kept, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import FROZEN_AT
from sqlmodel import col, select

from db.engine import Database
from db.models import IntegrationState, Notification, Person
from integrations.bootstrap import Gateways
from integrations.google_calendar import event_id_for
from integrations.google_calendar.api import GoogleCalendarGateway, build_service, load_credentials
from integrations.slack.blocks import outbox_ids_of
from integrations.slack.web import WebSlackGateway, make_client
from services.delivery import outbox
from services.delivery.worker import deliver_due
from tests.builders import queue
from tests.fake_servers import SLACK_TOKEN, GoogleServer, SlackServer, google_server, slack_server

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with slack_server() as s:
        yield s


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    with google_server() as s:
        yield s


def slack_gateways(server: SlackServer, sleeps: list[float] | None = None) -> Gateways:
    record = sleeps if sleeps is not None else []
    client = make_client(SLACK_TOKEN, server.base_url, timeout_seconds=5)
    return Gateways(slack=WebSlackGateway(client, pace_seconds=0, sleep=record.append))


def calendar_gateways(server: GoogleServer, tmp_path: Path) -> Gateways:
    creds = load_credentials(server.authorized_user_file(tmp_path / "token.json"))
    service = build_service(creds, server.url)
    return Gateways(calendar=GoogleCalendarGateway(service, sleep=lambda s: None))


def rows(db: Database) -> list[Notification]:
    with db.read() as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))).all())


def state(db: Database, name: str) -> IntegrationState | None:
    with db.read() as session:
        return session.exec(select(IntegrationState).where(IntegrationState.name == name)).first()


# --- the outbox itself --------------------------------------------------------------------


def test_enqueue_twice_creates_one_row(db: Database) -> None:
    queue(db)
    queue(db)
    assert len(rows(db)) == 1


def test_retire_cancels_only_queued_occurrences_that_no_longer_apply(db: Database) -> None:
    with db.write() as session:
        for occ in ("2026-12-01", "2026-12-08"):
            outbox.enqueue(
                session,
                kind="contract",
                record_type="contract",
                record_id=1,
                occurrence=occ,
                channel="slack",
                recipient="C1",
                subject=occ,
            )
    with db.write() as session:
        n = outbox.retire(
            session, record_type="contract", record_id=1, kinds=["contract"], keep=["2026-12-08"]
        )
    assert n == 1
    assert {r.occurrence: r.status for r in rows(db)} == {
        "2026-12-01": "cancelled",
        "2026-12-08": "queued",
    }


def test_claims_are_disjoint_and_a_lapsed_lease_is_claimed_again(db: Database) -> None:
    queue(db, 4, due_at=NOW)
    first = outbox.claim(db, "w1", NOW, limit=3)
    second = outbox.claim(db, "w2", NOW, limit=3)
    assert len(first) == 3 and len(second) == 1
    assert not {r.id for r in first} & {r.id for r in second}
    assert outbox.claim(db, "w3", NOW + timedelta(seconds=outbox.LEASE_SECONDS - 1)) == []
    later = outbox.claim(db, "w3", NOW + timedelta(seconds=outbox.LEASE_SECONDS + 1))
    assert len(later) == 4 and all(r.attempts == 2 for r in later if r.id in {x.id for x in first})
    # The first worker lost its lease: it can no longer mark the row.
    assert not outbox.mark_sent(db, first[0].id or 0, "w1", "C1:1", NOW)


def test_rows_due_later_are_not_claimed(db: Database) -> None:
    queue(db, due_at=NOW + timedelta(hours=1))
    assert outbox.claim(db, "w1", NOW) == []


# --- Slack through the worker ----------------------------------------------------------------


def test_a_row_is_sent_once_and_records_the_ts(db: Database, slack: SlackServer) -> None:
    queue(db, 2, due_at=NOW)
    report = deliver_due(db, slack_gateways(slack), NOW)
    assert report.sent == 2
    again = deliver_due(db, slack_gateways(slack), NOW + timedelta(minutes=5))
    assert again.sent == 0
    posted = slack.posted("C1")
    assert len(posted) == 2
    assert [r.external_id for r in rows(db)] == [f"C1:{m['ts']}" for m in posted]


def test_429_twice_is_waited_out_and_the_row_records_the_ts(
    db: Database, slack: SlackServer
) -> None:
    queue(db, due_at=NOW)
    slack.plan("chat.postMessage", ("429", 2), ("429", 2))
    sleeps: list[float] = []
    deliver_due(db, slack_gateways(slack, sleeps), NOW)
    (row,) = rows(db)
    assert row.status == "sent" and row.external_id == f"C1:{slack.posted('C1')[0]['ts']}"
    assert sleeps == [2.0, 2.0] and len(slack.posted()) == 1


def test_post_recorded_then_connection_dropped_never_sends_twice(
    db: Database, slack: SlackServer
) -> None:
    queue(db, due_at=NOW)
    slack.plan("chat.postMessage", ("drop",))
    deliver_due(db, slack_gateways(slack), NOW)
    (row,) = rows(db)
    assert row.status == "queued" and "may have been posted" in (row.last_error or "")
    deliver_due(db, slack_gateways(slack), NOW + timedelta(minutes=1))
    (row,) = rows(db)
    assert row.status == "sent"
    assert len(slack.posted()) == 1
    assert row.external_id == f"C1:{slack.posted('C1')[0]['ts']}"


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked"])
def test_a_revoked_token_disconnects_slack_and_keeps_rows_queued(
    db: Database, slack: SlackServer, code: str
) -> None:
    queue(db, 5, due_at=NOW, channel_target="C1")
    slack.token_error = code
    deliver_due(db, slack_gateways(slack), NOW)
    assert {r.status for r in rows(db)} == {"queued"}
    assert len(slack.calls_of("chat.postMessage")) == 1  # no retry storm
    st = state(db, "slack")
    assert st is not None and st.state == "disconnected" and code in (st.reason or "")
    deliver_due(db, slack_gateways(slack), NOW + timedelta(minutes=1))
    assert len(slack.calls_of("chat.postMessage")) == 1  # one auth.test per run, no posts
    slack.token_error = None  # the admin fixed the token
    deliver_due(db, slack_gateways(slack), NOW + timedelta(minutes=2))
    assert {r.status for r in rows(db)} == {"sent"}
    assert len(slack.posted()) == 5


@pytest.mark.parametrize("code", ["channel_not_found", "not_in_channel", "is_archived"])
def test_a_gone_channel_fails_only_its_row(db: Database, slack: SlackServer, code: str) -> None:
    queue(db, 1, channel_target="C9", due_at=NOW)
    queue(db, 1, channel_target="C1", due_at=NOW, start=1)
    slack.gone["C9"] = code
    deliver_due(db, slack_gateways(slack), NOW)
    by_target = {r.recipient: r for r in rows(db)}
    assert by_target["C9"].status == "failed" and code in (by_target["C9"].last_error or "")
    assert by_target["C1"].status == "sent"


def test_one_digest_per_person_per_run_to_the_user_found_by_email(
    db: Database, slack: SlackServer
) -> None:
    with db.write() as session:
        session.add(Person(name="Ada", email="ada@example.com"))
    slack.users["ada@example.com"] = "UADA"
    queue(db, 3, recipient="ada@example.com", due_at=NOW)
    deliver_due(db, slack_gateways(slack), NOW)
    posted = slack.posted("DADA")
    assert len(posted) == 1
    assert outbox_ids_of(posted[0]["metadata"]) == {r.id for r in rows(db)}
    assert {r.status for r in rows(db)} == {"sent"}
    with db.read() as session:
        person = session.exec(select(Person)).one()
    assert person.slack_user_id == "UADA"  # cached on the person


def test_unknown_slack_user_fails_the_row_with_the_reason(db: Database, slack: SlackServer) -> None:
    queue(db, recipient="ghost@example.com", due_at=NOW)
    deliver_due(db, slack_gateways(slack), NOW)
    (row,) = rows(db)
    assert row.status == "failed" and "ghost@example.com" in (row.last_error or "")


def test_no_slack_token_means_rows_wait_queued(db: Database) -> None:
    queue(db, 2, due_at=NOW)
    deliver_due(db, Gateways(), NOW)
    assert {r.status for r in rows(db)} == {"queued"}


# --- worker processes -------------------------------------------------------------------------


def _worker(db: Database, slack: SlackServer, wid: str, now: datetime) -> subprocess.Popen[str]:
    url = db.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "worker_process.py"),
            url,
            slack.base_url,
            now.isoformat(),
            wid,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_two_worker_processes_send_each_row_once(db: Database, slack: SlackServer) -> None:
    queue(db, 30, due_at=NOW, channel_target="C1")
    queue(db, 10, due_at=NOW, channel_target="C2", start=30)
    slack.post_delay_seconds = 0.01
    procs = [_worker(db, slack, f"w{i}", NOW) for i in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    ids = [i for m in slack.posted() for i in outbox_ids_of(m["metadata"])]
    assert sorted(ids) == sorted(r.id for r in rows(db))
    assert len(ids) == len(set(ids)) == 40
    assert {r.status for r in rows(db)} == {"sent"}
    assert sum(int(out.strip() or 0) for out, _ in outputs) == 40


def test_worker_killed_after_slack_answered_never_sends_twice(
    db: Database, slack: SlackServer
) -> None:
    queue(db, 1, due_at=NOW)
    holder: dict[str, subprocess.Popen[str]] = {}
    slack.after_record = lambda: os.kill(holder["p"].pid, signal.SIGKILL)
    holder["p"] = _worker(db, slack, "doomed", NOW)
    holder["p"].communicate(timeout=60)
    assert holder["p"].returncode == -signal.SIGKILL
    slack.after_record = None
    (row,) = rows(db)
    assert row.status == "sending" and len(slack.posted()) == 1
    # Inside the lease nobody touches it; after the lease another worker finds the message.
    assert deliver_due(db, slack_gateways(slack), NOW + timedelta(seconds=30)).sent == 0
    report = deliver_due(
        db, slack_gateways(slack), NOW + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    )
    assert report.sent == 1
    (row,) = rows(db)
    assert row.status == "sent" and row.external_id == f"C1:{slack.posted('C1')[0]['ts']}"
    assert len(slack.posted()) == 1


# --- Google Calendar through the worker -------------------------------------------------------


def queue_event(
    db: Database, key: str = "meeting:1", op: str = "insert", recipient: str = "ada@example.com"
) -> None:
    start = datetime(2026, 12, 3, 14, tzinfo=UTC)
    payload = {
        "op": op,
        "key": key,
        "event_id": event_id_for(key),
        "event": {
            "summary": "Vendor sync",
            "description": "",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=30)).isoformat(),
            "timezone": "Europe/Berlin",
            "attendees": ["ada@example.com"],
            "location": None,
        },
    }
    with db.write() as session:
        outbox.enqueue(
            session,
            kind="meeting_invite",
            record_type="meeting",
            record_id=1,
            occurrence=op,
            channel="google_calendar",
            recipient=recipient,
            subject="Invite: Vendor sync",
            payload=payload,
            due_at=NOW,
        )


def test_calendar_insert_is_sent_with_the_event_id(
    db: Database, google: GoogleServer, tmp_path: Path
) -> None:
    queue_event(db)
    deliver_due(db, calendar_gateways(google, tmp_path), NOW)
    (row,) = rows(db)
    assert row.status == "sent" and row.external_id == event_id_for("meeting:1")
    assert list(google.events) == [event_id_for("meeting:1")]


def test_quota_exceeded_pauses_google_for_hours_and_tells_the_owner(
    db: Database, google: GoogleServer, tmp_path: Path
) -> None:
    queue_event(db)
    google.plan("insert", ("status", 403, "quotaExceeded"))
    deliver_due(db, calendar_gateways(google, tmp_path), NOW)
    row = next(r for r in rows(db) if r.channel == "google_calendar")
    assert row.status == "queued" and row.attempts == 0
    assert row.next_attempt_at >= NOW + timedelta(hours=2)
    st = state(db, "google")
    assert (
        st is not None
        and st.paused_until is not None
        and st.paused_until >= NOW + timedelta(hours=2)
    )
    alert = next(r for r in rows(db) if r.kind == "integration_alert")
    assert alert.recipient == "ada@example.com" and alert.channel == "slack"
    # An hour later: still paused, nothing sent, nothing dropped.
    deliver_due(db, calendar_gateways(google, tmp_path), NOW + timedelta(hours=1))
    assert google.events == {} and len(google.ops("insert")) == 1
    deliver_due(db, calendar_gateways(google, tmp_path), NOW + timedelta(hours=4))
    assert next(r for r in rows(db) if r.channel == "google_calendar").status == "sent"


def test_invalid_grant_marks_reconnect_needed_and_loses_nothing(
    db: Database, google: GoogleServer, tmp_path: Path
) -> None:
    queue_event(db)
    google.token_error = "invalid_grant"
    deliver_due(db, calendar_gateways(google, tmp_path), NOW)
    (row,) = rows(db)
    assert row.status == "queued"
    st = state(db, "google")
    assert st is not None and st.state == "reconnect_needed"
    requests = google.token_requests
    deliver_due(db, calendar_gateways(google, tmp_path), NOW + timedelta(minutes=1))
    assert google.token_requests == requests  # no crash loop against the token endpoint
    google.token_error = None
    deliver_due(
        db,
        calendar_gateways(google, tmp_path),
        NOW + timedelta(minutes=2),
        google_credentials_changed_at=FROZEN_AT + timedelta(seconds=1),
    )
    assert rows(db)[0].status == "sent"


def test_an_event_deleted_in_google_is_shown_as_such(
    db: Database, google: GoogleServer, tmp_path: Path
) -> None:
    google.events[event_id_for("meeting:1")] = {"status": "cancelled"}
    queue_event(db)
    deliver_due(db, calendar_gateways(google, tmp_path), NOW)
    (row,) = rows(db)
    assert row.status == "failed" and "deleted in Google" in (row.last_error or "")


def test_a_refused_cached_slack_user_is_looked_up_again_next_time(
    db: Database, slack: SlackServer
) -> None:
    with db.write() as session:
        session.add(Person(name="Ada", email="ada@example.com", slack_user_id="UOLD"))
    slack.gone["DOLD"] = "user_not_found"
    queue(db, recipient="ada@example.com", due_at=NOW)
    deliver_due(db, slack_gateways(slack), NOW)
    (row,) = rows(db)
    assert row.status == "failed" and "user_not_found" in (row.last_error or "")
    with db.read() as session:
        assert session.exec(select(Person)).one().slack_user_id is None


def test_a_long_digest_is_split_so_every_item_is_shown(db: Database, slack: SlackServer) -> None:
    slack.users["ada@example.com"] = "UADA"
    queue(db, 23, recipient="ada@example.com", due_at=NOW)
    deliver_due(db, slack_gateways(slack), NOW)
    posted = slack.posted("DADA")
    assert len(posted) == 3
    for message in posted:
        shown = sum(1 for b in message["blocks"] if b["type"] == "section")
        assert shown == len(outbox_ids_of(message["metadata"]))
    assert {r.status for r in rows(db)} == {"sent"}
