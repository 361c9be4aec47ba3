"""The one clock: what "now" is for a whole process or run.

Only the composition root (the app's ``ui/state.py``, the CLI and the worker's entry point)
chooses a clock; everything else gets it from the ``Database`` handle it was given
(``db.clock``) or as an explicit ``now`` / ``today`` argument. ``--now`` on the CLI is a
``ShiftedClock``: the run starts at the given moment and time then passes as usual, so
planning and delivery in one run agree. Tests use a ``FrozenClock``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock. Built only by a composition root."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Starts at ``start`` and then runs at the speed of the monotonic clock (``--now``)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock's start must carry a time zone")
        self._start = start.astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)


class FrozenClock:
    """Stands still at ``at`` until moved: for tests and for reproducible runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock's time must carry a time zone")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def today_in(clock: Clock, tz: tzinfo) -> date:
    """Today's date in ``tz`` by ``clock`` (an item due yesterday there is overdue)."""
    return clock.now().astimezone(tz).date()


# Row timestamps filled by the models' default factories (created_at, updated_at, ...) follow the
# clock of the Database whose transaction is open, so a ``--now`` run stamps its rows with its
# own time. Outside any transaction (building a row to show, not to store) the wall clock serves.
_active: ContextVar[Clock | None] = ContextVar("opsdesk_active_clock", default=None)


@contextmanager
def active(clock: Clock) -> Iterator[None]:
    token = _active.set(clock)
    try:
        yield
    finally:
        _active.reset(token)


def stamp() -> datetime:
    """The time to stamp on a new row: the open transaction's clock, else the wall clock."""
    clock = _active.get()
    return clock.now() if clock is not None else datetime.now(UTC)
