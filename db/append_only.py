"""The audit trail is append-only in the database itself, not only by convention in code.

Triggers refuse every UPDATE and DELETE of ``auditevent`` (and TRUNCATE on Postgres), so a bug,
a hand-written SQL statement or a compromised page cannot rewrite history. On SQLite an
``INSERT OR REPLACE`` / ``REPLACE`` deletes the old row *without* firing delete triggers (unless
``recursive_triggers`` is on), so a BEFORE INSERT trigger refuses an insert that names an id
already taken; Postgres has no REPLACE, and its ``ON CONFLICT DO UPDATE`` fires the UPDATE
trigger.

The triggers are created by a listener on *every* ``Table``'s ``after_create`` event, filtered by
name. That one hook covers both ways the table comes to exist: ``metadata.create_all`` (tests,
tools) and Alembic's ``op.create_table`` in the initial migration, which dispatches the same
event on its own ``Table`` object. So the single regenerated initial migration needs no hand
edit, and ``alembic check`` stays clean (Alembic does not compare triggers).

Caveat for a future migration that alters ``auditevent`` on SQLite in batch mode (copy and
rename): re-run ``install(connection)`` afterwards, because the copy has no triggers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, event

TABLE = "auditevent"
MESSAGE = "auditevent is append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END",
    f"CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END",
    f"CREATE TRIGGER IF NOT EXISTS auditevent_no_replace BEFORE INSERT ON {TABLE} "
    f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {TABLE} WHERE id = NEW.id) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: REPLACE refused'); END",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS auditevent_no_update",
    "DROP TRIGGER IF EXISTS auditevent_no_delete",
    "DROP TRIGGER IF EXISTS auditevent_no_replace",
]

_PG_CREATE = [
    "CREATE OR REPLACE FUNCTION opsdesk_auditevent_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused', "
    "ERRCODE = 'insufficient_privilege'; "
    "END $$",
    f"DROP TRIGGER IF EXISTS auditevent_append_only ON {TABLE}",
    # Statement level: fires for UPDATE and DELETE even when no row matches, and for TRUNCATE
    # (which row-level triggers never see).
    f"CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION opsdesk_auditevent_append_only()",
]
_PG_DROP = [f"DROP TRIGGER IF EXISTS auditevent_append_only ON {TABLE}"]


def _statements(dialect: str, *, create: bool) -> list[str]:
    if dialect == "sqlite":
        return _SQLITE_CREATE if create else _SQLITE_DROP
    if dialect == "postgresql":
        return _PG_CREATE if create else _PG_DROP
    raise RuntimeError(f"no append-only guard for the {dialect} dialect")


def install(connection: Connection) -> None:
    """Create the triggers (idempotent)."""
    for statement in _statements(connection.dialect.name, create=True):
        connection.exec_driver_sql(statement)


def uninstall(connection: Connection) -> None:
    """Drop the triggers; for tests and a deliberate, manual repair only (nothing calls it)."""
    for statement in _statements(connection.dialect.name, create=False):
        connection.exec_driver_sql(statement)


def is_installed(connection: Connection) -> bool:
    if connection.dialect.name == "sqlite":
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
        return bool(connection.exec_driver_sql(sql, (TABLE,)).scalar())
    sql = (
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'auditevent_append_only' "
        "AND NOT tgisinternal"
    )
    return bool(connection.exec_driver_sql(sql).scalar())


@event.listens_for(Table, "after_create")
def _guard_audit_table(table: Table, connection: Connection, **_kw: Any) -> None:
    if table.name == TABLE:
        install(connection)
