"""Vendors and contracts through the service layer, on SQLite and Postgres."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from conftest import actor
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent, ContractAmendment, Vendor
from services.access.access import NotAllowed
from services.core.records import InvalidRecord, StaleEdit
from services.vendors import contract_history, contracts, overview, vendors
from services.vendors.contracts import ContractInput
from tests.builders import (
    ADMIN,
    add_rollup,
    make_contract,
    make_person,
    make_seat_pool,
    make_ticket,
    make_vendor,
)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "mailto:a@b.c",
        "ftp://x.example",
        "https://exa mple.com",
        "https://",
    ],
)
def test_vendor_website_refuses_anything_but_http_and_https(db: Database, url: str) -> None:
    with pytest.raises(InvalidRecord, match="http"):
        make_vendor(db, website=url)
    with db.read() as s:
        assert s.exec(select(Vendor)).first() is None


def test_vendor_round_trip_with_aliases_casefolded(db: Database) -> None:
    vid = make_vendor(db, name="OpenAI", aliases=["  OpenAI, L.L.C. ", "OPENAI"])
    row = vendors.get_vendor(db, ADMIN, vid)
    assert row.aliases == ("openai", "openai, l.l.c.")
    assert row.website == "https://acme.example"
    with db.read() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.record_type == "vendor")).first()


def test_alias_of_another_vendor_is_refused(db: Database) -> None:
    make_vendor(db, name="A", aliases=["shared"])
    with pytest.raises(InvalidRecord, match="already belongs to A"):
        make_vendor(db, name="B", aliases=["SHARED"])


def test_duplicate_vendor_name_is_refused_case_insensitively(db: Database) -> None:
    make_vendor(db, name="Pinecone")
    with pytest.raises(InvalidRecord, match="already exists"):
        make_vendor(db, name="pinecone")


def test_stale_vendor_edit_is_refused_and_first_edit_kept(db: Database) -> None:
    vid = make_vendor(db)
    row = vendors.get_vendor(db, ADMIN, vid)
    common = dict(
        category=row.category, status=row.status, owner_id=None, website=row.website, aliases=[]
    )
    vendors.update_vendor(
        db, ADMIN, vid, expected_version=row.version, name="First", notes="", **common
    )
    with pytest.raises(StaleEdit, match="changed by someone else since you opened it"):
        vendors.update_vendor(
            db, ADMIN, vid, expected_version=row.version, name="Second", notes="", **common
        )
    assert vendors.get_vendor(db, ADMIN, vid).name == "First"


def test_vendor_with_contracts_cannot_be_deleted_only_archived(db: Database) -> None:
    vid = make_vendor(db)
    make_contract(db, vid)
    with pytest.raises(InvalidRecord, match="archive it instead"):
        vendors.delete_vendor(db, ADMIN, vid)
    vendors.archive_vendor(db, ADMIN, vid)
    assert vendors.get_vendor(db, ADMIN, vid).status == "retired"


def test_vendor_with_seats_only_cannot_be_deleted(db: Database) -> None:
    vid = make_vendor(db)
    make_seat_pool(db, vid)
    with pytest.raises(InvalidRecord, match="archive it instead"):
        vendors.delete_vendor(db, ADMIN, vid)
    assert vendors.get_vendor(db, ADMIN, vid).name == "Acme AI"


def test_vendor_without_history_can_be_deleted(db: Database) -> None:
    vid = make_vendor(db, aliases=["acme"])
    vendors.add_contact(db, ADMIN, vid, name="Jo", email="jo@acme.example", role="support")
    vendors.delete_vendor(db, ADMIN, vid)
    assert vendors.list_vendors(db, ADMIN) == []


def test_finance_cannot_edit_vendors_and_refusal_is_audited(db: Database) -> None:
    with pytest.raises(NotAllowed):
        vendors.create_vendor(db, actor("finance"), name="X")
    with db.read() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "denied")).first()


def test_contract_for_unknown_vendor_is_refused(db: Database) -> None:
    with pytest.raises(InvalidRecord, match="unknown vendor"):
        make_contract(db, 999)


def test_contract_dates_are_computed_for_the_as_of_date(db: Database) -> None:
    vid = make_vendor(db)
    cid = make_contract(db, vid, start_date=date(2024, 1, 1))
    view = contracts.get_contract(db, ADMIN, cid, as_of=date(2025, 1, 15))
    assert view.current_term_end == date(2025, 12, 31)
    assert view.cancellation_deadline == date(2025, 11, 1)
    assert view.days_to_deadline == (date(2025, 11, 1) - date(2025, 1, 15)).days


def test_contract_value_hidden_from_roles_without_contracts_values(db: Database) -> None:
    vid = make_vendor(db)
    cid = make_contract(db, vid, value=Decimal("1234.5678"))
    assert contracts.get_contract(db, ADMIN, cid).value == Decimal("1234.5678")
    va_view = contracts.get_contract(db, actor("va"), cid)
    assert va_view.value is None and va_view.values_hidden


def test_va_edit_keeps_the_value_it_cannot_see(db: Database) -> None:
    vid = make_vendor(db)
    cid = make_contract(db, vid, value=Decimal("500"))
    view = contracts.get_contract(db, actor("va"), cid)
    data = ContractInput(
        vendor_id=vid,
        title="Renamed",
        start_date=view.start_date,
        initial_term_months=12,
        renewal_type="auto",
        renewal_period_months=12,
        notice_days=30,
    )
    contracts.update_contract(db, actor("va"), cid, data, expected_version=view.version)
    after = contracts.get_contract(db, ADMIN, cid)
    assert after.title == "Renamed" and after.value == Decimal("500")
    with pytest.raises(NotAllowed):
        data.value = Decimal("1")
        contracts.update_contract(db, actor("va"), cid, data, expected_version=after.version)


def test_stale_contract_edit_is_refused_and_first_edit_kept(db: Database) -> None:
    vid = make_vendor(db)
    cid = make_contract(db, vid)
    opened = contracts.get_contract(db, ADMIN, cid)

    def form(title: str) -> ContractInput:
        return ContractInput(
            vendor_id=vid,
            title=title,
            start_date=opened.start_date,
            initial_term_months=12,
            renewal_type="none",
            notice_days=30,
            value=Decimal("1"),
        )

    contracts.update_contract(db, ADMIN, cid, form("first"), expected_version=opened.version)
    with pytest.raises(StaleEdit, match="since you opened it"):
        contracts.update_contract(db, ADMIN, cid, form("second"), expected_version=opened.version)
    assert contracts.get_contract(db, ADMIN, cid).title == "first"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"renewal_type": "evergreen"}, "renewal type"),
        ({"renewal_type": "auto", "renewal_period_months": None}, "renewal period"),
        ({"initial_term_months": 0}, "initial term"),
        ({"notice_days": -1}, "notice"),
        ({"currency": "dollars"}, "currency"),
        ({"document_url": "javascript:alert(1)"}, "http"),
        ({"value": Decimal("-5")}, "negative"),
        ({"title": "  "}, "blank"),
    ],
)
def test_contract_validation_refuses_bad_input(db: Database, change: dict, message: str) -> None:
    vid = make_vendor(db)
    with pytest.raises(InvalidRecord, match=message):
        make_contract(db, vid, **change)


def test_amendments_are_kept_and_history_links_previous_contract(db: Database) -> None:
    vid = make_vendor(db)
    old = make_contract(db, vid, start_date=date(2023, 1, 1), renewal_type="manual")
    new = make_contract(db, vid, start_date=date(2024, 1, 1), previous_contract_id=old)
    contract_history.add_amendment(
        db,
        ADMIN,
        new,
        effective_date=date(2024, 6, 1),
        summary="Added 5 seats",
        value_change=Decimal("500"),
    )
    contract_history.add_amendment(
        db,
        ADMIN,
        new,
        effective_date=date(2024, 9, 1),
        summary="Price cut",
        value_change=Decimal("-100.25"),
    )
    history = contract_history.contract_history(db, ADMIN, new)
    assert [p.id for p in history.previous] == [old]
    assert [a.summary for a in history.amendments] == ["Price cut", "Added 5 seats"]
    assert history.amendments[0].value_change == Decimal("-100.25")
    assert [r.id for r in contract_history.contract_history(db, ADMIN, old).renewed_by] == [new]
    with db.read() as s:
        assert len(s.exec(select(ContractAmendment)).all()) == 2


def test_vendor_overview_gathers_contracts_seats_tickets_and_spend(db: Database) -> None:
    owner = make_person(db)
    vid = make_vendor(db, name="Weights & Biases", aliases=["WandB"], owner_id=owner)
    make_contract(db, vid, sla_hours=24)
    make_seat_pool(db, vid)
    make_ticket(db, vid)
    add_rollup(db, "wandb", date(2026, 9, 3), "10.10")
    add_rollup(db, "WANDB", date(2026, 9, 20), "0.90")
    add_rollup(db, "Weights & Biases", date(2026, 10, 1), "5")
    add_rollup(db, "someone else", date(2026, 10, 1), "999")
    ov = overview.vendor_overview(db, ADMIN, vid, as_of=date(2026, 11, 22))
    assert ov.vendor.owner_name == "Pat Owner"
    assert ov.contracts is not None and len(ov.contracts) == 1
    assert ov.seats is not None and len(ov.seats) == 1
    assert ov.tickets is not None and ov.tickets[0].sla_hours == 24
    assert ov.spend is not None
    assert [(p.month, p.amount) for p in ov.spend] == [
        (date(2026, 9, 1), Decimal("11.00")),
        (date(2026, 10, 1), Decimal("5")),
    ]


def test_vendor_overview_hides_sections_the_role_cannot_read(db: Database) -> None:
    vid = make_vendor(db)
    ov = overview.vendor_overview(db, actor("finance"), vid)
    assert ov.tickets is None and ov.meetings is None and ov.open_actions is None
    assert ov.spend == []


def test_vendor_overview_lists_meetings_of_its_series_and_open_items(db: Database) -> None:
    from datetime import UTC, datetime

    from db.models import ActionItem, Meeting, MeetingSeries

    vid = make_vendor(db)
    cid = make_contract(db, vid)
    with db.write() as s:
        series = MeetingSeries(
            title="QBR",
            rrule="FREQ=MONTHLY",
            timezone="UTC",
            vendor_id=vid,
            first_starts_at=datetime(2026, 1, 5, 15, tzinfo=UTC),
        )
        s.add(series)
        s.flush()
        s.add(
            Meeting(
                title="QBR Jan", series_id=series.id, starts_at=datetime(2026, 1, 5, 15, tzinfo=UTC)
            )
        )
        s.add(Meeting(title="Unrelated", starts_at=datetime(2026, 1, 6, 15, tzinfo=UTC)))
        s.add(ActionItem(title="Ask for discount", contract_id=cid))
        s.add(ActionItem(title="Done already", vendor_id=vid, status="done"))
    ov = overview.vendor_overview(db, ADMIN, vid)
    assert [m.title for m in ov.meetings or []] == ["QBR Jan"]
    assert [a.title for a in ov.open_actions or []] == ["Ask for discount"]


def test_database_refuses_a_contract_row_for_a_missing_vendor(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from db.models import Contract

    with pytest.raises(IntegrityError), db.write() as s:
        s.add(
            Contract(
                vendor_id=424242,
                title="Orphan",
                start_date=date(2026, 1, 1),
                initial_term_months=12,
            )
        )
    with db.read() as s:
        assert s.exec(select(Contract)).first() is None


def test_two_simultaneous_saves_from_the_same_form_keep_exactly_one(db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    vid = make_vendor(db)
    cid = make_contract(db, vid)
    opened = contracts.get_contract(db, ADMIN, cid)

    def save(title: str) -> str:
        data = ContractInput(
            vendor_id=vid,
            title=title,
            start_date=opened.start_date,
            initial_term_months=12,
            renewal_type="none",
            notice_days=30,
        )
        try:
            contracts.update_contract(db, ADMIN, cid, data, expected_version=opened.version)
        except StaleEdit:
            return "stale"
        return "saved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(save, ["from A", "from B"]))
    assert outcomes == ["saved", "stale"]
    after = contracts.get_contract(db, ADMIN, cid)
    assert after.version == opened.version + 1 and after.title in {"from A", "from B"}
