"""The demo workspace: a realistic ML platform team's back office, dated relative to today.

Everything is derived from ``today`` and a fixed random seed, so loading it twice with ``reset``
gives the same workspace. Users (who may sign in) survive a reset; every other record is rebuilt.
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

from db.engine import Database
from db.models import (
    Vendor,
    metadata,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination import meetings
from services.core.clock import session_now
from services.core.clock import today as workspace_today
from services.demo.contracts import seed_budgets, seed_contracts
from services.demo.coordination import seed_actions, seed_meetings
from services.demo.people_vendors import seed_people, seed_seats, seed_tickets, seed_vendors
from services.demo.workspace import Workspace, pk
from services.governance import demo as governance_demo
from services.governance import demo_models as models_demo
from settings import get_settings


class WorkspaceNotEmpty(ValueError):
    """The demo only loads into an empty workspace unless asked to reset."""


KEPT_TABLES = frozenset({"user", "auditevent", "alembic_version"})


def wipe_workspace(db: Database, actor: Actor) -> int:
    """Delete every record but the users and the audit trail, in one transaction, and record
    that it happened; returns how many rows went.

    Users (who may sign in) survive, and so does the append-only audit trail: a reset is itself
    an audited change, not a way to erase history.
    """
    removed = 0
    with db.write() as session:
        for table in reversed(metadata.sorted_tables):  # children before parents
            if table.name not in KEPT_TABLES:
                removed += session.execute(table.delete()).rowcount or 0  # type: ignore[attr-defined]
        audit.record(
            session,
            actor,
            "reset",
            "workspace",
            None,
            detail=f"demo --reset deleted {removed} records (users and audit trail kept)",
        )
    return removed


def load(
    db: Database, actor: Actor, *, reset: bool = False, today: date | None = None
) -> dict[str, int]:
    """Load the demo workspace; refuse when records exist unless ``reset`` is given."""
    require(db, actor, "settings.manage", record_type="demo")
    if reset:
        wipe_workspace(db, actor)
    day = today or workspace_today(db)
    with db.read() as session:
        existing = session.execute(select(func.count()).select_from(Vendor)).scalar_one()
    if existing:
        raise WorkspaceNotEmpty(
            "the workspace already has records; run `opsdesk demo --reset` to replace them"
        )
    with db.write() as session:
        counts, last_meetings = _seed(session, day)
        audit.record(session, actor, "create", "demo", None, detail=f"demo workspace {counts}")
    # The next meeting of each series comes from the real carry-over, so it opens with the
    # previous meeting's unfinished agenda items and open action items marked as carried.
    for meeting_id in last_meetings:
        meetings.open_next_meeting(db, actor, meeting_id, today=day)
        counts["meetings"] += 1
    counts.update(_seed_billing(db, actor, day))
    # Both add models (the two governance systems, then the rest of the inventory): summed.
    for part in (governance_demo.seed(db, actor, day), models_demo.seed(db, actor, day)):
        for name, number in part.items():
            counts[name] = counts.get(name, 0) + number
    return counts


def _seed_billing(db: Database, actor: Actor, day: date) -> dict[str, int]:
    # Billing goes through the real importer, which lives with the spend feature.
    try:
        module = importlib.import_module("services.demo.demo_billing")
    except ModuleNotFoundError:
        return {}
    return {"billing rows": int(module.seed(db, actor, day))}


def _seed(session: Session, day: date) -> tuple[dict[str, int], list[int]]:
    """Every record but billing; returns counts and the last past meeting of each series."""
    ws = Workspace(session, day, session_now(session), get_settings().tz)
    # In this order: each step links to records the ones before it made.
    for step in (
        seed_people,
        seed_vendors,
        seed_contracts,
        seed_seats,
        seed_tickets,
        seed_meetings,
        seed_actions,
        seed_budgets,
    ):
        step(ws)
    return ws.counts, [pk(m) for m in ws.last_meetings.values()]
