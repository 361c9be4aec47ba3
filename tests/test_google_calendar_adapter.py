"""The real Google Calendar adapter (googleapiclient + google-auth) against a local server
speaking Calendar v3 and an OAuth token endpoint named by the credentials file's token_uri."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.google_calendar import (
    EVENT_ID_PATTERN,
    CalendarBusy,
    CalendarEvent,
    DeletedInGoogle,
    QuotaExceeded,
    ReconnectNeeded,
    event_id_for,
)
from integrations.google_calendar.api import (
    GoogleCalendarGateway,
    build_service,
    endpoint_base,
    load_credentials,
)
from integrations.google_calendar.fake import FakeCalendarGateway
from tests.fake_servers import GoogleServer, google_server


@pytest.fixture
def server() -> Iterator[GoogleServer]:
    with google_server() as s:
        yield s


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_gateway(
    server: GoogleServer, tmp_path: Path, sleeps: list[float], timeout: float = 5
) -> GoogleCalendarGateway:
    creds = load_credentials(server.authorized_user_file(tmp_path / "token.json"))
    service = build_service(creds, server.url, timeout_seconds=timeout)
    return GoogleCalendarGateway(service, "primary", sleep=sleeps.append, rand=lambda: 0.5)


@pytest.fixture
def gateway(server: GoogleServer, tmp_path: Path, sleeps: list[float]) -> GoogleCalendarGateway:
    return make_gateway(server, tmp_path, sleeps)


def event(key: str = "meeting:1", hour: int = 15, tz: str = "Europe/Berlin") -> CalendarEvent:
    zone = ZoneInfo(tz)
    start = datetime(2026, 12, 3, hour, 0, tzinfo=zone)
    return CalendarEvent(
        event_id=event_id_for(key),
        key=key,
        summary="Vendor sync <b>Acme</b>",
        description="Agenda:\n- <img src=x onerror=alert(1)>",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        timezone=tz,
        attendees=("ada@example.com", "bob@example.com"),
    )


@given(st.text(min_size=0, max_size=600))
def test_event_ids_always_match_googles_pattern(key: str) -> None:
    assert re.fullmatch(EVENT_ID_PATTERN, event_id_for(key))


@given(st.text(min_size=0, max_size=600))
def test_event_ids_are_the_base32hex_of_the_keys_sha256(key: str) -> None:
    # The ids of events already in calendars: they must never change.
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    assert event_id_for(key) == base64.b32hexencode(digest).decode().rstrip("=").lower()


def test_event_ids_are_stable_and_distinct() -> None:
    assert event_id_for("meeting:1") == event_id_for("meeting:1")
    assert event_id_for("meeting:1") != event_id_for("meeting:2")


def test_api_endpoint_gets_the_calendar_path() -> None:
    assert endpoint_base("http://127.0.0.1:9") == "http://127.0.0.1:9/calendar/v3/"
    assert endpoint_base("https://x.example/calendar/v3/") == "https://x.example/calendar/v3/"


def test_insert_sends_id_attendees_zone_escaped_text_and_send_updates(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    ev = event()
    assert gateway.insert(ev) == ev.event_id
    stored = server.events[ev.event_id]
    assert stored["start"] == {"dateTime": "2026-12-03T15:00:00+01:00", "timeZone": "Europe/Berlin"}
    assert [a["email"] for a in stored["attendees"]] == ["ada@example.com", "bob@example.com"]
    assert "<img" not in stored["description"] and "&lt;img" in stored["description"]
    assert server.calls[-1][0] == "insert"
    assert server.token_requests == 1  # the file's token_uri was used


def test_insert_timeout_then_409_is_confirmed_by_get_and_makes_one_event(
    server: GoogleServer, tmp_path: Path, sleeps: list[float]
) -> None:
    gateway = make_gateway(server, tmp_path, sleeps, timeout=0.3)
    server.plan("insert", ("slow_after_store", 0.6))
    ev = event()
    assert gateway.insert(ev) == ev.event_id
    assert len(server.ops("insert")) == 2
    assert len(server.ops("get")) == 1
    assert len(server.events) == 1


def test_409_for_an_event_deleted_in_google_is_not_recreated(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    ev = event()
    gateway.insert(ev)
    server.events[ev.event_id]["status"] = "cancelled"  # someone deleted it in Google
    with pytest.raises(DeletedInGoogle):
        gateway.insert(ev)
    assert server.events[ev.event_id]["status"] == "cancelled"


def test_rate_limits_and_server_errors_back_off_with_jitter_then_one_event(
    server: GoogleServer, gateway: GoogleCalendarGateway, sleeps: list[float]
) -> None:
    server.plan(
        "insert",
        ("status", 403, "rateLimitExceeded"),
        ("status", 429, "rateLimitExceeded"),
        ("status", 500, "backendError"),
        ("status", 503, "backendError"),
    )
    gateway.insert(event())
    assert len(server.events) == 1
    assert len(sleeps) == 4
    assert sleeps == sorted(sleeps) and sleeps[0] < sleeps[-1]  # exponential


def test_backoff_gives_up_as_busy_after_max_attempts(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    server.plan("insert", *[("status", 503, "backendError")] * 6)
    with pytest.raises(CalendarBusy):
        gateway.insert(event())
    assert server.events == {}


def test_quota_exceeded_is_not_retried_fast(
    server: GoogleServer, gateway: GoogleCalendarGateway, sleeps: list[float]
) -> None:
    server.plan("insert", ("status", 403, "quotaExceeded"))
    with pytest.raises(QuotaExceeded):
        gateway.insert(event())
    assert sleeps == [] and len(server.ops("insert")) == 1


def test_invalid_grant_on_refresh_means_reconnect_needed(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    server.token_error = "invalid_grant"
    with pytest.raises(ReconnectNeeded):
        gateway.insert(event())
    assert server.events == {}


def test_a_reschedule_patches_the_same_event(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    gateway.insert(event(hour=15))
    gateway.patch(event(hour=16))
    assert len(server.events) == 1
    stored = server.events[event().event_id]
    assert stored["start"]["dateTime"] == "2026-12-03T16:00:00+01:00"
    assert len(server.ops("patch")) == 1


def test_cancel_deletes_with_updates_and_tolerates_a_gone_event(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    ev = event()
    gateway.insert(ev)
    gateway.cancel(ev.event_id)
    gateway.cancel(ev.event_id)
    assert server.events[ev.event_id]["status"] == "cancelled"
    with pytest.raises(DeletedInGoogle):
        gateway.patch(ev)


def test_the_fake_keeps_the_same_contract() -> None:
    fake = FakeCalendarGateway()
    ev = event()
    fake.insert(ev)
    fake.insert(ev)
    fake.patch(event(hour=16))
    fake.cancel(ev.event_id)
    assert [what for _, what in fake.updates_sent] == ["invite", "update", "cancel"]
    with pytest.raises(DeletedInGoogle):
        fake.insert(ev)


def test_service_account_key_with_delegation_uses_its_token_uri(
    server: GoogleServer, tmp_path: Path, sleeps: list[float]
) -> None:
    rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")
    from cryptography.hazmat.primitives import serialization

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    import json

    path = tmp_path / "sa.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "p",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "opsdesk@p.iam.example",
                "client_id": "1",
                "token_uri": server.token_uri,
            }
        )
    )
    creds = load_credentials(path, "ada@example.com")
    gw = GoogleCalendarGateway(build_service(creds, server.url), sleep=sleeps.append)
    assert gw.check() == "Test calendar"
    assert server.token_requests == 1


def test_dst_days_keep_an_explicit_zone_and_offset(
    server: GoogleServer, gateway: GoogleCalendarGateway
) -> None:
    zone = ZoneInfo("Europe/Berlin")
    autumn = datetime(2026, 10, 25, 1, 30, tzinfo=zone)  # before the 03:00 -> 02:00 change
    ev = CalendarEvent(
        event_id=event_id_for("dst"),
        key="dst",
        summary="x",
        description="",
        starts_at=autumn,
        ends_at=autumn + timedelta(hours=1),
        timezone="Europe/Berlin",
    )
    gateway.insert(ev)
    stored = server.events[ev.event_id]
    assert stored["start"] == {"dateTime": "2026-10-25T01:30:00+02:00", "timeZone": "Europe/Berlin"}
    assert datetime.fromisoformat(stored["end"]["dateTime"]).astimezone(
        UTC
    ) - datetime.fromisoformat(stored["start"]["dateTime"]).astimezone(UTC) == timedelta(hours=1)
