"""The .ics files as another client reads them: vobject (an independent parser, with dateutil's
rule expansion) must see DTSTART as the rule's first instance, an ORGANIZER beside attendees,
and time-zone data that agrees with zoneinfo long after 2038."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from sqlmodel import select

from db.engine import Database
from db.models import MeetingSeries
from services.access.access import Actor
from services.coordination import ics, meetings, people, recurrence
from services.coordination.vtimezone import vtimezone
from tests.conftest import actor

VA = actor("va", "va@acme.example")
LOCAL_ADMIN = Actor(email="admin@localhost", role="admin")
TODAY = date(2026, 7, 20)
SATURDAY = datetime(2026, 8, 1, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))
FIRST_THURSDAY = "FREQ=MONTHLY;BYDAY=+1TH"


def _read(data: bytes) -> vobject.base.Component:
    return vobject.readOne(data.decode())


def _series(db: Database, tz: str = "Europe/Berlin", **kw: object) -> MeetingSeries:
    series, _ = meetings.create_series(
        db,
        VA,
        title="Monthly vendor review",
        rule=FIRST_THURSDAY,
        first_starts_at=SATURDAY.replace(tzinfo=ZoneInfo(tz)),
        timezone=tz,
        today=TODAY,
        **kw,  # type: ignore[arg-type]
    )
    return series


def test_a_first_thursday_series_asked_for_a_saturday_starts_on_the_first_thursday(
    db: Database,
) -> None:
    assert SATURDAY.weekday() == 5
    series = _series(db)
    assert series.id is not None
    assert series.first_starts_at.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2026, 8, 6, 15, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )
    event = _read(ics.series_ics(db, VA, series.id)).vevent
    dtstart = event.dtstart.value
    assert (dtstart.year, dtstart.month, dtstart.day, dtstart.hour) == (2026, 8, 6, 15)
    instances = list(event.getrruleset(addRDate=True))[:12]
    assert instances[0] == dtstart  # RFC 5545: DTSTART is the first instance
    assert all(i.weekday() == 3 and i.day <= 7 and i.hour == 15 for i in instances)


def test_a_series_stored_on_a_non_instance_is_still_exported_from_its_first_instance(
    db: Database,
) -> None:
    series = _series(db)
    with db.write() as s:  # a row written before the start was snapped to the rule
        row = s.get(MeetingSeries, series.id)
        assert row is not None
        row.first_starts_at = SATURDAY.astimezone(UTC)
    assert series.id is not None
    dtstart = _read(ics.series_ics(db, VA, series.id)).vevent.dtstart.value
    assert (dtstart.month, dtstart.day) == (8, 6)


def test_the_demo_series_start_on_an_instance_of_their_rules(db: Database) -> None:
    from services.demo import demo

    demo.load(db, actor("admin"), today=TODAY)
    with db.read() as s:
        all_series = list(s.exec(select(MeetingSeries)))
    assert "Monthly vendor review" in {series.title for series in all_series}
    for series in all_series:
        assert series.id is not None
        event = _read(ics.series_ics(db, VA, series.id)).vevent
        first = next(iter(event.getrruleset(addRDate=True)))
        assert first == event.dtstart.value, series.title


def test_attendees_always_come_with_an_organizer(db: Database) -> None:
    org = people.add_person(db, VA, name="Priya Nair", email="priya@acme.example")
    guests = meetings.Attendees((), ("lead@partner.example; cfo@partner.example",))
    with_org = _series(db, organizer_id=org.id, attendees=guests)
    without_org = _series(db, attendees=guests)
    assert with_org.id is not None and without_org.id is not None

    cal = _read(ics.series_ics(db, VA, with_org.id))
    assert cal.method.value == "PUBLISH"
    assert cal.vevent.organizer.value == "mailto:priya@acme.example"
    assert len(cal.vevent.attendee_list) == 2

    # No organizer: whoever exports the file publishes it.
    cal = _read(ics.series_ics(db, VA, without_org.id))
    assert cal.vevent.organizer.value == "mailto:va@acme.example"
    # Nobody mail can reach to name: no METHOD and no ATTENDEE lines, a plain event.
    raw = ics.series_ics(db, LOCAL_ADMIN, without_org.id).decode()
    assert "METHOD:" not in raw and "ATTENDEE" not in raw and "ORGANIZER" not in raw


def test_a_single_meetings_file_names_its_organizer(db: Database) -> None:
    org = people.add_person(db, VA, name="Priya Nair", email="priya@acme.example")
    m = meetings.create_meeting(
        db,
        VA,
        title="QBR",
        starts_at=datetime(2026, 8, 6, 13, tzinfo=UTC),
        timezone="America/New_York",
        organizer_id=org.id,
        attendees=meetings.Attendees((), ("lead@partner.example",)),
    )
    assert m.id is not None
    cal = _read(ics.meeting_ics(db, VA, m.id))
    assert cal.method.value == "PUBLISH"
    assert cal.vevent.organizer.value == "mailto:priya@acme.example"
    assert cal.vevent.dtstart.value.utcoffset() == timedelta(hours=-4)


ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",  # daylight time across the new year
    "Europe/Dublin",  # POSIX calls the summer offset standard
    "Asia/Tokyo",  # no daylight saving time
    "America/Nuuk",  # a change at -1:00, which an RRULE cannot say: listed instead
]


@pytest.mark.parametrize("key", ZONES)
def test_the_vtimezone_agrees_with_zoneinfo_through_2060(key: str) -> None:
    text = vtimezone(key, date(2026, 8, 6)).to_ical().decode()
    cal = _read(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{text}END:VCALENDAR\r\n".encode())
    tzinfo = cal.vtimezone.gettzinfo()
    zone = ZoneInfo(key)
    instant = datetime(2026, 8, 7, 12, tzinfo=UTC)
    while instant.year < 2061:
        # Wall-clock noon of every 11th day, as the file and as zoneinfo read it.
        local = instant.astimezone(zone).replace(tzinfo=None)
        assert local.replace(tzinfo=tzinfo).utcoffset() == local.replace(tzinfo=zone).utcoffset(), (
            key,
            local,
        )
        instant += timedelta(days=11)


@pytest.mark.parametrize("key", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_an_open_ended_series_expands_to_the_same_instants_as_opsdesk(
    db: Database, key: str
) -> None:
    series = _series(db, tz=key)
    assert series.id is not None
    event = _read(ics.series_ics(db, VA, series.id)).vevent
    theirs = [i.astimezone(UTC) for i in event.getrruleset(addRDate=True)[:500]]
    ours = recurrence.occurrences(series.rrule, series.first_starts_at, key, limit=500)
    assert theirs[-1].year > 2060
    assert theirs == ours
