"""Meetings end to end: planned by the worker, delivered by the real Google adapter to a local
Calendar server; created once, rescheduled with one patch, cancelled once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.engine import Database
from db.models import Meeting, MeetingAttendee, Person
from integrations.bootstrap import Gateways
from integrations.google_calendar import event_id_for
from integrations.google_calendar.api import GoogleCalendarGateway, build_service, load_credentials
from services.delivery.passes import run_once
from tests.fake_servers import GoogleServer, google_server

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.fixture
def google() -> Iterator[GoogleServer]:
    with google_server() as s:
        yield s


def gateways(server: GoogleServer, tmp_path: Path) -> Gateways:
    creds = load_credentials(server.authorized_user_file(tmp_path / "token.json"))
    return Gateways(
        calendar=GoogleCalendarGateway(build_service(creds, server.url), sleep=lambda s: None)
    )


def edit(db: Database, meeting_id: int, **values: object) -> None:
    with db.write() as session:
        m = session.get(Meeting, meeting_id)
        assert m is not None
        for k, v in values.items():
            setattr(m, k, v)
        session.add(m)


def test_a_meeting_is_invited_patched_once_and_cancelled_in_google(
    db: Database, google: GoogleServer, tmp_path: Path
) -> None:
    with db.write() as session:
        org = Person(name="Ada", email="ada@example.com")
        session.add(org)
        session.flush()
        m = Meeting(
            title="Acme QBR <script>",
            starts_at=datetime(2026, 12, 3, 14, tzinfo=UTC),
            timezone="Europe/Berlin",
            organizer_id=org.id,
        )
        session.add(m)
        session.flush()
        session.add(MeetingAttendee(meeting_id=m.id, email="bob@example.com"))
        meeting_id = m.id
    assert meeting_id is not None
    event_id = event_id_for(f"meeting:{meeting_id}")

    run_once(db, gateways(google, tmp_path), NOW)
    run_once(db, gateways(google, tmp_path), NOW + timedelta(minutes=1))
    assert list(google.events) == [event_id] and len(google.ops("insert")) == 1
    assert google.events[event_id]["start"]["timeZone"] == "Europe/Berlin"

    edit(db, meeting_id, starts_at=datetime(2026, 12, 4, 14, tzinfo=UTC))
    run_once(db, gateways(google, tmp_path), NOW + timedelta(minutes=2))
    run_once(db, gateways(google, tmp_path), NOW + timedelta(minutes=3))
    assert len(google.ops("patch")) == 1
    assert google.events[event_id]["start"]["dateTime"] == "2026-12-04T15:00:00+01:00"

    edit(db, meeting_id, status="cancelled")
    run_once(db, gateways(google, tmp_path), NOW + timedelta(minutes=4))
    run_once(db, gateways(google, tmp_path), NOW + timedelta(minutes=5))
    assert len(google.ops("delete")) == 1
    assert google.events[event_id]["status"] == "cancelled"
    assert len(google.events) == 1
