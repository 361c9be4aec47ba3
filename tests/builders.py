"""Builders with valid defaults for every test: one function a record, overrides by keyword.

Records of the vendor area go through their services (so they are valid by construction); people,
teams, action items and outbox rows are written directly, as the services that make them need
more context than a test wants to give. Billing rows are written as real FOCUS files.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import ActionItem, BillingImport, CostLine, CostRollup, Person, Team
from services.access.access import Actor
from services.delivery import outbox
from services.vendors.contracts import ContractInput, create_contract
from services.vendors.seats import SeatPoolInput, create_seat_pool
from services.vendors.tickets import TicketInput, create_ticket
from services.vendors.vendors import create_vendor

ADMIN = Actor(email="admin@example.com", role="admin")
VA = Actor(email="va@example.com", role="va")
LEAD = Actor(email="lead@example.com", role="lead")
XSS = "<img src=x onerror=alert(1)>"


# --- people and teams ---------------------------------------------------------------------------


def make_team(db: Database, name: str = "Platform") -> int:
    with db.write() as s:
        t = Team(name=name)
        s.add(t)
        s.flush()
        assert t.id is not None
        return t.id


def make_person(
    db: Database, name: str = "Pat Owner", email: str = "pat@example.com", **kw: Any
) -> int:
    with db.write() as s:
        p = Person(name=name, email=email, **kw)
        s.add(p)
        s.flush()
        assert p.id is not None
        return p.id


# --- the vendor area (through the services) ----------------------------------------------------


def make_vendor(db: Database, name: str = "Acme AI", *aliases: str, **kw: Any) -> int:
    """A vendor; positional names after ``name`` become its billing aliases."""
    kw.setdefault("category", "llm_api")
    kw.setdefault("website", "https://acme.example")
    kw.setdefault("aliases", aliases)
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


# --- coordination -------------------------------------------------------------------------------


def make_action(db: Database, title: str = "Send the DPA", **kw: Any) -> int:
    with db.write() as s:
        a = ActionItem(title=title, **kw)
        s.add(a)
        s.flush()
        assert a.id is not None
        return a.id


# --- billing files ------------------------------------------------------------------------------


FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "BillingAccountId", "BillingCurrency",
    "BillingPeriodStart", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceName", "SubAccountId", "Tags",
]  # fmt: skip


def focus_row(**overrides: Any) -> dict[str, str]:
    row = {
        "BilledCost": "10.00",
        "EffectiveCost": "10.00",
        "ListCost": "12.00",
        "BillingAccountId": "012345678910",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-09-01T00:00:00Z",
        "ChargePeriodStart": "2026-09-05T00:00:00Z",
        "ChargePeriodEnd": "2026-09-06T00:00:00Z",
        "ChargeCategory": "Usage",
        "ProviderName": "OpenAI",
        "PublisherName": "OpenAI",
        "InvoiceIssuerName": "OpenAI",
        "ServiceName": "GPT API",
        "SubAccountId": "proj-1",
        "Tags": '{"team": "Research"}',
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def focus_text(
    rows: list[dict[str, str]], columns: list[str] | None = None, delimiter: str = ","
) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=columns or FOCUS_COLUMNS,
        delimiter=delimiter,
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_focus(path: Path, rows: list[dict[str, str]], **kwargs: Any) -> Path:
    path.write_text(focus_text(rows, **kwargs), encoding="utf-8", newline="")
    return path


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            "imports": s.execute(select(func.count()).select_from(BillingImport)).scalar_one(),
            "lines": s.execute(select(func.count()).select_from(CostLine)).scalar_one(),
            "rollups": s.execute(select(func.count()).select_from(CostRollup)).scalar_one(),
        }


# --- outbox -------------------------------------------------------------------------------------


def queue(
    db: Database,
    n: int = 1,
    *,
    channel_target: str = "C1",
    kind: str = "test_message",
    recipient: str | None = None,
    due_at: datetime | None = None,
    start: int = 0,
    subject: str = "Reminder",
) -> None:
    with db.write() as session:
        for i in range(start, start + n):
            outbox.enqueue(
                session,
                kind=kind,
                record_type="integration",
                record_id=i,
                occurrence=f"o{i}",
                channel="slack",
                recipient=recipient or channel_target,
                subject=f"{subject} {i}",
                body="body",
                due_at=due_at,
            )
