"""Small builders with valid defaults for the governance tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from db.engine import Database
from db.models import Model, VendorContact
from services.access.access import Actor
from tests.builders import make_contract, make_person, make_vendor

ADMIN = Actor(email="admin@example.com", role="admin")
VA = Actor(email="va@example.com", role="va")
LEAD = Actor(email="lead@example.com", role="lead")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday, after the clocks went back


def make_model(db: Database, name: str = "credit-scorer", **kw: Any) -> int:
    kw.setdefault("risk_class", "high")
    kw.setdefault("ai_act_role", "provider")
    kw.setdefault("status", "production")
    with db.write() as s:
        row = Model(name=name, **kw)
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def make_vendor_model(db: Database, name: str = "support-bot") -> dict[str, int]:
    """A model we deploy from a vendor, under a contract, with a support contact and an owner."""
    owner = make_person(db, "Olga Owner", "olga@example.com")
    vendor = make_vendor(db, "Lumen LLM")
    contract = make_contract(db, vendor, title="Lumen API enterprise")
    with db.write() as s:
        s.add(
            VendorContact(
                vendor_id=vendor, name="Sam Support", email="support@lumen.example", role="support"
            )
        )
        s.add(
            VendorContact(
                vendor_id=vendor,
                name="Ann Account",
                email="ann@lumen.example",
                role="account_manager",
            )
        )
    model = make_model(
        db,
        name,
        ai_act_role="deployer",
        source="vendor_api",
        vendor_id=vendor,
        contract_id=contract,
        owner_id=owner,
        risk_class="high",
    )
    return {"owner": owner, "vendor": vendor, "contract": contract, "model": model}
