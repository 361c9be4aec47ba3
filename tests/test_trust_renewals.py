"""Issue 14 item 1: a renewal decision is recorded only for the contract and outcome the lead
picked, the form forgets them after saving, and a decision can be changed or withdrawn with
the audit trail keeping every version."""

from __future__ import annotations

from datetime import date

from conftest import FROZEN_TODAY
from dateutil.relativedelta import relativedelta
from sqlmodel import select

from db.engine import Database
from db.models import ActionItem, AuditEvent, RenewalDecision
from services.vendors import renewals
from tests.builders import LEAD, make_contract, make_person, make_vendor
from tests.conftest import assert_no_exception, run_page


def _contract_due_in(db: Database, days: int, title: str, owner: int, **kw: object) -> int:
    """An auto-renewing yearly contract whose cancellation deadline is ``days`` from today."""
    term_end = FROZEN_TODAY + relativedelta(days=days + 30)
    return make_contract(
        db,
        make_vendor(db, f"Vendor {title}"),
        title=title,
        start_date=term_end - relativedelta(months=12),
        notice_days=30,
        owner_id=owner,
        **kw,
    )


def _passed_contract(db: Database, owner: int) -> int:
    start: date = FROZEN_TODAY - relativedelta(months=13)
    return make_contract(
        db,
        make_vendor(db, "Old Vendor"),
        title="Old",
        start_date=start,
        renewal_type="none",
        renewal_period_months=None,
        owner_id=owner,
    )


def _decide_page(db: Database):  # type: ignore[no-untyped-def]
    return run_page(
        "vendors/renewals.py", LEAD, opened=("renewals_decide_open", "renewals_decided_open")
    )


def test_nothing_is_preselected_and_a_passed_deadline_is_offered_last(app_env: Database) -> None:
    me = make_person(app_env, "Lee", LEAD.email)
    _passed_contract(app_env, me)
    _contract_due_in(app_env, 10, "Soon", me)
    at = _decide_page(app_env)
    assert_no_exception(at)
    picker = at.selectbox(key="renewals_decide_pick")
    assert picker.value is None
    assert picker.options[0].startswith("Vendor Soon")
    assert picker.options[-1].startswith("Old Vendor") and "passed" in picker.options[-1]
    assert len(picker.options) == 2


def test_a_decision_is_saved_once_and_the_form_forgets_it(app_env: Database) -> None:
    me = make_person(app_env, "Lee", LEAD.email)
    first = _contract_due_in(app_env, 10, "First", me)
    _contract_due_in(app_env, 20, "Second", me)
    at = _decide_page(app_env)
    at.selectbox(key="renewals_decide_pick").set_value(first).run()
    (radio,) = [r for r in at.radio if r.label == "Decision"]
    assert radio.value is None
    radio.set_value("cancel")
    at.text_area[0].input("Too expensive")
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert_no_exception(at)
    assert at.selectbox(key="renewals_decide_pick").value is None
    assert not [b for b in at.button if b.label == "Record decision"]
    with app_env.read() as s:
        decisions = s.exec(select(RenewalDecision)).all()
        items = s.exec(select(ActionItem)).all()
    assert [(d.contract_id, d.decision, d.note) for d in decisions] == [
        (first, "cancel", "Too expensive")
    ]
    assert len(items) == 1 and items[0].contract_id == first


def test_a_decision_with_no_outcome_chosen_records_nothing(app_env: Database) -> None:
    me = make_person(app_env, "Lee", LEAD.email)
    first = _contract_due_in(app_env, 10, "First", me)
    at = _decide_page(app_env)
    at.selectbox(key="renewals_decide_pick").set_value(first).run()
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert any("Choose renew" in e.value for e in at.error)
    with app_env.read() as s:
        assert s.exec(select(RenewalDecision)).all() == []


def test_changing_a_decision_swaps_its_follow_ups_and_audits_both_versions(
    app_env: Database,
) -> None:
    me = make_person(app_env, "Lee", LEAD.email)
    contract = _contract_due_in(app_env, 10, "First", me)
    decision = renewals.decide_renewal(
        app_env, LEAD, contract, decision="renew", as_of=FROZEN_TODAY
    )
    at = _decide_page(app_env)
    at.selectbox(key="renewals_decided_pick").set_value(decision).run()
    (radio,) = [r for r in at.radio if r.label == "Decision"]
    assert radio.value == "renew"
    radio.set_value("cancel")
    next(b for b in at.button if b.label == "Save change").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        row = s.get(RenewalDecision, decision)
        items = {i.title: i.status for i in s.exec(select(ActionItem))}
        trail = s.exec(
            select(AuditEvent).where(
                AuditEvent.record_type == "contract", AuditEvent.action == "decide"
            )
        ).all()
    assert row is not None and row.decision == "cancel"
    assert sorted(items.values()) == ["dropped", "open"]
    assert any(t.startswith("Send cancellation notice") and s == "open" for t, s in items.items())
    assert len(trail) == 2 and '"renew"' in (trail[1].before or "")


def test_withdrawing_a_decision_asks_then_reopens_the_renewal(app_env: Database) -> None:
    me = make_person(app_env, "Lee", LEAD.email)
    contract = _contract_due_in(app_env, 10, "First", me)
    decision = renewals.decide_renewal(
        app_env, LEAD, contract, decision="cancel", as_of=FROZEN_TODAY
    )
    at = _decide_page(app_env)
    at.selectbox(key="renewals_decided_pick").set_value(decision).run()
    at.button(key=f"renewals_withdraw_{decision}").click().run()
    with app_env.read() as s:
        assert s.get(RenewalDecision, decision) is not None  # only asked so far
    at.button(key=f"confirm_renewals_withdraw_{decision}_yes").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(RenewalDecision, decision) is None
        assert [i.status for i in s.exec(select(ActionItem))] == ["dropped"]
        withdrawn = s.exec(select(AuditEvent).where(AuditEvent.action == "withdraw")).one()
    assert '"cancel"' in (withdrawn.before or "")
    assert at.selectbox(key="renewals_decide_pick").options[0].startswith("Vendor First")
