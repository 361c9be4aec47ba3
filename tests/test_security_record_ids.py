"""A record id outside the role (a forged widget value or query parameter) changes nothing.

Each case calls a mutating service with a real record id as a role that lacks the permission:
the call raises NotAllowed, the tables are byte-for-byte unchanged, and the refusal is in the
audit trail with the record id.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent, Budget, Contract, Meeting, Person, SeatPool, Vendor
from services.access.access import Actor, NotAllowed, can
from services.coordination import meetings, people
from services.spend import budgets
from services.vendors import renewals, seats, vendors
from tests.conftest import actor

CASES: list[tuple[str, str, type[Any], Callable[[Database, Actor, int], object]]] = [
    ("archive budget", "budgets.edit", Budget, lambda db, a, i: budgets.archive_budget(db, a, i)),
    ("delete seat pool", "seats.edit", SeatPool, lambda db, a, i: seats.delete_seat_pool(db, a, i)),
    ("archive vendor", "vendors.edit", Vendor, lambda db, a, i: vendors.archive_vendor(db, a, i)),
    ("delete vendor", "vendors.edit", Vendor, lambda db, a, i: vendors.delete_vendor(db, a, i)),
    (
        "archive person",
        "people.edit",
        Person,
        lambda db, a, i: people.set_person_archived(db, a, i, True),
    ),
    (
        "cancel meeting",
        "meetings.edit",
        Meeting,
        lambda db, a, i: meetings.set_meeting_status(db, a, i, "cancelled"),
    ),
    (
        "decide renewal",
        "renewals.decide",
        Contract,
        lambda db, a, i: renewals.decide_renewal(db, a, i, decision="cancel"),
    ),
]
ROLES_WITHOUT = [
    (name, perm, model, call, role)
    for name, perm, model, call in CASES
    for role in ("va", "lead", "finance")
    if not can(actor(role), perm)
]


@pytest.fixture
def demo_db(demo_file: Path, tmp_path: Path) -> Database:
    path = tmp_path / "opsdesk.db"
    shutil.copyfile(demo_file, path)
    return Database.from_url(f"sqlite:///{path}")


def _dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        ]
        return {
            t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY 1'))]
            for t in tables
            if t != "auditevent"
        }


def test_every_case_is_refused_for_at_least_one_role() -> None:
    assert {name for name, *_ in ROLES_WITHOUT} == {name for name, *_ in CASES}


@pytest.mark.parametrize(
    ("name", "perm", "model", "call", "role"),
    ROLES_WITHOUT,
    ids=[f"{c[0]}-{c[4]}" for c in ROLES_WITHOUT],
)
def test_a_forged_record_id_is_refused_unchanged_and_audited(
    demo_db: Database,
    name: str,
    perm: str,
    model: type[Any],
    call: Callable[..., object],
    role: str,
) -> None:
    with demo_db.read() as session:
        record = session.exec(select(model)).first()
    assert record is not None, f"the demo has no {model.__name__}"
    before = _dump(demo_db)
    with pytest.raises(NotAllowed):
        call(demo_db, actor(role), record.id)
    assert _dump(demo_db) == before
    with demo_db.read() as session:
        denied = session.exec(
            select(AuditEvent).where(AuditEvent.action == "denied").order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
        ).first()
    assert denied is not None
    assert (denied.actor, denied.record_id, denied.detail) == (
        f"{role}@example.com",
        str(record.id),
        perm,
    )


# A demo vendor has history, so deleting it is refused by a rule (archive instead).
ADMIN_CASES = [c for c in CASES if c[0] != "delete vendor"]


@pytest.mark.parametrize(
    ("name", "perm", "model", "call"), ADMIN_CASES, ids=[c[0] for c in ADMIN_CASES]
)
def test_the_same_change_by_an_admin_is_audited_with_the_record_id(
    demo_db: Database, name: str, perm: str, model: type[Any], call: Callable[..., object]
) -> None:
    with demo_db.read() as session:
        record = session.exec(select(model)).first()
        last = session.exec(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
    assert record is not None
    call(demo_db, actor("admin"), record.id)
    with demo_db.read() as session:
        new = session.exec(select(AuditEvent).where(AuditEvent.id > (last or 0))).all()  # type: ignore[operator]
    assert any(
        e.actor == "admin@example.com" and e.record_id == str(record.id) and e.action != "denied"
        for e in new
    ), [(e.action, e.record_type, e.record_id) for e in new]
