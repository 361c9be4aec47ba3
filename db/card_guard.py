"""Published model cards never change: the database refuses UPDATE of a ``modelcard`` row
whose status is ``published`` (the draft, number 0, stays editable). DELETE stays possible for
a workspace reset (``opsdesk demo --reset``, itself audited); no service deletes a card.

Installed the same way as the audit trail's guard (``db.append_only``): a listener on every
``Table``'s ``after_create``, which both ``metadata.create_all`` and the migration's
``op.create_table`` fire.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, event

TABLE = "modelcard"
MESSAGE = "a published model card is never changed; publish a new version"

_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS modelcard_published_no_update BEFORE UPDATE ON {TABLE} "
    f"WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_PG = [
    "CREATE OR REPLACE FUNCTION opsdesk_modelcard_published() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF OLD.status = 'published' THEN "
    f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}', ERRCODE = 'insufficient_privilege'; "
    "END IF; "
    "RETURN NEW; END $$",
    f"DROP TRIGGER IF EXISTS modelcard_published ON {TABLE}",
    f"CREATE TRIGGER modelcard_published BEFORE UPDATE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION opsdesk_modelcard_published()",
]


def install(connection: Connection) -> None:
    statements = _SQLITE if connection.dialect.name == "sqlite" else _PG
    for statement in statements:
        connection.exec_driver_sql(statement)


@event.listens_for(Table, "after_create")
def _guard_card_table(table: Table, connection: Connection, **_kw: Any) -> None:
    if table.name == TABLE:
        install(connection)
