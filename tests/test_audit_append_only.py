"""The audit trail is append-only in the database itself: UPDATE and DELETE are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.append_only import is_installed
from db.engine import Database
from db.migrate import upgrade
from db.models import AuditEvent, metadata
from services.access import audit
from tests.conftest import actor


def _one_event(db: Database) -> None:
    with db.write() as session:
        audit.record(session, actor("admin"), "create", "vendor", 1, after={"name": "Acme"})


def test_migrations_install_the_append_only_triggers(db: Database) -> None:
    with db.engine.connect() as conn:
        assert is_installed(conn)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE auditevent SET actor = 'someone-else'",
        "UPDATE auditevent SET detail = 'rewritten' WHERE id = 1",
        "DELETE FROM auditevent",
        "DELETE FROM auditevent WHERE id = 1",
    ],
)
def test_update_or_delete_of_an_audit_event_is_refused(db: Database, statement: str) -> None:
    _one_event(db)
    with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
        session.execute(text(statement))
    with db.read() as session:
        rows = session.execute(text("SELECT actor, detail FROM auditevent")).all()
    assert rows == [("admin@example.com", None)]


def test_truncate_of_the_audit_trail_is_refused_on_postgres(postgres_db: Database) -> None:
    _one_event(postgres_db)
    with pytest.raises(DBAPIError, match="append-only"), postgres_db.write() as session:
        session.execute(text("TRUNCATE auditevent"))


def test_an_orm_edit_of_an_audit_event_is_refused(db: Database) -> None:
    _one_event(db)
    with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
        event = session.get(AuditEvent, 1)
        assert event is not None
        event.actor = "forged"
        session.add(event)


def test_inserting_audit_events_still_works(db: Database) -> None:
    _one_event(db)
    _one_event(db)
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM auditevent")).scalar_one() == 2


def test_dropping_every_table_and_upgrading_again_restores_the_guard(db: Database) -> None:
    """A schema rebuilt by hand (drop_all, then the migrations) gets the guard back."""
    _one_event(db)
    url = db.engine.url.render_as_string(hide_password=False)
    db.engine.dispose()
    with db.engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.engine.dispose()
    upgrade(url)
    with db.engine.connect() as conn:
        assert is_installed(conn)
    _one_event(db)
    with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
        session.execute(text("DELETE FROM auditevent"))


def test_create_all_also_installs_the_guard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fresh = Database.from_url(f"sqlite:///{tmp_path / 'fresh.db'}")
    metadata.create_all(fresh.engine)
    with fresh.engine.connect() as conn:
        assert is_installed(conn)
    fresh.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR REPLACE INTO auditevent (id, at, actor, action, record_type) "
        "VALUES (1, '2026-01-01 00:00:00', 'forger', 'create', 'vendor')",
        "REPLACE INTO auditevent (id, at, actor, action, record_type) "
        "VALUES (1, '2026-01-01 00:00:00', 'forger', 'create', 'vendor')",
        "INSERT INTO auditevent (id, at, actor, action, record_type) "
        "VALUES (1, '2026-01-01 00:00:00', 'forger', 'create', 'vendor') "
        "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
    ],
)
def test_replace_or_upsert_of_an_audit_event_is_refused_on_sqlite(
    sqlite_db: Database, statement: str
) -> None:
    _one_event(sqlite_db)
    with pytest.raises(DBAPIError, match="append-only"), sqlite_db.write() as session:
        session.execute(text(statement))
    with sqlite_db.read() as session:
        rows = session.execute(text("SELECT id, actor FROM auditevent")).all()
    assert rows == [(1, "admin@example.com")]


def test_upsert_of_an_audit_event_is_refused_on_postgres(postgres_db: Database) -> None:
    _one_event(postgres_db)
    statement = (
        "INSERT INTO auditevent (id, at, actor, action, record_type) "
        "VALUES (1, now(), 'forger', 'create', 'vendor') "
        "ON CONFLICT (id) DO UPDATE SET actor = excluded.actor"
    )
    with pytest.raises(DBAPIError, match="append-only"), postgres_db.write() as session:
        session.execute(text(statement))
    with postgres_db.read() as session:
        rows = session.execute(text("SELECT id, actor FROM auditevent")).all()
    assert rows == [(1, "admin@example.com")]


def test_a_database_made_before_the_replace_guard_gets_it_on_upgrade(sqlite_db: Database) -> None:
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER auditevent_no_replace")
    upgrade(sqlite_db.engine.url.render_as_string(hide_password=False))
    _one_event(sqlite_db)
    with pytest.raises(DBAPIError, match="append-only"), sqlite_db.write() as session:
        session.execute(
            text(
                "REPLACE INTO auditevent (id, at, actor, action, record_type) "
                "VALUES (1, '2026-01-01 00:00:00', 'forger', 'create', 'vendor')"
            )
        )
