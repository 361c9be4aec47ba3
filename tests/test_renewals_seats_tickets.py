"""Renewal decisions, seat pools and vendor tickets through the services, on SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import actor
from sqlmodel import select

from db.engine import Database
from db.models import ActionItem, RenewalDecision
from services.access.access import Actor, NotAllowed
from services.core.records import InvalidRecord, StaleEdit
from services.vendors import renewals, seats, tickets
from services.vendors.seats import SeatPoolInput
from services.vendors.tickets import TicketInput
from tests.builders import (
    ADMIN,
    make_contract,
    make_person,
    make_seat_pool,
    make_ticket,
    make_vendor,
)

AS_OF = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("days", "band"),
    [
        (-1, "passed"),
        (0, "≤14 days"),
        (14, "≤14 days"),
        (15, "≤30 days"),
        (60, "≤60 days"),
        (61, "≤90 days"),
        (120, "≤120 days"),
        (121, "later"),
    ],
)
def test_band_labels_follow_120_90_60_30_14(days: int, band: str) -> None:
    assert renewals.band_label(days) == band


def _contract_with_deadline_in(db: Database, vendor_id: int, days: int, **kw: object) -> int:
    # 12-month term, no renewal, notice 0: deadline = start + 12 months - 1 day.
    deadline = AS_OF + timedelta(days=days)
    start = (deadline + timedelta(days=1)).replace(year=deadline.year - 1)
    return make_contract(db, vendor_id, start_date=start, renewal_type="none", notice_days=0, **kw)


def test_renewals_sorted_by_deadline_and_filtered_by_window(db: Database) -> None:
    vid = make_vendor(db)
    for days in (60, 14, 120, 30):
        _contract_with_deadline_in(db, vid, days, title=f"in {days}")
    rows = renewals.list_renewals(db, ADMIN, as_of=AS_OF)
    assert [r.contract.days_to_deadline for r in rows] == [14, 30, 60, 120]
    assert [r.band for r in rows] == ["≤14 days", "≤30 days", "≤60 days", "≤120 days"]
    within = renewals.list_renewals(db, ADMIN, as_of=AS_OF, within_days=30)
    assert [r.contract.title for r in within] == ["in 14", "in 30"]


def test_cancel_decision_creates_a_follow_up_for_the_contract_owner(db: Database) -> None:
    owner = make_person(db)
    vid = make_vendor(db, name="Scale AI")
    cid = _contract_with_deadline_in(db, vid, 30, owner_id=owner)
    renewals.decide_renewal(
        db, actor("lead"), cid, decision="cancel", note="too pricey", as_of=AS_OF
    )
    deadline = AS_OF + timedelta(days=30)
    with db.read() as s:
        items = s.exec(select(ActionItem)).all()
        decision = s.exec(select(RenewalDecision)).one()
    assert [i.title for i in items] == [
        f"Send cancellation notice to Scale AI before {deadline.isoformat()}"
    ]
    assert items[0].owner_id == owner and items[0].contract_id == cid
    assert items[0].due_date is not None and AS_OF <= items[0].due_date < deadline
    assert decision.decided_by == "lead@example.com" and decision.note == "too pricey"
    row = renewals.list_renewals(db, ADMIN, as_of=AS_OF)[0]
    assert row.decision is not None and row.decision.decision == "cancel"


def test_renew_decision_follow_up_and_second_decision_refused(db: Database) -> None:
    vid = make_vendor(db, name="Lambda")
    cid = _contract_with_deadline_in(db, vid, 3)
    renewals.decide_renewal(db, ADMIN, cid, decision="renew", as_of=AS_OF)
    with db.read() as s:
        item = s.exec(select(ActionItem)).one()
    assert item.title == "Confirm renewal with Lambda"
    assert item.due_date == AS_OF
    with pytest.raises(InvalidRecord, match="already decided"):
        renewals.decide_renewal(db, ADMIN, cid, decision="cancel", as_of=AS_OF)


@pytest.mark.parametrize("in_list_limit", [0, 200])
def test_decisions_are_matched_to_their_terms_with_or_without_an_in_list(
    db: Database, monkeypatch: pytest.MonkeyPatch, in_list_limit: int
) -> None:
    # Beyond the limit every decision is read and filtered in Python instead of an IN list.
    from services.vendors import contract_columns

    monkeypatch.setattr(contract_columns, "IN_LIST_LIMIT", in_list_limit)
    vid = make_vendor(db, name="Lambda")
    decided, open_one, other = (_contract_with_deadline_in(db, vid, n) for n in (3, 5, 7))
    renewals.decide_renewal(db, ADMIN, decided, decision="renew", as_of=AS_OF)
    renewals.decide_renewal(db, ADMIN, other, decision="cancel", as_of=AS_OF)
    all_rows = renewals.list_renewals(db, ADMIN, as_of=AS_OF)
    assert {r.contract.id: r.decision and r.decision.decision for r in all_rows} == {
        decided: "renew",
        open_one: None,
        other: "cancel",
    }
    # Only the contracts asked about: a decision of a contract left out is not attached.
    views = [r.contract for r in all_rows if r.contract.id != other]
    some = renewals.list_renewals(db, ADMIN, as_of=AS_OF, views=views)
    assert {r.contract.id: r.decision and r.decision.decision for r in some} == {
        decided: "renew",
        open_one: None,
    }


def test_va_cannot_decide_renewals(db: Database) -> None:
    vid = make_vendor(db)
    cid = _contract_with_deadline_in(db, vid, 30)
    with pytest.raises(NotAllowed):
        renewals.decide_renewal(db, actor("va"), cid, decision="renew", as_of=AS_OF)
    with db.read() as s:
        assert s.exec(select(RenewalDecision)).first() is None


def test_unknown_decision_is_refused(db: Database) -> None:
    vid = make_vendor(db)
    cid = _contract_with_deadline_in(db, vid, 30)
    with pytest.raises(InvalidRecord, match="decision"):
        renewals.decide_renewal(db, ADMIN, cid, decision="maybe", as_of=AS_OF)


def test_seat_pool_unused_cost_is_exact_per_month(db: Database) -> None:
    vid = make_vendor(db)
    make_seat_pool(
        db,
        vid,
        seats_purchased=10,
        seats_assigned=9,
        seats_active_30d=7,
        unit_price=Decimal("120"),
        billing_period="yearly",
    )
    make_seat_pool(
        db,
        vid,
        product="Quarterly",
        seats_purchased=4,
        seats_assigned=1,
        seats_active_30d=1,
        unit_price=Decimal("30.03"),
        billing_period="quarterly",
    )
    yearly, quarterly = sorted(seats.list_seat_pools(db, ADMIN), key=lambda p: p.product)[::-1]
    assert yearly.unused_seats == 3 and yearly.monthly_unused_cost == Decimal("30")
    assert yearly.utilisation == Decimal("0.7")
    assert yearly.low_free  # 1 free seat <= threshold 2
    assert quarterly.monthly_unused_cost == Decimal("30.03")
    assert not quarterly.low_free
    assert seats.unused_cost_totals([yearly, quarterly]) == {"USD": Decimal("60.03")}


def test_seat_pool_stale_edit_refused(db: Database) -> None:
    vid = make_vendor(db)
    pid = make_seat_pool(db, vid)
    data = SeatPoolInput(vendor_id=vid, product="Renamed", seats_purchased=5)
    seats.update_seat_pool(db, ADMIN, pid, data, expected_version=1)
    with pytest.raises(StaleEdit):
        seats.update_seat_pool(db, ADMIN, pid, data, expected_version=1)


def test_seat_pool_negative_counts_refused(db: Database) -> None:
    vid = make_vendor(db)
    with pytest.raises(InvalidRecord, match="negative"):
        make_seat_pool(db, vid, seats_purchased=-1)


def test_ticket_past_sla_shows_for_its_owner_only(db: Database) -> None:
    owner = make_person(db)
    other = make_person(db, "Other", "other@example.com")
    vid = make_vendor(db)
    make_contract(db, vid, sla_hours=24, escalation_path="TAM then VP Support")
    opened = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    late = make_ticket(db, vid, owner_id=owner, opened_at=opened)
    make_ticket(
        db, vid, vendor_ticket_id="CASE-2", owner_id=other, opened_at=opened, status="waiting_on_us"
    )
    make_ticket(
        db,
        vid,
        vendor_ticket_id="CASE-3",
        owner_id=owner,
        opened_at=opened,
        last_vendor_update_at=opened + timedelta(hours=30),
    )
    now = opened + timedelta(hours=40)
    found = tickets.overdue_tickets(db, ADMIN, "PAT@example.com", now=now)
    assert [t.id for t in found] == [late]
    assert found[0].escalation_path == "TAM then VP Support"
    assert tickets.overdue_tickets(db, ADMIN, "other@example.com", now=now) == []
    assert tickets.overdue_tickets(db, ADMIN, now=opened + timedelta(hours=23)) == []


def test_ticket_without_contract_sla_is_never_past_sla(db: Database) -> None:
    vid = make_vendor(db)
    make_ticket(db, vid)
    far = datetime(2030, 1, 1, tzinfo=UTC)
    assert tickets.overdue_tickets(db, ADMIN, now=far) == []


def test_duplicate_vendor_ticket_id_refused_and_stale_edit_refused(db: Database) -> None:
    vid = make_vendor(db)
    tid = make_ticket(db, vid)
    with pytest.raises(InvalidRecord, match="already has a ticket"):
        make_ticket(db, vid)
    data = TicketInput(
        vendor_id=vid,
        vendor_ticket_id="CASE-1",
        title="t",
        opened_at=datetime(2026, 11, 20, tzinfo=UTC),
        status="resolved",
    )
    tickets.update_ticket(db, ADMIN, tid, data, expected_version=1)
    with pytest.raises(StaleEdit):
        tickets.update_ticket(db, ADMIN, tid, data, expected_version=1)
    assert tickets.list_tickets(db, ADMIN)[0].status == "resolved"


def test_finance_cannot_read_tickets(db: Database) -> None:
    with pytest.raises(NotAllowed):
        tickets.list_tickets(db, actor("finance"))


def test_memoised_renewals_follow_every_change_and_keep_money_per_role(db: Database) -> None:
    """The page's memo is emptied by any change a renewal row shows, and a warm memo never
    shows a role money it may not see."""
    from services.coordination import people
    from services.vendors import contracts, vendors
    from services.vendors.contract_columns import data_version
    from ui.data_memo import VersionMemo

    lead, va = actor("lead"), actor("va")
    owner = make_person(db, name="Pat Owner")
    vid = make_vendor(db, name="Scale AI")
    cid = _contract_with_deadline_in(db, vid, 30, owner_id=owner, title="Labelling")
    memos = VersionMemo()

    def rows(who: Actor = lead) -> list[renewals.RenewalRow]:
        memo = memos.for_version(data_version(db))
        views = contracts.list_contracts(db, who, as_of=AS_OF, memo=memo)
        found = renewals.list_renewals(db, who, as_of=AS_OF, views=views, memo=memo)
        assert found == renewals.list_renewals(db, who, as_of=AS_OF)
        return found

    def shown() -> list[tuple[object, ...]]:
        return [
            (
                r.contract.title,
                r.contract.vendor_name,
                r.contract.owner_name,
                r.decision.decision if r.decision else None,
                r.decision.note if r.decision else None,
            )
            for r in rows()
        ]

    assert shown() == [("Labelling", "Scale AI", "Pat Owner", None, None)]
    assert rows()[0].contract.value == Decimal("12000.50")
    assert rows(va)[0].contract.value is None  # the warm memo keys what a role may see
    assert rows()[0].contract.value == Decimal("12000.50")

    _contract_with_deadline_in(db, vid, 60, title="Eval")
    assert [s[0] for s in shown()] == ["Labelling", "Eval"]
    [view] = [v for v in contracts.list_contracts(db, lead, as_of=AS_OF) if v.id == cid]
    contracts.update_contract(
        db,
        ADMIN,
        cid,
        contracts.ContractInput(
            vendor_id=vid,
            title="Labelling v2",
            start_date=view.start_date,
            initial_term_months=12,
            owner_id=owner,
        ),
        expected_version=view.version,
    )
    assert shown()[0][0] == "Labelling v2"
    vendor = vendors.get_vendor(db, ADMIN, vid)
    vendors.update_vendor(
        db,
        ADMIN,
        vid,
        expected_version=vendor.version,
        name="Scale",
        category=vendor.category,
        status=vendor.status,
        owner_id=None,
        website=vendor.website,
        notes="",
        aliases=[],
    )
    assert shown()[0][1] == "Scale"
    people.update_person(db, ADMIN, owner, expected_version=1, name="Pat Renamed")
    assert shown()[0][2] == "Pat Renamed"

    renewals.decide_renewal(db, lead, cid, decision="renew", note="fine", as_of=AS_OF)
    assert shown()[0][3:] == ("renew", "fine")
    decision_id = rows()[0].decision.id  # type: ignore[union-attr]
    # Same decision, new note: changed in place, with no version of its own.
    renewals.change_decision(db, lead, decision_id, decision="renew", note="cheaper", as_of=AS_OF)
    assert shown()[0][3:] == ("renew", "cheaper")
    renewals.withdraw_decision(db, lead, decision_id)
    assert shown()[0][3:] == (None, None)
