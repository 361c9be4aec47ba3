"""What an audit row is about, by name: "Contract: Enterprise plan (Acme AI)", not "contract 12".

Names are read now, so a record renamed since shows its current name; a deleted one says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    ActionItem,
    Budget,
    Contract,
    Meeting,
    Person,
    SeatPool,
    SupportTicket,
    Team,
    User,
    Vendor,
)
from services.access.access import Actor, require

# record type -> (table, what to call one row, its human kind)
_KINDS: dict[str, tuple[Any, Callable[[Any], str], str]] = {
    "vendor": (Vendor, lambda r: r.name, "Vendor"),
    "contract": (Contract, lambda r: r.title, "Contract"),
    "action_item": (ActionItem, lambda r: r.title, "Action item"),
    "ticket": (SupportTicket, lambda r: f"{r.vendor_ticket_id}: {r.title}", "Vendor ticket"),
    "meeting": (Meeting, lambda r: r.title, "Meeting"),
    "person": (Person, lambda r: r.name, "Person"),
    "team": (Team, lambda r: r.name, "Team"),
    "budget": (Budget, lambda r: r.name, "Budget"),
    "seat_pool": (SeatPool, lambda r: r.product, "Seat pool"),
    "user": (User, lambda r: r.email, "User"),
}


def kind_label(record_type: str) -> str:
    known = _KINDS.get(record_type)
    return known[2] if known else record_type.replace("_", " ").capitalize()


def _load(session: Session, record_type: str, ids: set[int]) -> dict[int, str]:
    table, name, _kind = _KINDS[record_type]
    rows = session.exec(select(table).where(col(table.id).in_(sorted(ids)))).all()
    return {r.id: name(r) for r in rows}


def record_names(
    db: Database, actor: Actor, refs: Iterable[tuple[str, str | None]]
) -> dict[tuple[str, str], str]:
    """(record type, record id) -> "Kind: name" for the rows an audit page shows."""
    require(db, actor, "audit.read", record_type="audit")
    wanted: dict[str, set[int]] = defaultdict(set)
    for record_type, record_id in refs:
        if record_type in _KINDS and record_id and record_id.isdigit():
            wanted[record_type].add(int(record_id))
    out: dict[tuple[str, str], str] = {}
    with db.read() as session:
        for record_type, ids in wanted.items():
            found = _load(session, record_type, ids)
            for number in ids:
                name = found.get(number)
                shown = name if name is not None else f"#{number} (deleted)"
                out[(record_type, str(number))] = f"{kind_label(record_type)}: {shown}"
    return out
