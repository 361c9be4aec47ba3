"""Small builders with valid defaults for the vendor-area tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from db.engine import Database
from db.models import CostRollup, Person
from services.access.access import Actor
from services.vendors.contracts import ContractInput, create_contract
from services.vendors.seats import SeatPoolInput, create_seat_pool
from services.vendors.tickets import TicketInput, create_ticket
from services.vendors.vendors import create_vendor

ADMIN = Actor(email="admin@example.com", role="admin")


def make_person(db: Database, name: str = "Pat Owner", email: str = "pat@example.com") -> int:
    with db.write() as s:
        p = Person(name=name, email=email)
        s.add(p)
        s.flush()
        assert p.id is not None
        return p.id


def make_vendor(db: Database, name: str = "Acme AI", **kw: Any) -> int:
    kw.setdefault("category", "llm_api")
    kw.setdefault("website", "https://acme.example")
    return create_vendor(db, ADMIN, name=name, **kw)


def make_contract(db: Database, vendor_id: int, **kw: Any) -> int:
    defaults: dict[str, Any] = {
        "title": "Enterprise plan",
        "start_date": date(2026, 1, 1),
        "initial_term_months": 12,
        "renewal_type": "auto",
        "renewal_period_months": 12,
        "notice_days": 60,
        "value": Decimal("12000.50"),
        "currency": "USD",
    }
    defaults.update(kw)
    return create_contract(db, ADMIN, ContractInput(vendor_id=vendor_id, **defaults))


def make_seat_pool(db: Database, vendor_id: int, **kw: Any) -> int:
    defaults: dict[str, Any] = {
        "product": "Team seats",
        "seats_purchased": 10,
        "seats_assigned": 9,
        "seats_active_30d": 7,
        "unit_price": Decimal("120"),
        "billing_period": "yearly",
    }
    defaults.update(kw)
    return create_seat_pool(db, ADMIN, SeatPoolInput(vendor_id=vendor_id, **defaults))


def make_ticket(db: Database, vendor_id: int, **kw: Any) -> int:
    defaults: dict[str, Any] = {
        "vendor_ticket_id": "CASE-1",
        "title": "Rate limits too low",
        "opened_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    }
    defaults.update(kw)
    return create_ticket(db, ADMIN, TicketInput(vendor_id=vendor_id, **defaults))


def add_rollup(db: Database, source: str, day: date, amount: str, currency: str = "USD") -> None:
    """A spend rollup row (with the billing import it hangs off)."""
    from db.models import BillingImport

    with db.write() as s:
        imp = BillingImport(
            filename="x.csv", format="focus", sha256=f"{source}{day}{amount}", imported_by="t"
        )
        s.add(imp)
        s.flush()
        assert imp.id is not None
        s.add(
            CostRollup(
                import_id=imp.id,
                day=day,
                billing_period_start=day.replace(day=1),
                source_name=source,
                currency=currency,
                billed_cost=Decimal(amount),
                effective_cost=Decimal(amount),
            )
        )
