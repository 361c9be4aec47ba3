"""The workspace's "now" and "today", read from the clock the caller's Database carries.

The clock itself (wall, shifted by ``--now``, or frozen in tests) is chosen by the composition
root; see db/clock.py. Nothing here reads the wall clock.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlmodel import Session

from db.clock import Clock, FrozenClock, ShiftedClock, SystemClock, today_in
from db.engine import Database
from settings import get_settings

__all__ = [
    "Clock",
    "FrozenClock",
    "ShiftedClock",
    "SystemClock",
    "now",
    "session_now",
    "session_today",
    "today",
]


def now(db: Database) -> datetime:
    return db.clock.now()


def today(db: Database, tz: tzinfo | None = None) -> date:
    """Today's date in ``tz`` (the workspace's zone by default)."""
    return today_in(db.clock, tz or get_settings().tz)


def session_today(session: Session, tz: tzinfo | None = None) -> date:
    return today_in(session.info["clock"], tz or get_settings().tz)


def session_now(session: Session) -> datetime:
    """The clock of the transaction ``session`` belongs to (set by Database.read/write)."""
    clock: Clock = session.info["clock"]
    return clock.now()
