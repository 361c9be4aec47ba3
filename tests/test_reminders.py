"""Reminder planning on SQLite and Postgres: the right occurrences, once, at 09:00 local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Contract,
    Meeting,
    MeetingAttendee,
    Notification,
    Person,
    ReminderRule,
    SupportTicket,
    Team,
    User,
    Vendor,
)
from services.access.access import NotAllowed
from services.delivery import outbox, reminders
from services.delivery.reminders import action_schedule, plan_all
from services.delivery.worker import event_from_payload
from tests.conftest import actor


def add(db: Database, *records: object) -> list[object]:
    with db.write() as session:
        for r in records:
            session.add(r)
        session.flush()
    return list(records)


def person(
    db: Database, email: str = "ada@example.com", tz: str | None = None, **kw: object
) -> Person:
    (p,) = add(db, Person(name=email.split("@")[0], email=email, timezone=tz, **kw))
    return p  # type: ignore[return-value]


def vendor(db: Database, name: str = "Acme AI") -> Vendor:
    (v,) = add(db, Vendor(name=name))
    return v  # type: ignore[return-value]


def contract(
    db: Database,
    owner: Person | None,
    *,
    start: date,
    months: int = 12,
    renewal: str = "auto",
    notice: int = 30,
    title: str = "Platform",
) -> Contract:
    v = vendor(db, f"Vendor {title}")
    (c,) = add(
        db,
        Contract(
            vendor_id=v.id,
            title=title,
            start_date=start,
            initial_term_months=months,
            renewal_type=renewal,
            renewal_period_months=12 if renewal == "auto" else None,
            notice_days=notice,
            owner_id=owner.id if owner else None,
        ),
    )
    return c  # type: ignore[return-value]


def action(db: Database, owner: Person, due: date, **kw: object) -> ActionItem:
    (a,) = add(db, ActionItem(title="Send the DPA", owner_id=owner.id, due_date=due, **kw))
    return a  # type: ignore[return-value]


def notes(db: Database, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).order_by(col(Notification.id))
    if kind:
        stmt = stmt.where(col(Notification.kind) == kind)
    with db.read() as session:
        return list(session.exec(stmt).all())


def at(day: date, hour: int, minute: int = 0, tz: str = "UTC") -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


# --- schedules ------------------------------------------------------------------------------


def test_action_item_schedule_uses_working_days_and_stops_after_five_nudges() -> None:
    due = date(2026, 11, 30)  # a Monday
    days = [d for _, d in action_schedule(due)]
    assert days == [
        date(2026, 11, 27),
        date(2026, 12, 1),
        date(2026, 12, 4),
        date(2026, 12, 9),
        date(2026, 12, 14),
        date(2026, 12, 17),
    ]
    assert all(d.weekday() < 5 for d in days)


def test_contract_reminders_on_a_weekend_move_to_the_friday_before() -> None:
    deadline = date(2026, 12, 14)  # Monday; 30 days before is Saturday 14 November
    schedule = dict(reminders.contract_schedule(deadline, [30]))
    assert schedule[f"{deadline}:30d"] == date(2026, 11, 13)


# --- action items ---------------------------------------------------------------------------


def test_action_item_reminder_goes_out_at_nine_in_the_owners_zone_once(db: Database) -> None:
    owner = person(db, tz="America/New_York")
    action(db, owner, date(2026, 12, 1))
    day_before = date(2026, 11, 30)
    assert plan_all(db, at(day_before, 8, 59, "America/New_York")) == 0
    assert plan_all(db, at(day_before, 9, 1, "America/New_York")) == 1
    assert plan_all(db, at(day_before, 15, 0, "America/New_York")) == 0
    (row,) = notes(db, "action_item")
    assert row.recipient == "ada@example.com" and row.subject.startswith("Due 2026-12-01")
    assert row.next_attempt_at == at(day_before, 9, 0, "America/New_York")


def test_an_item_first_seen_long_overdue_gets_only_the_latest_nudge(db: Database) -> None:
    owner = person(db)
    action(db, owner, date(2026, 11, 2))
    plan_all(db, at(date(2026, 11, 23), 10))
    (row,) = notes(db, "action_item")
    assert row.subject.startswith("Overdue since 2026-11-02")
    assert row.occurrence.startswith("2026-11-02:overdue5")


def test_changing_the_due_date_retires_the_queued_reminder(db: Database) -> None:
    owner = person(db)
    item = action(db, owner, date(2026, 12, 1))
    plan_all(db, at(date(2026, 11, 30), 10))
    with db.write() as session:
        fresh = session.get(ActionItem, item.id)
        assert fresh is not None
        fresh.due_date = date(2026, 12, 10)
        session.add(fresh)
    plan_all(db, at(date(2026, 11, 30), 11))
    assert [r.status for r in notes(db, "action_item")] == ["cancelled"]


def test_a_done_item_is_not_reminded(db: Database) -> None:
    owner = person(db)
    action(db, owner, date(2026, 12, 1), status="done")
    assert plan_all(db, at(date(2026, 11, 30), 10)) == 0


def test_per_record_recipients_override_the_owner(db: Database, admin: object) -> None:
    owner = person(db)
    item = action(db, owner, date(2026, 12, 1))
    reminders.set_record_recipients(
        db,
        admin,
        "action_item",
        "action_item",
        item.id or 0,  # type: ignore[arg-type]
        "lead@example.com",
    )
    plan_all(db, at(date(2026, 11, 30), 10))
    assert [r.recipient for r in notes(db, "action_item")] == ["lead@example.com"]


# --- contracts --------------------------------------------------------------------------------


def test_a_contract_first_seen_inside_the_window_gets_only_the_nearest_passed_offset(
    db: Database,
) -> None:
    owner = person(db)
    # Term 2026-01-01..2026-12-31, 30 days notice: deadline 2026-12-01.
    contract(db, owner, start=date(2026, 1, 1), renewal="manual")
    plan_all(db, at(date(2026, 10, 12), 10))  # 50 days before: 120, 90 and 60 have passed
    (row,) = notes(db, "contract")
    assert row.occurrence.startswith("2026-12-01:60d")
    assert plan_all(db, at(date(2026, 10, 13), 10)) == 0


def test_every_offset_once_when_planned_daily_for_a_29_february_start(db: Database) -> None:
    owner = person(db)
    c = contract(db, owner, start=date(2024, 2, 29), notice=31, title="Leap")
    # Boundaries fall on 28 February (clamped from the 29th): the term ends 2027-02-27 and
    # the deadline is 31 days earlier. Plan every third day across the whole window.
    day = date(2026, 9, 20)
    while day <= date(2027, 1, 31):
        plan_all(db, at(day, 9, 30))
        day += timedelta(days=3)
    rows = [r for r in notes(db, "contract") if r.record_id == c.id]
    occurrences = [r.occurrence.rsplit(":", 1)[0] for r in rows]
    assert len(occurrences) == len(set(occurrences))
    assert [o.split(":")[1] for o in occurrences] == ["120d", "90d", "60d", "30d", "14d", "7d"]
    assert {o.split(":")[0] for o in occurrences} == {"2027-01-27"}


def test_a_contract_on_the_31st_reminds_once_per_offset(db: Database) -> None:
    owner = person(db)
    contract(
        db, owner, start=date(2026, 1, 31), months=1, renewal="manual", notice=7, title="Monthly"
    )
    # Term ends 2026-02-27 (31 Jan + 1 month clamped to 28 Feb, minus a day); deadline 02-20.
    for day in (date(2026, 2, 10), date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 14)):
        plan_all(db, at(day, 10))
    rows = notes(db, "contract")
    assert [r.occurrence.rsplit(":", 1)[0] for r in rows] == ["2026-02-20:14d", "2026-02-20:7d"]


def test_a_channel_on_the_rule_also_gets_the_contract_reminder(db: Database) -> None:
    owner = person(db)
    contract(db, owner, start=date(2026, 1, 1), renewal="manual")
    with db.write() as session:
        rule = session.exec(select(ReminderRule)).first()
        reminders.ensure_default_rules(session)
    rules = reminders.list_rules(db, actor("admin"))
    rule = next(r for r in rules if r.kind == "contract")
    reminders.update_rule(
        db,
        actor("admin"),
        rule.id or 0,
        offsets_days="30",
        channel_target="C777",
        recipients="",
        enabled=True,
    )
    plan_all(db, at(date(2026, 11, 2), 10))
    assert sorted(r.recipient for r in notes(db, "contract")) == ["C777", "ada@example.com"]


def test_rule_editing_is_validated_and_admin_only(db: Database) -> None:
    rules = reminders.list_rules(db, actor("admin"))
    rule = rules[0]
    with pytest.raises(ValueError):
        reminders.update_rule(
            db,
            actor("admin"),
            rule.id or 0,
            offsets_days="7,abc",
            channel_target="",
            recipients="",
            enabled=True,
        )
    with pytest.raises(ValueError):
        reminders.update_rule(
            db,
            actor("admin"),
            rule.id or 0,
            offsets_days="7",
            channel_target="<!channel>",
            recipients="",
            enabled=True,
        )
    with pytest.raises(NotAllowed):
        reminders.update_rule(
            db,
            actor("va"),
            rule.id or 0,
            offsets_days="7",
            channel_target="",
            recipients="",
            enabled=True,
        )


# --- tickets -------------------------------------------------------------------------------------


def test_a_vendor_ticket_past_its_sla_reminds_its_owner_once(db: Database) -> None:
    owner = person(db)
    c = contract(db, owner, start=date(2026, 1, 1))
    with db.write() as session:
        fresh = session.get(Contract, c.id)
        assert fresh is not None
        fresh.sla_hours = 24
        session.add(fresh)
    add(
        db,
        SupportTicket(
            vendor_id=c.vendor_id,
            contract_id=c.id,
            vendor_ticket_id="T-1",
            title="GPU quota",
            opened_at=at(date(2026, 11, 23), 8),
            owner_id=owner.id,
        ),
    )
    plan_all(db, at(date(2026, 11, 24), 8, 30))  # breached at 08:00, but before 09:00
    assert notes(db, "ticket_sla") == []
    plan_all(db, at(date(2026, 11, 24), 9, 30))
    plan_all(db, at(date(2026, 11, 25), 9, 30))
    assert len(notes(db, "ticket_sla")) == 1


# --- meetings ------------------------------------------------------------------------------------


def meeting(
    db: Database,
    organizer: Person,
    starts: datetime,
    tz: str = "America/New_York",
    title: str = "Vendor sync",
) -> Meeting:
    (m,) = add(db, Meeting(title=title, starts_at=starts, timezone=tz, organizer_id=organizer.id))
    assert isinstance(m, Meeting)
    add(
        db,
        MeetingAttendee(meeting_id=m.id, email="bob@example.com"),
        AgendaItem(meeting_id=m.id, title="Pricing <b>", position=0),
    )
    return m


def sent(db: Database, kind: str) -> None:
    with db.write() as session:
        for row in session.exec(select(Notification).where(col(Notification.kind) == kind)):
            row.status, row.attempts = "sent", 1
            session.add(row)


def test_a_new_meeting_is_invited_once_and_a_reschedule_is_one_patch(db: Database) -> None:
    org = person(db)
    m = meeting(db, org, at(date(2026, 12, 3), 15))
    now = at(date(2026, 11, 23), 10)
    plan_all(db, now)
    plan_all(db, now)
    (invite,) = notes(db, "meeting_invite")
    payload = outbox.payload_of(invite)
    assert payload["op"] == "insert" and payload["event"]["attendees"] == ["bob@example.com"]
    sent(db, "meeting_invite")
    with db.write() as session:
        fresh = session.get(Meeting, m.id)
        assert fresh is not None
        fresh.starts_at = at(date(2026, 12, 4), 15)
        session.add(fresh)
    plan_all(db, now)
    plan_all(db, now)
    (update,) = notes(db, "meeting_update")
    assert outbox.payload_of(update)["op"] == "patch"
    assert outbox.payload_of(update)["event_id"] == payload["event_id"]
    with db.write() as session:
        fresh = session.get(Meeting, m.id)
        assert fresh is not None
        fresh.status = "cancelled"
        session.add(fresh)
    plan_all(db, now)
    assert [r.status for r in notes(db, "meeting_update")] == ["cancelled"]
    (cancel,) = notes(db, "meeting_cancel")
    assert outbox.payload_of(cancel) == {
        "op": "cancel",
        "event_id": payload["event_id"],
        "key": f"meeting:{m.id}",
    }


def test_a_change_before_the_invite_went_out_updates_the_invite_itself(db: Database) -> None:
    org = person(db)
    m = meeting(db, org, at(date(2026, 12, 3), 15))
    now = at(date(2026, 11, 23), 10)
    plan_all(db, now)
    with db.write() as session:
        fresh = session.get(Meeting, m.id)
        assert fresh is not None
        fresh.title = "Vendor sync (moved)"
        session.add(fresh)
    plan_all(db, now)
    (invite,) = notes(db, "meeting_invite")
    assert outbox.payload_of(invite)["event"]["summary"] == "Vendor sync (moved)"
    assert notes(db, "meeting_update") == []


@pytest.mark.parametrize(
    ("local", "offset"),
    [
        (datetime(2026, 11, 1, 1, 30, fold=0), "-04:00"),  # first 01:30 of the autumn change
        (datetime(2026, 11, 1, 1, 30, fold=1), "-05:00"),  # the repeated 01:30
        (datetime(2026, 3, 8, 3, 30), "-04:00"),
    ],  # just after the spring gap
)
def test_meetings_on_clock_change_days_get_one_invite_with_an_explicit_zone(
    db: Database, local: datetime, offset: str
) -> None:
    org = person(db)
    zone = ZoneInfo("America/New_York")
    starts = local.replace(tzinfo=zone).astimezone(UTC)
    meeting(db, org, starts)
    now = starts - timedelta(days=10)
    for hours in range(0, 48, 6):
        plan_all(db, now + timedelta(hours=hours))
    (invite,) = notes(db, "meeting_invite")
    event = event_from_payload(outbox.payload_of(invite))
    assert event.timezone == "America/New_York"
    assert event.starts_at.isoformat().endswith(offset)
    assert event.starts_at.astimezone(UTC) == starts


def test_agenda_reminder_to_the_organizer_the_working_day_before(db: Database) -> None:
    org = person(db, tz="Europe/Berlin")
    meeting(db, org, at(date(2026, 11, 30), 10, tz="Europe/Berlin"), tz="Europe/Berlin")
    assert plan_all(db, at(date(2026, 11, 27), 8, 59, "Europe/Berlin")) == 1  # the invite only
    plan_all(db, at(date(2026, 11, 27), 9, 1, "Europe/Berlin"))  # Friday before a Monday
    (row,) = notes(db, "meeting_agenda")
    assert row.recipient == "ada@example.com" and "Pricing <b>" in row.body


# --- renewal decision meetings -------------------------------------------------------------


def attendees_and_agenda(session: Session, meeting: Meeting) -> tuple[list[str], list[str]]:
    """A meeting's attendee emails and agenda item titles, in the order they were added."""
    emails = [
        a.email
        for a in session.exec(
            select(MeetingAttendee)
            .where(col(MeetingAttendee.meeting_id) == meeting.id)
            .order_by(col(MeetingAttendee.id))
        )
    ]
    agenda = [
        a.title
        for a in session.exec(
            select(AgendaItem)
            .where(col(AgendaItem.meeting_id) == meeting.id)
            .order_by(col(AgendaItem.position))
        )
    ]
    return emails, agenda


def test_renewal_meetings_planned_in_one_pass_each_get_their_own_people_and_agenda(
    db: Database,
) -> None:
    ada = person(db)
    bob = person(db, "bob@example.com")
    first = contract(db, ada, start=date(2026, 1, 1), title="Platform")  # deadline 2026-12-01
    second = contract(db, bob, start=date(2026, 1, 10), title="GPUs")  # deadline 2026-12-10
    contract(db, ada, start=date(2026, 6, 1), title="Later")  # deadline 2027-05-02: not yet
    now = at(date(2026, 11, 2), 10)
    assert plan_all(db, now) >= 2
    with db.read() as session:
        meetings = session.exec(select(Meeting).order_by(col(Meeting.contract_id))).all()
        assert [m.contract_id for m in meetings] == [first.id, second.id]
        for m, owner, deadline in zip(
            meetings,
            ("ada@example.com", "bob@example.com"),
            ("2026-12-01", "2026-12-10"),
            strict=True,
        ):
            emails, agenda = attendees_and_agenda(session, m)
            assert emails == [owner]
            assert any(f"Cancellation deadline: {deadline}" in a for a in agenda)
    assert plan_all(db, now + timedelta(hours=1)) == 0


def test_a_renewal_decision_meeting_is_created_once_with_owner_lead_and_finance(
    db: Database,
) -> None:
    (team,) = add(db, Team(name="ML platform"))
    owner = person(db, team_id=team.id)  # type: ignore[attr-defined]
    person(db, "lead@example.com", team_id=team.id, is_lead=True)  # type: ignore[attr-defined]
    person(db, "other-lead@example.com", is_lead=True)
    add(db, User(email="fin@example.com", role="finance"))
    c = contract(db, owner, start=date(2026, 1, 1), title="Platform")  # deadline 2026-12-01
    now = at(date(2026, 11, 2), 10)
    plan_all(db, now)
    plan_all(db, now + timedelta(days=1))
    with db.read() as session:
        (m,) = session.exec(select(Meeting).where(col(Meeting.contract_id) == c.id)).all()
        emails, agenda = attendees_and_agenda(session, m)
    assert m.title == "Renewal decision: Vendor Platform Platform"
    assert m.starts_at.date() < date(2026, 12, 1)
    assert sorted(emails) == ["ada@example.com", "fin@example.com", "lead@example.com"]
    assert any("Cancellation deadline: 2026-12-01" in a for a in agenda)
    (invite,) = notes(db, "meeting_invite")
    assert invite.record_id == m.id
