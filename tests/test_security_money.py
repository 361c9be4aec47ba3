"""Contract values, spend and seat money reach only roles holding the permission, in every channel:
meeting pages, the .ics download, the Google invite description, Slack text and the seats page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from db.engine import Database
from db.models import AgendaItem, Meeting, Notification, Person, SeatPool, User
from services.access.access import Actor, NotAllowed
from services.coordination import ics, meetings
from services.delivery.reminders import plan_all
from services.vendors import seats
from services.vendors.seats import SeatPoolInput
from tests.builders import add_rollup, make_contract, make_seat_pool, make_vendor
from tests.conftest import assert_no_exception, run_page

VA = Actor(email="va@example.com", role="va")
LEAD = Actor(email="lead@example.com", role="lead")
ADMIN = Actor(email="admin@example.com", role="admin")
FINANCE = Actor(email="fin@example.com", role="finance")
MONEY = ("240000", "240,000")


def _renewal_meeting(db: Database) -> int:
    """A renewal-decision meeting planned by the reminder planner for a 240000 USD contract
    owned by a VA; returns the meeting's id. Every reminder and invite is planned too."""
    with db.write() as s:
        owner = Person(name="Vi Assist", email="va@example.com")
        s.add(owner)
        s.add(User(email="va@example.com", role="va"))
        s.flush()
        owner_id = owner.id
    vid = make_vendor(db, "Acme AI")
    make_contract(
        db,
        vid,
        title="Platform",
        value=Decimal("240000"),
        billing_period="yearly",
        notice_days=30,
        owner_id=owner_id,
    )  # deadline 2026-12-01
    start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    for day in range(0, 30):  # every reminder that comes due before the meeting
        plan_all(db, start + timedelta(days=day))
    with db.read() as s:
        (meeting,) = s.exec(select(Meeting).where(col(Meeting.contract_id).is_not(None))).all()
        assert meeting.id is not None
        return meeting.id


def _no_money(text: str) -> None:
    for needle in MONEY:
        assert needle not in text


def test_renewal_meeting_agenda_and_page_data_carry_no_contract_value_for_a_va(
    db: Database,
) -> None:
    meeting_id = _renewal_meeting(db)
    with db.read() as s:
        stored = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).all()
    assert any("Cancellation deadline" in a.title for a in stored)
    _no_money(repr([(a.title, a.details) for a in stored]))
    detail = meetings.meeting_detail(db, VA, meeting_id)
    assert detail.money == []
    _no_money(repr(detail))


def test_a_lead_sees_the_contract_value_on_the_renewal_meeting(db: Database) -> None:
    meeting_id = _renewal_meeting(db)
    money = meetings.meeting_detail(db, LEAD, meeting_id).money
    assert money == ["Contract value (Platform): USD 240,000.00 per yearly"]


def test_meeting_ics_carries_no_contract_value_for_any_role(db: Database) -> None:
    meeting_id = _renewal_meeting(db)
    for reader in (VA, LEAD, ADMIN):
        body = ics.meeting_ics(db, reader, meeting_id).decode()
        assert "Cancellation deadline" in body
        _no_money(body)


def test_google_invite_and_slack_text_carry_no_contract_value(db: Database) -> None:
    meeting_id = _renewal_meeting(db)
    with db.read() as s:
        rows = s.exec(select(Notification)).all()
    kinds = {r.kind for r in rows if r.record_id == meeting_id}
    assert {"meeting_invite", "meeting_agenda"} <= kinds
    invite = next(r for r in rows if r.kind == "meeting_invite")
    assert "Cancellation deadline" in (invite.payload or "")
    for row in rows:
        _no_money(f"{row.subject} {row.body} {row.payload}")


def test_vendor_meeting_agenda_stores_no_spend_even_when_an_admin_creates_it(
    db: Database,
) -> None:
    vid = make_vendor(db, "Acme AI")
    add_rollup(db, "acme ai", date(2026, 10, 5), "1234.56")
    meeting = meetings.create_meeting(
        db,
        ADMIN,
        title="Acme QBR",
        starts_at=datetime(2026, 11, 24, 15, tzinfo=UTC),
        timezone="UTC",
        vendor_id=vid,
        today=date(2026, 11, 22),
    )
    assert meeting.id is not None
    va_view = meetings.meeting_detail(db, VA, meeting.id)
    assert "1,234.56" not in repr(va_view) and va_view.money == []
    assert "1,234.56" not in ics.meeting_ics(db, VA, meeting.id).decode()
    assert meetings.meeting_detail(db, LEAD, meeting.id).money == [
        "Spend in October 2026: USD 1,234.56 (no budget)"
    ]


def test_seat_money_hidden_from_a_va_and_shown_to_finance(db: Database) -> None:
    vid = make_vendor(db)
    make_seat_pool(db, vid, unit_price=Decimal("120"), seats_active_30d=7)
    (va_pool,) = seats.list_seat_pools(db, VA)
    assert va_pool.unit_price is None and va_pool.monthly_unused_cost is None
    assert seats.unused_cost_totals([va_pool]) == {}
    (fin_pool,) = seats.list_seat_pools(db, FINANCE)
    assert fin_pool.monthly_unused_cost == Decimal("30")


def test_a_va_saving_a_seat_pool_keeps_its_price_and_cannot_set_one(db: Database) -> None:
    vid = make_vendor(db)
    pid = make_seat_pool(db, vid, unit_price=Decimal("120"))
    data = SeatPoolInput(vendor_id=vid, product="Renamed", seats_purchased=10, unit_price=None)
    seats.update_seat_pool(db, VA, pid, data, expected_version=1)
    with db.read() as s:
        pool = s.get(SeatPool, pid)
        assert pool is not None and pool.product == "Renamed"
        assert pool.unit_price == Decimal("120")
    priced = SeatPoolInput(vendor_id=vid, product="x", seats_purchased=1, unit_price=Decimal("9"))
    with pytest.raises(NotAllowed):
        seats.update_seat_pool(db, VA, pid, priced, expected_version=2)
    with pytest.raises(NotAllowed):
        seats.create_seat_pool(db, VA, priced)


@pytest.mark.parametrize("role, shown", [("va", False), ("finance", True), ("lead", True)])
def test_seats_page_shows_seat_money_only_to_roles_with_contract_values(
    app_env: Database, role: str, shown: bool
) -> None:
    vid = make_vendor(app_env)
    make_seat_pool(app_env, vid, unit_price=Decimal("120"))
    at = run_page(
        "seats.py", Actor(email=f"{role}@example.com", role=role), opened=("seats_add_open",)
    )
    assert_no_exception(at)
    labels = [m.label for m in at.metric]
    assert any("Unused seats per month" in label for label in labels) is shown
    frame = at.dataframe[0].value
    assert ("USD 120.00" in frame["Unit price"].tolist()) is shown
    assert ("Unit price" in [t.label for t in at.text_input]) is (shown and role != "lead")


def test_meeting_page_shows_no_contract_value_to_a_va(app_env: Database) -> None:
    meeting_id = _renewal_meeting(app_env)
    for who, shown in ((VA, False), (LEAD, True)):
        at = run_page("coordination/meeting.py", who, query={"meeting": str(meeting_id)})
        assert_no_exception(at)
        texts = " ".join(t.value for t in at.text)
        assert ("USD 240,000.00" in texts) is shown
        everything = repr([e.value for e in at.markdown]) + repr([e.value for e in at.caption])
        _no_money(everything)
