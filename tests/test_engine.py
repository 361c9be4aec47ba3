"""SQLite is set up for several users; Postgres runs the same code."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from sqlmodel import select

import db.engine as engine_module
from db.engine import Database, DatabaseBusy
from db.models import Contract, Team, Vendor


def test_every_sqlite_connection_has_wal_foreign_keys_and_a_busy_timeout(
    sqlite_db: Database,
) -> None:
    for _ in range(3):
        with sqlite_db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_a_contract_for_a_missing_vendor_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(
            Contract(
                vendor_id=9999, title="Ghost", start_date=date(2026, 1, 1), initial_term_months=12
            )
        )
    with db.read() as s:
        assert s.exec(select(Contract)).all() == []


def test_deleting_a_vendor_that_has_contracts_is_refused(db: Database) -> None:
    with db.write() as s:
        vendor = Vendor(name="Acme GPUs")
        s.add(vendor)
        s.flush()
        s.add(
            Contract(
                vendor_id=vendor.id,
                title="Reserve",
                start_date=date(2026, 1, 1),
                initial_term_months=12,
            )
        )
    with pytest.raises(IntegrityError), db.write() as s:
        s.delete(s.exec(select(Vendor)).one())
    with db.read() as s:
        assert s.exec(select(Vendor)).one().name == "Acme GPUs"


def test_money_keeps_every_digit(db: Database) -> None:
    amounts = [
        Decimal("0.00000000001"),
        Decimal("-12.3456789012"),
        Decimal("123456789012345678.123456789"),
    ]
    with db.write() as s:
        vendor = Vendor(name="Exact")
        s.add(vendor)
        s.flush()
        for i, amount in enumerate(amounts):
            s.add(
                Contract(
                    vendor_id=vendor.id,
                    title=f"c{i}",
                    start_date=date(2026, 1, 1),
                    initial_term_months=12,
                    value=amount,
                )
            )
    with db.read() as s:
        stored = [c.value for c in s.exec(select(Contract).order_by(Contract.title)).all()]
    assert stored == amounts


def test_money_refuses_floats(db: Database) -> None:
    with pytest.raises(Exception, match="float"), db.write() as s:
        s.add(Vendor(name="Float"))
        s.flush()
        s.add(
            Contract(
                vendor_id=1,
                title="f",
                start_date=date(2026, 1, 1),
                initial_term_months=12,
                value=0.1,
            )
        )  # type: ignore[arg-type]


def _hold_write_lock(path: Path, seconds: float, started: threading.Event) -> None:
    holder = Database.from_url(f"sqlite:///{path}")
    with holder.write() as s:
        s.add(Team(name="holder"))
        s.flush()
        started.set()
        time.sleep(seconds)
    holder.dispose()


def test_a_writer_waits_for_a_two_second_lock_and_succeeds(sqlite_db: Database) -> None:
    path = Path(str(sqlite_db.engine.url.database))
    started = threading.Event()
    thread = threading.Thread(target=_hold_write_lock, args=(path, 2.0, started))
    thread.start()
    started.wait(5)
    with sqlite_db.write() as s:
        s.add(Team(name="waiter"))
    thread.join()
    with sqlite_db.read() as s:
        assert {t.name for t in s.exec(select(Team)).all()} == {"holder", "waiter"}


def test_past_the_busy_timeout_a_writer_gets_a_clear_busy_error_and_writes_nothing(
    sqlite_db: Database,
) -> None:
    path = Path(str(sqlite_db.engine.url.database))
    impatient = Database.from_url(f"sqlite:///{path}", busy_timeout_ms=200)
    started = threading.Event()
    thread = threading.Thread(target=_hold_write_lock, args=(path, 1.5, started))
    thread.start()
    started.wait(5)
    with pytest.raises(DatabaseBusy, match="try again"), impatient.write() as s:
        s.add(Team(name="impatient"))
    thread.join()
    with sqlite_db.read() as s:
        assert {t.name for t in s.exec(select(Team)).all()} == {"holder"}
    impatient.dispose()


def test_a_failed_write_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as s:
        s.add(Team(name="half"))
        s.flush()
        raise RuntimeError("disk full")
    with db.read() as s:
        assert s.exec(select(Team)).all() == []
    with db.read() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1


def _backend_pid(db: Database) -> int:
    with db.read() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_postgres_connection_back_from_the_pool_is_pinged_only_after_sitting_idle(
    postgres_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    ping = postgres_db.engine.dialect.do_ping
    monkeypatch.setattr(
        postgres_db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn)
    )
    first = _backend_pid(postgres_db)
    assert _backend_pid(postgres_db) == first  # the same pooled connection, used at once
    assert pings == []
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_pid(postgres_db) == first
    assert len(pings) == 1


@pytest.mark.postgres
def test_an_idle_postgres_connection_the_server_closed_is_replaced_before_use(
    postgres_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = _backend_pid(postgres_db)
    killer = create_engine(postgres_db.engine.url, poolclass=NullPool)
    with killer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": gone}).scalar()
    killer.dispose()
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    # The read never sees the dead connection: the ping finds it closed and the pool opens one.
    assert _backend_pid(postgres_db) != gone
