"""One key for renewal decisions: the end of the term the cancellation deadline belongs to.

The monthly case of issue 13: an automatically renewing monthly contract with 30 days' notice.
On 22 November 2026 its current term ends 30 November, but that term's deadline (31 October) has
passed, so the deadline that counts is 1 December, which belongs to the term ending 31 December.
A decision is stored under 31 December; every reader must find it there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from db.engine import Database
from db.models import Notification
from services.coordination import followups
from services.delivery.reminders import plan_all
from services.vendors import renewals
from services.vendors.terms import compute_terms
from tests.builders import ADMIN, VA, make_contract, make_person, make_vendor

TODAY = date(2026, 11, 22)
MONTHLY = {
    "start_date": date(2026, 1, 1),
    "initial_term_months": 1,
    "renewal_type": "auto",
    "renewal_period_months": 1,
    "notice_days": 30,
}


def _monthly_contract(db: Database) -> int:
    me = make_person(db, name="Val", email="va@example.com")
    return make_contract(db, make_vendor(db), owner_id=me, **MONTHLY)


def test_the_decision_key_is_the_deadlines_term_not_the_current_one() -> None:
    terms = compute_terms(
        start_date=date(2026, 1, 1),
        initial_term_months=1,
        renewal_type="auto",
        renewal_period_months=1,
        notice_days=30,
        as_of=TODAY,
    )
    assert terms.current_term_end == date(2026, 11, 30)
    assert terms.cancellation_deadline == date(2026, 12, 1)
    assert terms.decision_key == date(2026, 12, 31)


def test_a_decided_monthly_renewal_leaves_the_follow_up_queue(db: Database) -> None:
    cid = _monthly_contract(db)
    before = followups.my_follow_ups(db, VA, today=TODAY).items
    assert [i.kind for i in before] == ["renewal"]
    renewals.decide_renewal(db, ADMIN, cid, decision="renew", as_of=TODAY)
    after = followups.my_follow_ups(db, VA, today=TODAY).items
    assert [i.kind for i in after if i.kind == "renewal"] == []


def test_the_renewals_list_shows_the_monthly_decision(db: Database) -> None:
    cid = _monthly_contract(db)
    renewals.decide_renewal(db, ADMIN, cid, decision="cancel", as_of=TODAY)
    (row,) = renewals.list_renewals(db, ADMIN, as_of=TODAY)
    assert row.decision is not None and row.decision.decision == "cancel"


def test_a_decided_monthly_renewal_gets_no_more_contract_reminders(db: Database) -> None:
    cid = _monthly_contract(db)
    renewals.decide_renewal(db, ADMIN, cid, decision="renew", as_of=TODAY)
    plan_all(db, datetime(2026, 11, 22, 10, tzinfo=UTC))
    with db.read() as s:
        rows = s.exec(
            select(Notification)
            .where(col(Notification.kind) == "contract")
            .where(col(Notification.record_id) == cid)
        ).all()
    assert rows == []
