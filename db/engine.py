"""Engines and sessions for SQLite and Postgres, set up for a multi-user app.

SQLite: WAL so readers never wait for the writer, a busy timeout so writers queue instead of
failing, foreign keys on for every connection (SQLite's default is off), and write transactions
opened with ``BEGIN IMMEDIATE`` so a writer takes the lock up front rather than failing half-way
on an upgrade from a read lock. Postgres runs the same code through psycopg 3.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from db.clock import Clock, SystemClock, active

BUSY_TIMEOUT_MS = 5000
# A pooled Postgres connection idle longer than this is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_S = 10.0


class DatabaseBusy(RuntimeError):
    """Another writer held the database past the busy timeout; nothing was written."""

    def __init__(self) -> None:
        super().__init__("The database is busy with another change. Nothing was saved; try again.")


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def _setup_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, with the mode we choose.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Opsdesk's connection set-up."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # NullPool: each session gets a fresh connection, so the PRAGMAs above always apply and
        # no connection is shared across Streamlit's script threads.
        kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )
        _setup_sqlite(engine, busy_timeout_ms)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle, not on every checkout.

    ``pool_pre_ping`` pinged on every checkout: a round trip before each read, several on every
    rerun of a page, for a check that matters only to a connection that sat in the pool while
    the server restarted or an idle timeout closed it. A connection checked in moments ago is
    used as is; if the server went away in those moments, its first query fails, SQLAlchemy
    sees the disconnect and replaces the pool's connections.
    """

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get("idle_since", 0.0)
        if idle < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                # The pool drops this connection and checks out (or opens) another.
                raise DisconnectionError() from exc
            raise


class Database:
    """The database handle services use: short read and write transactions."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        # The composition root passes the process's clock; services read it as ``db.clock``.
        self.clock: Clock = clock or SystemClock()
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")

    @classmethod
    def from_url(cls, url: str, *, clock: Clock | None = None, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs), clock)

    def with_clock(self, clock: Clock) -> Database:
        """The same engine seen through another clock (``--now``, a frozen test clock)."""
        return Database(self.engine, clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with active(self.clock), Session(self.engine, expire_on_commit=False) as session:
            session.info["clock"] = self.clock
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        try:
            with (
                active(self.clock),
                Session(self._writer, expire_on_commit=False) as session,
                session.begin(),
            ):
                session.info["clock"] = self.clock
                yield session
        except OperationalError as exc:
            if _is_busy(exc):
                raise DatabaseBusy() from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
