"""Reminder planning: which notifications are due now, written into the outbox once each.

Every reminder has an occurrence (the date it is for, with the date it reminds about), so
planning again creates nothing and a changed date retires the old occurrences. Reminders go out
at 09:00 in the recipient's time zone (the workspace's when unknown) on working days. When a record
is first seen with several occurrences already passed, only the most recent one is sent.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from db.engine import Database
from services.delivery.reminders.plan_items import ItemPlanning
from services.delivery.reminders.plan_renewals import RenewalPlanning
from services.delivery.reminders.rules import (
    _parse_recipients,
    ensure_default_rules,
    list_rules,
    rule_description,
    set_record_recipients,
    update_rule,
)
from services.delivery.reminders.schedule import (
    action_schedule,
    contract_schedule,
    latest_passed,
    log,
    record_link,
    send_time,
)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cycle collector paused for the pass: over a large workspace the pass allocates
    hundreds of thousands of rows, strings and tuples, freed by reference counting, and the
    collector's walks over them (a twentieth of the pass's time) find a few hundred objects in
    cycles, which the next collection after the pass frees as well."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Planner(ItemPlanning, RenewalPlanning):
    """Every kind of reminder, one method per kind (``plan_all`` runs each in its own
    transaction)."""


# Meetings before the renewal meetings this pass creates, which plan their own invites from what
# they wrote: read back, they would cost the meetings step most of its reads.
STEPS = ("meetings", "renewal_meetings", "action_items", "contracts", "tickets")


def plan_all(db: Database, now: datetime | None = None) -> int:
    """Plan every kind of reminder due at ``now``; returns how many rows or meetings were added.

    One write transaction reads what every kind shares once (people, rules, contracts and their
    terms) and sees one consistent state; each kind runs in its own savepoint, so one broken
    record type cannot stop the rest: its work is undone, the others are kept, and its error is
    raised once they are committed.
    """
    now = now or db.clock.now()
    failure: Exception | None = None
    with _no_cycle_collection(), db.write() as session:
        planner = Planner(session, now)
        for step in STEPS:
            before = planner.planned
            try:
                with session.begin_nested():
                    getattr(planner, step)()
            except Exception as exc:
                log.exception("reminder planning: %s failed; the other kinds go on", step)
                planner.discard(before)
                failure = failure or exc
    if failure is not None:
        raise failure
    return planner.planned


__all__ = [
    "Planner",
    "_parse_recipients",
    "action_schedule",
    "contract_schedule",
    "ensure_default_rules",
    "latest_passed",
    "list_rules",
    "plan_all",
    "record_link",
    "rule_description",
    "send_time",
    "set_record_recipients",
    "update_rule",
]
