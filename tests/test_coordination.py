"""Coordination services on SQLite and Postgres: meetings, carry-over, actions, follow-ups,
review board, imports, .ics and the actions report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from db.engine import Database
from db.models import (
    ActionItem,
    AuditEvent,
    BillingImport,
    Budget,
    Contract,
    CostRollup,
    Person,
    SeatPool,
    Team,
)
from services.access.access import Actor, NotAllowed
from services.coordination import (
    actions,
    bulk_edit,
    followups,
    ics,
    meetings,
    people,
    review,
    version,
)
from services.core.records import StaleEdit
from services.record_imports import RecordError, import_file
from tests.builders import (
    ADMIN,
    LEAD,
    VA,
    XSS,
    make_action,
    make_contract,
    make_person,
    make_team,
    make_ticket,
    make_vendor,
)

TODAY = date(2026, 11, 22)  # a Sunday
BERLIN = ZoneInfo("Europe/Berlin")


def _weekly_series(db: Database, **kw: object) -> tuple[int, int]:
    series, created = meetings.create_series(
        db,
        VA,
        title=str(kw.pop("title", "Weekly platform sync")),
        rule="weekly",
        first_starts_at=datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN),
        timezone="Europe/Berlin",
        today=TODAY,
        **kw,  # type: ignore[arg-type]
    )
    assert series.id is not None and created[0].id is not None
    return series.id, created[0].id


# --- people ----------------------------------------------------------------------------------


def test_people_crud_archive_and_stale_edit(db: Database) -> None:
    team = people.create_team(db, VA, "Platform")
    person = people.add_person(
        db,
        VA,
        name="Ana",
        email=" Ana@Example.com ",
        team_id=team.id,
        timezone="Europe/Berlin",
        role="admin",
    )
    assert person.email == "ana@example.com"
    assert [p.team for p in people.list_people(db, VA)] == ["Platform"]
    people.update_person(db, VA, person.id or 0, expected_version=1, name="Ana B")
    with pytest.raises(StaleEdit):
        people.update_person(db, VA, person.id or 0, expected_version=1, name="Ana C")
    people.set_person_archived(db, VA, person.id or 0, True)
    assert people.list_people(db, VA) == []
    assert people.list_people(db, VA, include_archived=True)[0].name == "Ana B"
    with pytest.raises(ValueError, match="time zone"):
        people.add_person(db, VA, name="Bo", email="bo@example.com", timezone="Mars/Base")
    with pytest.raises(ValueError, match="already"):
        people.add_person(db, VA, name="Dup", email="ana@example.com")


def test_finance_cannot_edit_people_and_refusal_is_audited(db: Database) -> None:
    with pytest.raises(NotAllowed):
        people.add_person(db, Actor("fin@example.com", "finance"), name="X", email="x@example.com")
    with db.read() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "denied")).first()
        assert s.exec(select(Person)).first() is None


# --- meetings, agenda, carry-over -----------------------------------------------------------


def test_template_and_attendees_fill_a_one_off_meeting(db: Database) -> None:
    pid = make_person(db, name=XSS, email="ana@example.com")
    templates = {t.name: t for t in meetings.list_templates(db, VA)}
    assert {"Weekly platform sync", "Vendor quarterly review", "Renewal decision"} <= set(templates)
    meeting = meetings.create_meeting(
        db,
        VA,
        title="Kick-off",
        starts_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        timezone="UTC",
        template_id=templates["Renewal decision"].id,
        attendees=meetings.Attendees((pid,), ("Guest@Vendor.example", "ana@example.com")),
        today=TODAY,
    )
    detail = meetings.meeting_detail(db, VA, meeting.id or 0)
    assert next(a.title for a in detail.agenda) == "Current terms and cancellation deadline"
    assert detail.attendees == [(XSS, "ana@example.com"), ("", "guest@vendor.example")]
    with pytest.raises(ValueError):
        meetings.create_meeting(db, VA, title="x", starts_at=datetime(2026, 1, 1), timezone="UTC")


def test_vendor_meeting_gets_vendor_facts_agenda_item(db: Database) -> None:
    vid = make_vendor(db, "Acme AI")
    make_contract(db, vid, start_date=date(2026, 1, 1), notice_days=30)  # deadline 2026-12-01
    make_ticket(db, vid)
    with db.write() as s:
        s.add(
            SeatPool(
                vendor_id=vid,
                product="Team",
                seats_purchased=10,
                seats_assigned=8,
                seats_active_30d=6,
            )
        )
        imp = BillingImport(filename="f.csv", format="focus", sha256="x", imported_by="t")
        s.add(imp)
        s.flush()
        for day, amount in ((5, "100.10"), (6, "50.05")):
            s.add(
                CostRollup(
                    import_id=imp.id or 0,
                    day=date(2026, 10, day),
                    source_name="acme ai",
                    billing_period_start=date(2026, 10, 1),
                    currency="USD",
                    effective_cost=Decimal(amount),
                    billed_cost=Decimal(amount),
                )
            )
        s.add(
            Budget(
                name="Acme",
                scope="vendor",
                vendor_id=vid,
                amount=Decimal("500"),
                starts_on=date(2026, 1, 1),
            )
        )
    meeting = meetings.create_meeting(
        db,
        ADMIN,
        title="Acme QBR",
        starts_at=datetime(2026, 11, 24, 15, tzinfo=UTC),
        timezone="UTC",
        vendor_id=vid,
        today=TODAY,
    )
    facts = meetings.meeting_detail(db, ADMIN, meeting.id or 0).agenda[0]
    assert facts.title == "Vendor facts"
    assert "Next cancellation deadline in 9 days" in facts.details
    assert "8 assigned, 6 active in 30 days, of 10 bought" in facts.details
    assert "Open vendor tickets: 1" in facts.details
    # Money is not stored in the agenda (every attendee sees it); the page adds it per role.
    assert "Spend" not in facts.details
    money = meetings.meeting_detail(db, ADMIN, meeting.id or 0).money
    assert money == ["Spend in October 2026: USD 150.15 against a budget of USD 500.00"]
    # A VA may not read spend: the fact is left out of the agenda they create.
    va_meeting = meetings.create_meeting(
        db,
        VA,
        title="Acme sync",
        starts_at=datetime(2026, 11, 25, 15, tzinfo=UTC),
        timezone="UTC",
        vendor_id=vid,
        today=TODAY,
    )
    assert "Spend" not in meetings.meeting_detail(db, VA, va_meeting.id or 0).agenda[0].details


def test_series_occurrences_keep_wall_clock_in_berlin(db: Database) -> None:
    _series, created = meetings.create_series(
        db,
        VA,
        title="Sync",
        rule="weekly",
        timezone="Europe/Berlin",
        today=TODAY,
        first_starts_at=datetime(2027, 3, 15, 1, 30, tzinfo=BERLIN),
    )
    assert len(created) >= 3
    local = [m.starts_at.astimezone(BERLIN) for m in created]
    assert all((t.hour, t.minute) == (1, 30) for t in local)
    assert len({t.utcoffset() for t in local}) == 2


def test_carry_over_to_next_meeting_of_series(db: Database) -> None:
    pid = make_person(db)
    _, first = _weekly_series(db, attendees=meetings.Attendees((pid,), ("x@vendor.example",)))
    meetings.add_agenda_item(db, VA, first, "GPU quota")
    done = meetings.add_agenda_item(db, VA, first, "Incident review")
    meetings.record_agenda_item(
        db, VA, done.id or 0, expected_version=1, minutes="ok", decision="close it", status="done"
    )
    open_action = actions.quick_add(
        db, VA, "Ask vendor for quota @pat@example.com due:fri", meeting_id=first, today=TODAY
    )
    closed = actions.create_action(db, VA, title="Already done", status="done", meeting_id=first)

    result = meetings.open_next_meeting(db, VA, first, today=TODAY)
    assert (result.agenda_items, result.action_items) == (1, 1)
    nxt = meetings.meeting_detail(db, VA, result.meeting_id)
    assert nxt.local_start.date() == date(2026, 11, 30)
    assert nxt.previous_id == first
    carried = [a for a in nxt.agenda if a.title == "GPU quota"]
    assert carried[0].carried_from == date(2026, 11, 23) and carried[0].carry_count == 1
    assert [(a.id, a.carried_from, a.carry_count) for a in nxt.actions] == [
        (open_action.id, date(2026, 11, 23), 1)
    ]
    assert {e for _, e in nxt.attendees} == {"pat@example.com", "x@vendor.example"}
    assert [a.id for a in meetings.meeting_detail(db, VA, first).actions] == [closed.id]

    # Opening it again carries nothing twice; carrying onward counts up.
    again = meetings.open_next_meeting(db, VA, first, today=TODAY)
    assert again.meeting_id == result.meeting_id
    assert (again.agenda_items, again.action_items) == (0, 0)
    third = meetings.open_next_meeting(db, VA, result.meeting_id, today=TODAY)
    detail3 = meetings.meeting_detail(db, VA, third.meeting_id)
    assert [a.carry_count for a in detail3.agenda if a.title == "GPU quota"] == [2]
    assert detail3.actions[0].carry_count == 2
    assert detail3.actions[0].carried_from == date(2026, 11, 30)

    # Closed or dropped there: nothing left to carry.
    gpu = next(a for a in detail3.agenda if a.title == "GPU quota")
    meetings.record_agenda_item(db, VA, gpu.id, expected_version=gpu.version, status="dropped")
    actions.set_status(db, VA, detail3.actions[0].id, "done")
    fourth = meetings.open_next_meeting(db, VA, third.meeting_id, today=TODAY)
    assert (fourth.agenda_items, fourth.action_items) == (0, 0)


def test_one_off_meeting_has_no_next(db: Database) -> None:
    m = meetings.create_meeting(
        db, VA, title="One", timezone="UTC", starts_at=datetime(2026, 12, 1, 9, tzinfo=UTC)
    )
    with pytest.raises(ValueError, match="one-off"):
        meetings.open_next_meeting(db, VA, m.id or 0)


def test_stale_minutes_are_refused_and_first_edit_kept(db: Database) -> None:
    _, mid = _weekly_series(db)
    item = meetings.add_agenda_item(db, VA, mid, "Budget")
    meetings.record_agenda_item(db, VA, item.id or 0, expected_version=1, minutes="first")
    with pytest.raises(StaleEdit):
        meetings.record_agenda_item(db, VA, item.id or 0, expected_version=1, minutes="second")
    detail = meetings.meeting_detail(db, VA, mid)
    assert [a.minutes for a in detail.agenda if a.title == "Budget"] == ["first"]


def test_lead_may_read_but_not_edit_meetings(db: Database) -> None:
    _, mid = _weekly_series(db)
    assert meetings.meeting_detail(db, LEAD, mid).can_edit is False
    with pytest.raises(NotAllowed):
        meetings.add_agenda_item(db, LEAD, mid, "x")


# --- action items ---------------------------------------------------------------------------


def test_quick_add_parses_owner_due_and_priority(db: Database) -> None:
    make_person(db, email="ana@example.com")
    item = actions.quick_add(db, VA, "Chase DPA @ana@example.com due:tomorrow !urgent", today=TODAY)
    assert (item.title, item.due_date, item.priority) == ("Chase DPA", date(2026, 11, 23), "urgent")
    assert actions.parse_quick_add("x due:fri", TODAY).due_date == date(2026, 11, 27)
    with pytest.raises(ValueError, match="People"):
        actions.quick_add(db, VA, "x @nobody@example.com", today=TODAY)
    with pytest.raises(ValueError, match="title"):
        actions.quick_add(db, VA, "!high", today=TODAY)


def test_bulk_save_refuses_rows_changed_since_load_and_keeps_their_change(db: Database) -> None:
    make_person(db, email="ana@example.com")
    a = make_action(db, "First")
    b = make_action(db, "Second")
    loaded = {r.id: r for r in actions.list_actions(db, VA, today=TODAY)}
    # Someone else edits B after our table was loaded.
    actions.set_status(db, ADMIN, b, "blocked")
    result = bulk_edit.bulk_save(
        db,
        VA,
        [
            {
                "id": a,
                "version": loaded[a].version,
                "title": "First, renamed",
                "status": "done",
                "owner_email": "ana@example.com",
                "due_date": "2026-12-01",
                "priority": "high",
            },
            {"id": b, "version": loaded[b].version, "title": "Second", "status": "dropped"},
        ],
    )
    assert result.saved == [a]
    assert [(c.id, c.title) for c in result.conflicts] == [(b, "Second")]
    assert "Second" in result.message()
    after = {r.id: r for r in actions.list_actions(db, VA, today=TODAY)}
    assert (after[a].title, after[a].status, after[a].owner_email, after[a].due_date) == (
        "First, renamed",
        "done",
        "ana@example.com",
        date(2026, 12, 1),
    )
    assert after[a].completed_at is not None
    assert after[b].status == "blocked"


def test_bulk_save_with_a_bad_value_changes_nothing(db: Database) -> None:
    a = make_action(db, "First")
    b = make_action(db, "Second")
    with pytest.raises(ValueError, match="row 2"):
        bulk_edit.bulk_save(
            db,
            VA,
            [
                {"id": a, "version": 1, "title": "Renamed"},
                {"id": b, "version": 1, "status": "finished"},
            ],
        )
    assert [r.title for r in actions.list_actions(db, VA, today=TODAY)] == ["First", "Second"]


def test_bulk_save_ignores_columns_outside_the_editable_set(db: Database) -> None:
    a = make_action(db, "First")
    bulk_edit.bulk_save(
        db, VA, [{"id": a, "version": 1, "created_by": "evil", "carry_count": 9, "title": "First"}]
    )
    with db.read() as s:
        item = s.get(ActionItem, a)
        assert item is not None and item.created_by == "" and item.carry_count == 0


def test_overdue_uses_the_workspace_time_zone(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoneinfo import ZoneInfo

    from services.core.clock import today
    from settings import get_settings

    # UTC+14 and UTC-11 are 25 hours apart: their dates always differ.
    behind = today(db, ZoneInfo("Pacific/Pago_Pago"))
    a = make_action(db, "Due today in Pago Pago", due_date=behind)
    for tz, expected in (("Pacific/Pago_Pago", False), ("Pacific/Kiritimati", True)):
        monkeypatch.setenv("OPSDESK_TIMEZONE", tz)
        get_settings.cache_clear()
        rows = actions.list_actions(db, VA)
        assert [r.overdue for r in rows if r.id == a] == [expected]
        assert [r.id for r in actions.list_actions(db, VA, overdue=True)] == (
            [a] if expected else []
        )
    get_settings.cache_clear()


# --- my follow-ups --------------------------------------------------------------------------


def test_follow_up_queue_order_and_sources(db: Database) -> None:
    me = make_person(db, name="Val", email="va@example.com")
    other = make_person(db, name="Otto", email="otto@example.com")
    make_action(db, "later", owner_id=me, due_date=TODAY + timedelta(days=20))
    make_action(db, "this week", owner_id=me, due_date=TODAY + timedelta(days=3))
    make_action(db, "today low", owner_id=me, due_date=TODAY, priority="low")
    make_action(db, "today urgent", owner_id=me, due_date=TODAY, priority="urgent")
    make_action(db, "waiting", owner_id=me, due_date=TODAY + timedelta(days=1), status="waiting")
    make_action(db, "overdue", owner_id=me, due_date=TODAY - timedelta(days=2))
    make_action(db, "done", owner_id=me, due_date=TODAY - timedelta(days=2), status="done")
    make_action(db, "someone else's", owner_id=other, due_date=TODAY)
    make_action(db, "snoozed", owner_id=me, due_date=TODAY, snoozed_until=TODAY + timedelta(1))
    vid = make_vendor(db)
    # Deadline 2026-11-26 (term ends 2026-12-31, 35 days notice): 4 days away.
    cid = make_contract(db, vid, owner_id=me, start_date=date(2026, 1, 1), notice_days=35)
    make_contract(db, vid, title="far", owner_id=me, start_date=date(2026, 6, 1))
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    with db.write() as s:
        contract = s.get(Contract, cid)
        assert contract is not None
        contract.sla_hours = 24
        s.add(contract)
    make_ticket(
        db,
        vid,
        owner_id=me,
        contract_id=cid,
        vendor_ticket_id="PAST",
        opened_at=now - timedelta(hours=30),
    )
    make_ticket(
        db, vid, owner_id=me, vendor_ticket_id="WAIT", status="waiting_on_vendor", opened_at=now
    )
    make_ticket(db, vid, owner_id=me, vendor_ticket_id="CLOSED", status="closed", opened_at=now)

    queue = followups.my_follow_ups(db, VA, today=TODAY, now=now)
    assert queue.person_name == "Val"
    got = [(i.bucket, i.title.split(":")[0]) for i in queue.items]
    assert got == [
        ("overdue", "overdue"),  # due 20 November
        ("overdue", "Acme AI ticket PAST"),  # SLA ran out on 21 November
        ("today", "today urgent"),
        ("today", "today low"),
        ("this_week", "this week"),
        ("this_week", "Renewal decision"),
        # The ticket has no contract of its own; the vendor's contract SLA (24 h) applies,
        # so it is due tomorrow, before the waiting action item.
        ("waiting", "Acme AI ticket WAIT"),
        ("waiting", "waiting"),
        ("later", "later"),
    ]
    assert queue.items[1].flagged and not queue.items[0].flagged


def test_follow_ups_done_and_snooze_in_one_click(db: Database) -> None:
    me = make_person(db, name="Val", email="va@example.com")
    a = make_action(db, "a", owner_id=me, due_date=TODAY)
    b = make_action(db, "b", owner_id=me, due_date=TODAY)
    followups.mark_done(db, VA, "action", a)
    followups.snooze(db, VA, "action", b, days=2, today=TODAY)
    assert followups.my_follow_ups(db, VA, today=TODAY).items == []
    assert [i.title for i in followups.my_follow_ups(db, VA, today=TODAY + timedelta(2)).items] == [
        "b"
    ]
    with pytest.raises(ValueError):
        followups.snooze(db, VA, "renewal", 1)


def test_memoised_follow_ups_follow_every_change_per_person_and_day(db: Database) -> None:
    """The page's memo holds each person's action items per day; any change to them, a new
    one or one given to someone else empties it, and one person's never shows as another's."""
    from ui.data_memo import VersionMemo

    memos = VersionMemo()

    def titles(who: Actor = VA, today: date = TODAY) -> list[str]:
        memo = memos.for_version(version.data_version(db))
        queue = followups.my_follow_ups(db, who, today=today, memo=memo)
        assert queue == followups.my_follow_ups(db, who, today=today)
        return [i.title for i in queue.items]

    me = make_person(db, name="Val", email=VA.email)
    lee = make_person(db, name="Lee", email=LEAD.email)
    a = make_action(db, "a", owner_id=me, due_date=TODAY)
    b = make_action(db, "b", owner_id=me, due_date=TODAY + timedelta(days=1))
    make_action(db, "lee's", owner_id=lee, due_date=TODAY)
    assert titles() == ["a", "b"]
    assert titles(LEAD) == ["lee's"]
    raw = make_action(db, "raw", owner_id=me, due_date=TODAY)  # no audit event: the top id moves
    assert titles() == ["a", "raw", "b"]
    followups.mark_done(db, VA, "action", a)
    assert titles() == ["raw", "b"]
    followups.snooze(db, VA, "action", b, days=2, today=TODAY)
    assert titles() == ["raw"]
    assert titles(today=TODAY + timedelta(days=2)) == ["raw", "b"]  # b awake, on that day
    bulk_edit.bulk_save(db, ADMIN, [{"id": raw, "version": 1, "owner_email": LEAD.email}])
    assert titles() == [] and titles(LEAD) == ["lee's", "raw"]


def test_follow_ups_without_a_person_is_an_empty_state(db: Database) -> None:
    queue = followups.my_follow_ups(db, VA, today=TODAY)
    assert queue.person_name is None and queue.items == []


# --- review board ---------------------------------------------------------------------------


def test_review_board_counts_aging_blocked_and_weekly_rate(db: Database) -> None:
    team = make_team(db, "Platform")
    ana = make_person(db, name="Ana", email="ana@example.com", team_id=team)
    make_action(db, "3 days late", owner_id=ana, due_date=TODAY - timedelta(days=3))
    make_action(
        db, "10 days late", owner_id=ana, due_date=TODAY - timedelta(days=10), status="blocked"
    )
    make_action(db, "40 days late", due_date=TODAY - timedelta(days=40))
    make_action(
        db,
        "done last week",
        owner_id=ana,
        due_date=TODAY - timedelta(days=5),
        status="done",
        completed_at=datetime(2026, 11, 17, 10, tzinfo=UTC),
    )
    board = review.board(db, LEAD, today=TODAY)
    assert board.aging == {"1-7 days": 1, "8-30 days": 1, "over 30 days": 1}
    assert board.open_total == 3 and board.overdue_total == 3
    assert [(o.owner, o.open, o.overdue, o.blocked) for o in board.owners] == [
        ("Ana", 2, 2, 1),
        ("(no owner)", 1, 1, 0),
    ]
    assert board.teams == {"(no team)": 1, "Platform": 2}
    assert [b.title for b in board.blocked] == ["10 days late"]
    assert len(board.weeks) == 8 and board.weeks[-1].week_start == date(2026, 11, 16)
    last = board.weeks[-1]
    assert (last.due, last.done, last.completed, last.rate) == (2, 1, 1, 0.5)
    assert [r.title for r in review.drill_down(db, LEAD, aging="8-30 days", today=TODAY)] == [
        "10 days late"
    ]
    assert len(review.drill_down(db, LEAD, team="Platform", today=TODAY)) == 2
    with pytest.raises(NotAllowed):
        review.board(db, VA, today=TODAY)


def test_memoised_review_board_follows_every_change_and_still_refuses(db: Database) -> None:
    """The page's memo is emptied by any change the board shows, and a warm memo never lets a
    role without the permission read it."""
    from ui.data_memo import VersionMemo

    memos = VersionMemo()

    def shown(today: date = TODAY) -> tuple[object, ...]:
        memo = memos.for_version(version.data_version(db))
        board = review.board(db, LEAD, today=today, memo=memo)
        assert board == review.board(db, LEAD, today=today)
        return (
            [(o.owner, o.team, o.open, o.overdue, o.blocked) for o in board.owners],
            board.teams,
            board.aging,
            [b.title for b in board.blocked],
            [(w.due, w.done, w.completed) for w in board.weeks[-2:]],
        )

    team = make_team(db, "Platform")
    ana = make_person(db, name="Ana", email="ana@example.com", team_id=team)
    first = make_action(db, "late", owner_id=ana, due_date=TODAY - timedelta(days=3))
    assert shown()[0] == [("Ana", "Platform", 1, 1, 0)]
    assert shown()[2]["1-7 days"] == 1

    # Written outside a service, with no audit event: the top id catches it.
    make_action(db, "raw", owner_id=ana, due_date=TODAY + timedelta(days=3))
    assert shown()[0] == [("Ana", "Platform", 2, 1, 0)]
    made = actions.create_action(db, ADMIN, title="new", due_date=TODAY - timedelta(days=10))
    assert ("(no owner)", "", 1, 1, 0) in shown()[0]

    blocked = actions.set_status(db, ADMIN, first, "blocked")
    assert shown()[3] == ["late"] and shown()[0][0][4] == 1
    moved = bulk_edit.bulk_save(
        db,
        ADMIN,
        [{"id": made.id, "version": made.version, "owner_email": "ana@example.com"}],
    )
    assert moved.saved == [made.id]
    assert shown()[0] == [("Ana", "Platform", 3, 2, 1)]
    bulk_edit.bulk_save(
        db,
        ADMIN,
        [{"id": first, "version": blocked.version, "due_date": TODAY + timedelta(days=1)}],
    )
    assert shown()[2] == {"1-7 days": 0, "8-30 days": 1, "over 30 days": 0}
    actions.set_status(db, ADMIN, first, "done")
    # Completed at the frozen clock (23 November), in the week after TODAY's.
    assert shown()[3] == [] and shown()[4][-1][2] == 0

    people.update_person(db, ADMIN, ana, expected_version=1, name="Ana Renamed")
    assert shown()[0][0][0] == "Ana Renamed"
    other = people.create_team(db, ADMIN, "Research")
    people.update_person(db, ADMIN, ana, expected_version=2, team_id=other.id)
    assert shown()[1] == {"Research": 2}

    # The same data on a later day: overdue ages by the day asked for.
    assert shown(TODAY + timedelta(days=30))[2] == {
        "1-7 days": 0,
        "8-30 days": 1,
        "over 30 days": 1,
    }
    with pytest.raises(NotAllowed):
        review.board(db, VA, today=TODAY, memo=memos.for_version(version.data_version(db)))


# --- imports ---------------------------------------------------------------------------------


def test_people_import_creates_teams_and_ignores_extra_columns(
    db: Database, tmp_path: Path
) -> None:
    f = tmp_path / "people.csv"
    f.write_text(
        "name,email,team,role\nAna,ana@example.com,Platform,admin\n"
        f'"{XSS}",bo@example.com,Data,\nCy,cy@example.com,,\n',
        encoding="utf-8",
    )
    assert import_file(db, VA, "people", f) == 3
    with db.read() as s:
        assert sorted(t.name for t in s.exec(select(Team)).all()) == ["Data", "Platform"]
        assert s.exec(select(Person).where(Person.email == "bo@example.com")).one().name == XSS


def test_people_import_is_all_or_nothing(db: Database, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text(
        "name,email,team\nAna,ana@example.com,Platform\nBo,not-an-email,Data\n", encoding="utf-8"
    )
    with pytest.raises(RecordError, match=r"row 3.*email"):
        import_file(db, VA, "people", f)
    with db.read() as s:
        assert s.exec(select(Person)).all() == [] and s.exec(select(Team)).all() == []


def test_action_items_import_all_or_nothing_naming_row_and_problem(
    db: Database, tmp_path: Path
) -> None:
    make_person(db, email="ana@example.com")
    good = tmp_path / "ok.csv"
    good.write_text(
        "title,owner_email,due_date,status,priority\n"
        "Send DPA,ANA@example.com,2026-12-01,in progress,high\n"
        '=HYPERLINK("x"),,,,\n',
        encoding="utf-8",
    )
    assert import_file(db, VA, "action-items", good) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "title,owner_email,due_date,status,priority\n"
        "A,ana@example.com,2026-12-01,open,high\n"
        "B,ana@example.com,01/12/2026,open,high\n",
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match=r"row 3, column 'due_date'"):
        import_file(db, VA, "action-items", bad)
    bad.write_text(
        "title,owner_email,due_date,status,priority\nA,who@example.com,,open,low\n",
        encoding="utf-8",
    )
    with pytest.raises(RecordError, match="row 2, column 'owner_email'"):
        import_file(db, VA, "action-items", bad)
    assert len(actions.list_actions(db, VA, today=TODAY)) == 2
    rows = {r.title: r for r in actions.list_actions(db, VA, today=TODAY)}
    assert rows["Send DPA"].status == "in_progress" and rows["Send DPA"].owner_email == (
        "ana@example.com"
    )


# --- .ics ------------------------------------------------------------------------------------


def test_meeting_and_series_ics_carry_tzid_rrule_attendees_and_escaped_text(db: Database) -> None:
    pid = make_person(db, name="Ana, the lead", email="ana@example.com")
    sid, mid = _weekly_series(
        db,
        title=f"Sync; {XSS}\nDESCRIPTION:evil",
        attendees=meetings.Attendees((pid,), ("guest@vendor.example",)),
    )
    one = Calendar.from_ical(ics.meeting_ics(db, VA, mid))
    event = one.walk("VEVENT")[0]
    assert str(event["summary"]) == f"Sync; {XSS}\nDESCRIPTION:evil"
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtstart").hour == 10
    assert one.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    assert sorted(str(a) for a in event.get("attendee")) == [
        "mailto:ana@example.com",
        "mailto:guest@vendor.example",
    ]
    raw = ics.meeting_ics(db, VA, mid).decode()
    assert "\nDESCRIPTION:evil" not in raw.replace("\r\n", "\n")
    series = Calendar.from_ical(ics.series_ics(db, VA, sid)).walk("VEVENT")[0]
    assert series["rrule"]["FREQ"] == ["WEEKLY"]


# --- report ----------------------------------------------------------------------------------


def test_report_actions_json_and_csv(
    db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cli
    from settings import get_settings

    monkeypatch.setenv(
        "OPSDESK_DATABASE_URL", str(db.engine.url.render_as_string(hide_password=False))
    )
    monkeypatch.setenv("OPSDESK_TIMEZONE", "UTC")
    get_settings.cache_clear()
    ana = make_person(db, email="ana@example.com")
    make_action(db, "=cmd|' /C calc'!A0", owner_id=ana, due_date=date(2000, 1, 1))
    make_action(db, "Done long ago", owner_id=ana, due_date=date(2000, 1, 1), status="done")
    make_action(db, "Not mine", due_date=date(2000, 1, 1))
    try:
        assert (
            cli.main(["report", "actions", "--owner", "ana@example.com", "--format", "json"]) == 0
        )
        rows = json.loads(capsys.readouterr().out)
        assert [(r["title"], r["due_date"], r["overdue"]) for r in rows] == [
            ("=cmd|' /C calc'!A0", "2000-01-01", True),
            ("Done long ago", "2000-01-01", False),
        ]
        assert {"title", "owner_email", "due_date", "status", "priority", "overdue"} <= set(rows[0])
        assert cli.main(["report", "actions", "--overdue", "--format", "csv"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("id,title,owner,owner_email")
        assert len(out) == 3 and "'=cmd" in out[1]
        assert cli.main(["report", "actions", "--status", "done"]) == 0
        assert len(capsys.readouterr().out.splitlines()) == 2
    finally:
        get_settings.cache_clear()


def test_carried_template_topic_is_marked_not_listed_twice(db: Database) -> None:
    template = next(t for t in meetings.list_templates(db, VA) if t.name == "Weekly platform sync")
    _, first = _weekly_series(db, template_id=template.id)
    before = meetings.meeting_detail(db, VA, first).agenda
    for item in before[1:]:
        meetings.record_agenda_item(db, VA, item.id, expected_version=item.version, status="done")
    result = meetings.open_next_meeting(db, VA, first, today=TODAY)
    agenda = meetings.meeting_detail(db, VA, result.meeting_id).agenda
    assert [a.title for a in agenda] == [a.title for a in before]
    assert [(a.carried_from, a.carry_count) for a in agenda] == [(date(2026, 11, 23), 1)] + [
        (None, 0)
    ] * (len(before) - 1)


def test_action_from_a_vendor_meeting_links_vendor_and_contract(db: Database) -> None:
    vid = make_vendor(db)
    cid = make_contract(db, vid)
    other = make_contract(db, make_vendor(db, "Other AI"))
    assert (cid, vid, "Acme AI · Enterprise plan") in meetings.contract_choices(db, VA)
    with pytest.raises(ValueError, match="another vendor"):
        meetings.create_meeting(
            db,
            VA,
            title="x",
            timezone="UTC",
            vendor_id=vid,
            contract_id=other,
            starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
    m = meetings.create_meeting(
        db,
        VA,
        title="Renewal",
        timezone="UTC",
        vendor_id=vid,
        contract_id=cid,
        starts_at=datetime(2026, 12, 1, tzinfo=UTC),
        today=TODAY,
    )
    item = actions.quick_add(db, VA, "Ask for a discount", meeting_id=m.id, today=TODAY)
    assert (item.vendor_id, item.contract_id, item.meeting_id) == (vid, cid, m.id)
    assert [r.vendor for r in actions.list_actions(db, VA, today=TODAY)] == ["Acme AI"]


def test_list_meetings_counts_open_action_items(db: Database) -> None:
    _, first = _weekly_series(db)
    actions.quick_add(db, VA, "open one", meeting_id=first, today=TODAY)
    actions.create_action(db, VA, title="closed", status="done", meeting_id=first)
    rows = meetings.list_meetings(db, LEAD)
    assert rows[0].id == first and rows[0].open_actions == 1 and rows[0].recurring
    assert rows[0].local_start.hour == 10 and rows[0].timezone == "Europe/Berlin"
    assert all(r.open_actions == 0 for r in rows[1:])


def test_follow_up_ticket_done_resolves_it_and_a_lead_cannot(db: Database) -> None:
    me = make_person(db, name="Val", email="va@example.com")
    ticket = make_ticket(db, make_vendor(db), owner_id=me)
    with pytest.raises(NotAllowed):
        followups.mark_done(db, LEAD, "ticket", ticket)
    followups.mark_done(db, VA, "ticket", ticket)
    assert followups.my_follow_ups(db, VA, today=TODAY).items == []
    with db.read() as s:
        from db.models import SupportTicket

        row = s.get(SupportTicket, ticket)
        assert row is not None and row.status == "resolved" and row.version == 2
    with pytest.raises(ValueError, match="renewal"):
        followups.mark_done(db, VA, "renewal", 1)


def test_apply_template_appends_missing_topics_only(db: Database) -> None:
    template = meetings.create_template(db, VA, "Mine", "Budget\n\nRisks\n")
    m = meetings.create_meeting(
        db, VA, title="x", timezone="UTC", starts_at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    meetings.add_agenda_item(db, VA, m.id or 0, "Budget")
    assert meetings.apply_template(db, VA, m.id or 0, template.id or 0) == 1
    assert [a.title for a in meetings.meeting_detail(db, VA, m.id or 0).agenda] == [
        "Budget",
        "Risks",
    ]
    with pytest.raises(ValueError, match="already exists"):
        meetings.create_template(db, VA, "Mine", "x")


def test_action_filters_are_bound_parameters_not_sql(db: Database) -> None:
    make_action(db, "a")
    assert actions.list_actions(db, VA, owner_email="x') OR 1=1 --", today=TODAY) == []
    with pytest.raises(ValueError, match="unknown status"):
        actions.list_actions(db, VA, status="open' OR '1'='1", today=TODAY)


def test_reschedule_and_attendee_changes(db: Database) -> None:
    pid = make_person(db, name="Ana", email="ana@example.com")
    sid, first = _weekly_series(db)
    moved = meetings.reschedule_meeting(
        db,
        VA,
        first,
        starts_at=datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN),
        duration_minutes=45,
        expected_version=1,
    )
    assert moved.starts_at.astimezone(BERLIN).hour == 14 and moved.duration_minutes == 45
    with pytest.raises(StaleEdit):
        meetings.reschedule_meeting(
            db,
            VA,
            first,
            starts_at=datetime(2026, 11, 24, tzinfo=UTC),
            duration_minutes=30,
            expected_version=1,
        )
    second = meetings.list_meetings(db, VA)[1]
    with pytest.raises(ValueError, match="already starts"):
        meetings.reschedule_meeting(
            db, VA, first, starts_at=second.starts_at, duration_minutes=30, expected_version=2
        )
    added = meetings.add_attendees(db, VA, first, meetings.Attendees((pid,), ("G@x.example",)))
    assert added == 2
    assert meetings.add_attendees(db, VA, first, meetings.Attendees((pid,), ("g@x.example",))) == 0
    meetings.remove_attendee(db, VA, first, "g@x.example")
    assert meetings.meeting_detail(db, VA, first).attendees == [("Ana", "ana@example.com")]
    assert sid
