"""Small builders with valid defaults for the coordination tests (rows written directly)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from db.engine import Database
from db.models import ActionItem, Contract, Person, SupportTicket, Team, Vendor
from services.access.access import Actor

ADMIN = Actor(email="admin@example.com", role="admin")
VA = Actor(email="va@example.com", role="va")
LEAD = Actor(email="lead@example.com", role="lead")
XSS = "<img src=x onerror=alert(1)>"


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


def make_vendor(db: Database, name: str = "Acme AI") -> int:
    with db.write() as s:
        v = Vendor(name=name, category="llm_api")
        s.add(v)
        s.flush()
        assert v.id is not None
        return v.id


def make_contract(db: Database, vendor_id: int, **kw: Any) -> int:
    values: dict[str, Any] = {
        "title": "Enterprise plan",
        "start_date": date(2026, 1, 1),
        "initial_term_months": 12,
        "renewal_type": "auto",
        "renewal_period_months": 12,
        "notice_days": 30,
    }
    values.update(kw)
    with db.write() as s:
        c = Contract(vendor_id=vendor_id, **values)
        s.add(c)
        s.flush()
        assert c.id is not None
        return c.id


def make_ticket(db: Database, vendor_id: int, **kw: Any) -> int:
    values: dict[str, Any] = {
        "vendor_ticket_id": "T-1",
        "title": "Rate limits",
        "opened_at": datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    }
    values.update(kw)
    with db.write() as s:
        t = SupportTicket(vendor_id=vendor_id, **values)
        s.add(t)
        s.flush()
        assert t.id is not None
        return t.id


def make_action(db: Database, title: str = "Send the DPA", **kw: Any) -> int:
    with db.write() as s:
        a = ActionItem(title=title, **kw)
        s.add(a)
        s.flush()
        assert a.id is not None
        return a.id
