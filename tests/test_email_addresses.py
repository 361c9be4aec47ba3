"""Email addresses as people type, paste and import them: split, checked, refused by name."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import Meeting, MeetingAttendee, Notification, Person, User
from integrations.google_calendar import DESCRIPTION_LIMIT_CHARS, CalendarEvent
from integrations.google_calendar.api import event_body
from services.access import users
from services.coordination import meetings, people
from services.core.emails import EmailError, check_address, split_addresses
from services.core.records import InvalidRecord
from services.delivery import reminders
from services.delivery.calendar_text import calendar_description
from services.record_imports import RecordError, import_file
from services.vendors import vendors
from tests.conftest import actor

VA = actor("va")
ADMIN = actor("admin")
START = datetime(2026, 12, 3, 14, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "pasted",
    [
        "lead@partner.example;cfo@partner.example",
        "lead@partner.example, cfo@partner.example",
        "lead@partner.example cfo@partner.example",
        "lead@partner.example\ncfo@partner.example\n",
        "Lee Lead <lead@partner.example>; CFO <cfo@partner.example>",
        '"Lead, Lee" <Lead@Partner.example>,\n"Cfo, Cy" <cfo@partner.example>',
        "lead@partner.example; lead@partner.example ,cfo@partner.example;",
    ],
)
def test_a_pasted_list_is_split_into_its_addresses(pasted: str) -> None:
    assert split_addresses(pasted) == ["lead@partner.example", "cfo@partner.example"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("admin@localhost", "admin@localhost"),
        ("ops@printer.local", "ops@printer.local"),
        ("a@b.invalid", "a@b.invalid"),
        ("lead@partner", "lead@partner"),
        ("lead@@partner.example", "lead@@partner.example"),
        ("lead@partner.example; Jane", "Jane"),
        ("Jane Doe lead@partner.example", "Jane Doe"),
        ("lead@partner.example <cfo@partner.example", "'<'"),
    ],
)
def test_undeliverable_or_malformed_addresses_are_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(EmailError, match=named.replace(".", r"\.")):
        split_addresses(text)


def test_one_address_is_lower_cased_and_checked() -> None:
    assert check_address(" Ada@Example.COM ") == "ada@example.com"
    with pytest.raises(EmailError, match="admin@localhost"):
        check_address("admin@localhost")


def _attendee_emails(db: Database, meeting_id: int) -> list[str]:
    with db.read() as s:
        rows = s.exec(select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting_id))
        return sorted(a.email for a in rows)


def test_a_pasted_attendee_list_invites_each_address(db: Database) -> None:
    m = meetings.create_meeting(
        db,
        VA,
        title="Partner sync",
        starts_at=START,
        timezone="UTC",
        attendees=meetings.Attendees((), ("lead@partner.example;cfo@partner.example",)),
    )
    assert m.id is not None
    assert _attendee_emails(db, m.id) == ["cfo@partner.example", "lead@partner.example"]
    added = meetings.add_attendees(
        db, VA, m.id, meetings.Attendees((), ("CFO <cfo@partner.example>, x@partner.example",))
    )
    assert added == 1
    assert "x@partner.example" in _attendee_emails(db, m.id)


def test_an_undeliverable_attendee_refuses_the_meeting_and_writes_nothing(db: Database) -> None:
    with pytest.raises(ValueError, match="admin@localhost"):
        meetings.create_meeting(
            db,
            VA,
            title="Partner sync",
            starts_at=START,
            timezone="UTC",
            attendees=meetings.Attendees((), ("lead@partner.example, admin@localhost",)),
        )
    with db.read() as s:
        assert s.exec(select(Meeting)).first() is None


def test_a_person_has_one_deliverable_address(db: Database) -> None:
    with pytest.raises(ValueError, match="one email address only"):
        people.add_person(db, VA, name="Two", email="a@partner.example; b@partner.example")
    with pytest.raises(ValueError, match="admin@localhost"):
        people.add_person(db, VA, name="Local", email="admin@localhost")
    person = people.add_person(db, VA, name="Ada", email="Ada Lovelace <ADA@partner.example>")
    assert person.email == "ada@partner.example"


def test_vendor_contacts_and_users_refuse_undeliverable_addresses(db: Database) -> None:
    vendor_id = vendors.create_vendor(db, ADMIN, name="Acme AI")
    with pytest.raises(InvalidRecord, match=r"sales@acme\.localhost"):
        vendors.add_contact(db, ADMIN, vendor_id, name="Sales", email="sales@acme.localhost")
    with pytest.raises(users.UserError, match="root@localhost"):
        users.add_user(db, ADMIN, "root@localhost", "admin")
    with db.read() as s:
        assert s.exec(select(User).where(User.email == "root@localhost")).first() is None
    # The configured local admin of laptop mode is an identity, not an address we send to.
    assert users.ensure_local_admin(db, "admin@localhost").email == "admin@localhost"


def test_a_people_import_names_the_row_and_the_bad_address(db: Database, tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("name,email,team\nAda,ada@partner.example,Ops\nBob,bob@localhost,Ops\n")
    with pytest.raises(RecordError) as caught:
        import_file(db, ADMIN, "people", csv)
    assert (caught.value.row, caught.value.column) == (3, "email")
    assert "bob@localhost" in str(caught.value)
    with db.read() as s:
        assert s.exec(select(Person)).first() is None


def test_reminder_recipients_accept_a_pasted_list_and_refuse_localhost() -> None:
    assert reminders._parse_recipients("Ada <ada@x.example>; bob@x.example\n") == (
        "ada@x.example",
        "bob@x.example",
    )
    with pytest.raises(ValueError, match="ops@localhost"):
        reminders._parse_recipients("ada@x.example, ops@localhost")


def test_the_demo_invites_nobody_at_an_undeliverable_address(db: Database) -> None:
    from services.demo import demo

    demo.load(db, actor("admin"), today=NOW.date())
    with db.read() as s:
        emails = {a.email for a in s.exec(select(MeetingAttendee))}
        # "You" (the local admin, admin@localhost by default) are still a person, so your
        # follow-ups show up, but are not invited.
        you = s.exec(select(Person).where(Person.name == "Alex Morgan")).one()
    assert emails and you.email == "admin@localhost"
    for email in emails:
        check_address(email)


def test_a_calendar_description_fits_googles_limit_and_links_the_full_agenda() -> None:
    titles = [f"Item {n}: review <vendor> & contract terms " + "x" * 150 for n in range(60)]
    link = "https://opsdesk.example.com/meetings?meeting=7"
    text = calendar_description(titles, link)
    assert len(html.escape(text, quote=False)) <= DESCRIPTION_LIMIT_CHARS
    assert text.endswith(f"Opsdesk: {link}")
    assert "more agenda item(s): see the full agenda in Opsdesk" in text
    assert "- Item 0:" in text
    short = calendar_description(["One", "Two"], link)
    assert short == f"Agenda:\n- One\n- Two\n\nOpsdesk: {link}"
    huge = calendar_description(["&" * 20_000], link)
    assert len(html.escape(huge, quote=False)) <= DESCRIPTION_LIMIT_CHARS
    assert huge.endswith(link)


def test_a_60_item_agenda_is_planned_for_google_within_the_limit(db: Database) -> None:
    org = people.add_person(db, VA, name="Ada", email="ada@partner.example")
    m = meetings.create_meeting(
        db,
        VA,
        title="Vendor review",
        starts_at=START,
        timezone="UTC",
        organizer_id=org.id,
        attendees=meetings.Attendees((), ("bob@partner.example",)),
    )
    assert m.id is not None
    for n in range(60):
        meetings.add_agenda_item(db, VA, m.id, f"Agenda item {n} <b>&amp;</b> " + "y" * 150)
    reminders.plan_all(db, NOW)
    with db.read() as s:
        invite = s.exec(select(Notification).where(Notification.kind == "meeting_invite")).one()
    event = json.loads(invite.payload)["event"]
    body = event_body(
        CalendarEvent(
            event_id="abcde",
            key="k",
            summary=event["summary"],
            description=event["description"],
            starts_at=datetime.fromisoformat(event["starts_at"]),
            ends_at=datetime.fromisoformat(event["ends_at"]),
            timezone=event["timezone"],
        )
    )
    # What the adapter sends Google: HTML-escaped, within the limit, ending with the link.
    assert len(body["description"]) <= DESCRIPTION_LIMIT_CHARS
    assert body["description"].endswith(f"/meetings?meeting={m.id}")
    assert "more agenda item(s)" in body["description"]
