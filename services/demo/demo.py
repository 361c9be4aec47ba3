"""The demo workspace: a realistic ML platform team's back office, dated relative to today.

Everything is derived from ``today`` and a fixed random seed, so loading it twice with ``reset``
gives the same workspace. Users (who may sign in) survive a reset; every other record is rebuilt.
"""

from __future__ import annotations

import importlib
from datetime import date

from sqlalchemy import func, select, text
from sqlmodel import Session

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    User,
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
from settings import get_settings


class WorkspaceNotEmpty(ValueError):
    """The demo only loads into an empty workspace unless asked to reset."""


def wipe_workspace(db: Database) -> None:
    """Drop every table but keep the users, then rebuild the schema through the migrations."""
    with db.read() as session:
        users = [u.model_dump(exclude={"id"}) for u in session.execute(select(User)).scalars()]
    db.engine.dispose()
    with db.engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.engine.dispose()
    upgrade(str(db.engine.url.render_as_string(hide_password=False)))
    with db.write() as session:
        for row in users:
            session.add(User(**row))


def load(
    db: Database, actor: Actor, *, reset: bool = False, today: date | None = None
) -> dict[str, int]:
    """Load the demo workspace; refuse when records exist unless ``reset`` is given."""
    require(db, actor, "settings.manage", record_type="demo")
    if reset:
        wipe_workspace(db)
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
