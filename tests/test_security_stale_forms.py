"""Two people editing one record: the later save from a form opened before the first save is
refused with "changed since you opened it", and the first edit is kept. Pages and services."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from db.engine import Database
from services.access.access import Actor
from services.core.records import StaleEdit
from services.vendors import contracts, seats, vendors
from services.vendors.contracts import ContractInput
from services.vendors.seats import SeatPoolInput
from tests.builders import make_contract, make_seat_pool, make_vendor
from tests.conftest import assert_no_exception, run_page

ADMIN = Actor(email="admin@example.com", role="admin")
OTHER = Actor(email="other@example.com", role="admin")


def _errors(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(e.value for e in at.error)


def _update_vendor(db: Database, who: Actor, vid: int, version: int, notes: str) -> None:
    (v,) = vendors.list_vendors(db, ADMIN)
    vendors.update_vendor(
        db,
        who,
        vid,
        expected_version=version,
        name=v.name,
        category=v.category,
        status=v.status,
        owner_id=v.owner_id,
        website=v.website,
        notes=notes,
        aliases=v.aliases,
    )


def _contract_input(view: contracts.ContractView, **changes: object) -> ContractInput:
    data = ContractInput(
        vendor_id=view.vendor_id,
        title=view.title,
        start_date=view.start_date,
        initial_term_months=view.initial_term_months,
        renewal_type=view.renewal_type,
        renewal_period_months=view.renewal_period_months,
        notice_days=view.notice_days,
        currency=view.currency,
        billing_period=view.billing_period,
        value=view.value,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def test_a_stale_contract_form_on_the_page_is_refused_and_the_first_edit_kept(
    app_env: Database,
) -> None:
    vid = make_vendor(app_env)
    cid = make_contract(app_env, vid, notice_days=30)
    at = run_page("vendors/renewals.py", ADMIN, query={"tab": "Contracts"})
    at.session_state["contracts_form"] = "Edit"
    at.run()
    opened = contracts.get_contract(app_env, ADMIN, cid)
    # Someone else saves first, while this form is open.
    contracts.update_contract(
        app_env,
        OTHER,
        cid,
        _contract_input(opened, title="Renamed by other"),
        expected_version=opened.version,
    )
    at.number_input(key=f"contracts_edit_{cid}_{opened.version}_notice").set_value(90)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    assert "since you opened it" in _errors(at)
    kept = contracts.get_contract(app_env, ADMIN, cid)
    assert (kept.title, kept.notice_days) == ("Renamed by other", 30)
    # Opened afresh, the form saves against the current version.
    at.run()
    at.number_input(key=f"contracts_edit_{cid}_{kept.version}_notice").set_value(90)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    saved = contracts.get_contract(app_env, ADMIN, cid)
    assert (saved.title, saved.notice_days) == ("Renamed by other", 90)


def test_a_stale_vendor_form_on_the_page_is_refused_and_the_first_edit_kept(
    app_env: Database,
) -> None:
    vid = make_vendor(app_env, "Acme AI")
    at = run_page("vendors/vendors.py", ADMIN, opened=("vendors_edit_open",))
    (opened,) = vendors.list_vendors(app_env, ADMIN)
    _update_vendor(app_env, OTHER, vid, opened.version, "note by other")
    at.text_area(key=f"vendors_edit_{vid}_{opened.version}_notes").input("my note")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    assert "since you opened it" in _errors(at)
    (kept,) = vendors.list_vendors(app_env, ADMIN)
    assert kept.notes == "note by other"


def test_a_stale_seat_pool_form_on_the_page_is_refused(app_env: Database) -> None:
    vid = make_vendor(app_env)
    pid = make_seat_pool(app_env, vid, product="Team")
    at = run_page("seats.py", ADMIN, opened=("seats_edit_open",))
    data = SeatPoolInput(vendor_id=vid, product="Renamed", seats_purchased=10)
    seats.update_seat_pool(app_env, OTHER, pid, data, expected_version=1)
    at.text_input(key=f"seats_edit_{pid}_1_product").input("Mine")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    assert "since you opened it" in _errors(at)
    (kept,) = seats.list_seat_pools(app_env, ADMIN)
    assert kept.product == "Renamed"


def test_a_stale_contract_save_is_refused_by_the_service(db: Database) -> None:
    cid = make_contract(db, make_vendor(db), value=Decimal("10"))
    opened = contracts.get_contract(db, ADMIN, cid)
    contracts.update_contract(
        db, OTHER, cid, _contract_input(opened, title="first"), expected_version=opened.version
    )
    with pytest.raises(StaleEdit, match="since you opened it"):
        contracts.update_contract(
            db, ADMIN, cid, _contract_input(opened, title="second"), expected_version=opened.version
        )
    assert contracts.get_contract(db, ADMIN, cid).title == "first"


def test_a_stale_vendor_save_is_refused_by_the_service(db: Database) -> None:
    vid = make_vendor(db)
    (opened,) = vendors.list_vendors(db, ADMIN)
    _update_vendor(db, OTHER, vid, opened.version, "first")
    with pytest.raises(StaleEdit, match="since you opened it"):
        _update_vendor(db, ADMIN, vid, opened.version, "second")
    (kept,) = vendors.list_vendors(db, ADMIN)
    assert kept.notes == "first"
