"""The worker's passes: sync, plan, deliver; once (`opsdesk remind --once`) or in a loop.

What to plan and sync is chosen by the composition root (cli_commands/reminders.py), which
passes every domain's planning pass (services.planning); delivery itself is services/delivery/
worker.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from db.engine import Database
from integrations.bootstrap import Gateways
from services.access.backup import NightlyBackups
from services.delivery import reminders
from services.delivery.worker import RunReport, deliver_due

log = logging.getLogger(__name__)

# A planning pass: queue what is due at the moment given; returns how many rows it added.
PlanStep = Callable[[Database, datetime], int]
# A sync with an outside record system (MLflow) before planning; returns a note or None.
SyncStep = Callable[[Database, Gateways, datetime], str | None]


def run_once(
    db: Database,
    gateways: Gateways,
    now: datetime | None = None,
    *,
    wid: str | None = None,
    google_credentials_changed_at: datetime | None = None,
    plan: PlanStep | None = None,
    sync: SyncStep | None = None,
) -> RunReport:
    """Plan what is due into the outbox, then deliver what is due. ``plan`` is the planning
    pass the composition root chose (every domain's: services.planning.plan_all); by default
    this package's own reminders."""
    now = now or db.clock.now()
    report = RunReport()
    if sync is not None:
        note = sync(db, gateways, now)
        if note:
            report.notes.append(note)
    report.planned = (plan or reminders.plan_all)(db, now)
    return deliver_due(
        db,
        gateways,
        now,
        wid=wid,
        report=report,
        google_credentials_changed_at=google_credentials_changed_at,
    )


def run_forever(
    db: Database,
    make_gateways: Callable[[], Gateways],
    poll_seconds: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    runs: int | None = None,
    plan: PlanStep | None = None,
    sync: SyncStep | None = None,
    nightly: NightlyBackups | None = None,
) -> None:
    """``run_once`` in a loop; an error in one pass is logged and the next pass tries again.

    With ``nightly``, each pass first takes tonight's backup when it is due (once per local
    date); a failed backup is logged and tried again next pass, and never holds up delivery.
    """
    done = 0
    while runs is None or done < runs:
        if nightly is not None:
            try:
                nightly.take_if_due(db, db.clock.now())
            except Exception:
                log.exception("nightly backup failed; trying again next pass")
        try:
            report = run_once(db, make_gateways(), plan=plan, sync=sync)
            log.info("worker pass: %s", report)
        except Exception:
            log.exception("worker pass failed; trying again after the pause")
        done += 1
        if runs is None or done < runs:
            sleep(poll_seconds)
