"""One planning pass over every domain: what the worker and `opsdesk remind` run.

It sits above the domain packages so that none of them imports another's planner: the
reminders of coordination, vendors and delivery come first, then governance's (incident clocks,
obligation dues, drift reviews), which builds on them.
"""

from __future__ import annotations

from datetime import datetime

from db.engine import Database
from services.delivery import reminders
from services.governance import planning as governance_planning


def plan_all(db: Database, now: datetime | None = None) -> int:
    """Plan everything due at ``now`` into the outbox; returns how many rows or meetings."""
    now = now or db.clock.now()
    total = reminders.plan_all(db, now)
    with db.write() as session:
        total += governance_planning.plan(session, now)
    return total
