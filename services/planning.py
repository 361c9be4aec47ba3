"""One planning pass over every domain: what the worker and `opsdesk remind` run.

It sits above the domain packages so that none of them imports another's planner: the
reminders of coordination, vendors and delivery come first, then governance's (incident clocks,
obligation dues, drift reviews), which builds on them.
"""

from __future__ import annotations

from datetime import datetime

from db.engine import Database
from integrations.bootstrap import Gateways
from services.delivery import reminders
from services.governance import documentation, sync
from services.governance import planning as governance_planning


def plan_all(db: Database, now: datetime | None = None) -> int:
    """Plan everything due at ``now`` into the outbox; returns how many rows or meetings."""
    now = now or db.clock.now()
    total = reminders.plan_all(db, now)
    total += documentation.plan_reminders(db, now)  # the weekly model-card cycle
    with db.write() as session:
        total += governance_planning.plan(session, now)
    return total


def sync_records(db: Database, gateways: Gateways, now: datetime) -> str | None:
    """Read MLflow when it is set up and its interval has passed; a note for the run report."""
    if gateways.mlflow is None:
        return None
    return sync.run_if_due(db, gateways.mlflow, now, gateways.mlflow_every_minutes)
