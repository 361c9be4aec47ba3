"""Many new rows of one table in one statement, with the defaults the model would give them.

Building an ORM object per row costs far more than writing the row (SQLModel sets every field
through pydantic and SQLAlchemy's instrumentation); a pass that creates thousands of rows it
never reads back builds plain column values instead. They go to the driver's own executemany:
SQLAlchemy's multi-row VALUES statements are new SQL text for psycopg to parse at every batch
(most of a large insert's time on Postgres), and cost SQLite a bound-parameter pass per row;
rows with no conflict to skip go to Postgres by COPY.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel

# A model's constant defaults, and the columns whose default a factory makes.
_Defaults = tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]
_DEFAULTS: dict[type[SQLModel], _Defaults] = {}


def _defaults(model: type[SQLModel]) -> _Defaults:
    if model not in _DEFAULTS:
        constants: dict[str, Any] = {}
        factories: list[tuple[str, Callable[[], Any]]] = []
        for name, field in model.model_fields.items():
            if name == "id":
                continue
            if field.default_factory is not None:
                factories.append((name, field.default_factory))  # type: ignore[arg-type]
            elif field.default is not PydanticUndefined:
                constants[name] = field.default
        _DEFAULTS[model] = (constants, factories)
    return _DEFAULTS[model]


def values(model: type[SQLModel], **given: Any) -> dict[str, Any]:
    """``given`` with the model's defaults for every other column (factories called, as a new
    instance would)."""
    constants, factories = _defaults(model)
    out = constants | given
    for name, factory in factories:
        if name not in given:
            out[name] = factory()
    return out


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _statement(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict_key: str | None
) -> tuple[str, list[tuple[Any, ...]], list[str]]:
    """The INSERT text in the driver's parameter style and each row's values, converted by
    the columns' own types as SQLAlchemy would (aware times to UTC, exact money as text)."""
    dialect = session.connection().dialect
    names = list(rows[0])
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"{table.name}: every row must give the same columns")
    # Column by column: each column's values taken from every row at once. Times and dates
    # many rows share (the same send time, the same stamp) are converted once per distinct
    # value; anything else value by value, since equal values can convert differently
    # (Decimal("1.0") and Decimal("1.00") are equal, but not the same money text).
    columns = [list(map(itemgetter(name), rows)) for name in names]
    for i, name in enumerate(names):
        process = table.c[name].type._cached_bind_processor(dialect)
        if process is None:
            continue
        distinct = set(columns[i])
        if all(value is None or isinstance(value, date) for value in distinct):
            converted_values = {value: process(value) for value in distinct}
            columns[i] = list(map(converted_values.__getitem__, columns[i]))
        else:
            columns[i] = list(map(process, columns[i]))
    converted = list(zip(*columns, strict=True))
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    if conflict_key:
        sql += f" ON CONFLICT ({quote(conflict_key)}) DO NOTHING"
    return sql, converted, names


def insert_all(
    session: Session,
    model: type[SQLModel] | Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_key: str | None = None,
) -> int:
    """Insert ``rows`` (from ``values``) in the session's transaction, skipping those whose
    ``conflict_key`` exists already; returns how many were inserted."""
    if not rows:
        return 0
    table = model if isinstance(model, Table) else table_of(model)
    session.flush()  # a driver statement skips autoflush; pending ORM rows go first
    sql, params, names = _statement(session, table, rows, conflict_key)
    connection = session.connection().execution_options(preserve_rowcount=True)
    if conflict_key is None and connection.dialect.name == "postgresql":
        # Nothing to skip: COPY, Postgres's own bulk load, several times faster than INSERTs.
        quote = connection.dialect.identifier_preparer.quote
        driver: Any = connection.connection.dbapi_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(
                f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
            ) as copy,
        ):
            for row in params:
                copy.write_row(row)
        return len(params)
    # Both drivers sum the rows each execution inserted (a conflicting row adds nothing).
    return int(connection.exec_driver_sql(sql, params).rowcount)


def insert_returning(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], key: str
) -> dict[Any, int]:
    """Insert ``rows`` and return each new id by the row's ``key`` column, which must differ
    between the rows (asking for the ids in row order would cost SQLite a statement per row)."""
    if not rows:
        return {}
    session.flush()
    table = table_of(model)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Take the ids from the table's sequence, then COPY the rows with them.
        sequence = connection.exec_driver_sql(
            "SELECT pg_get_serial_sequence(%s, 'id')", (table.name,)
        ).scalar_one()
        ids = connection.exec_driver_sql(
            "SELECT nextval(%s) FROM generate_series(1, %s)", (sequence, len(rows))
        ).scalars()
        numbered = [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)]
        insert_all(session, table, numbered)
        return {row[key]: row["id"] for row in numbered}
    # SQLite's executemany takes no RETURNING. The caller's write transaction holds the
    # database's only write lock (BEGIN IMMEDIATE), so the rows above the highest id before
    # the insert are these rows and no others.
    highest = connection.execute(sa_select(func.max(table.c.id))).scalar() or 0
    insert_all(session, table, rows)
    found = connection.execute(
        sa_select(table.c[key], table.c.id).where(table.c.id > highest)
    ).all()
    return {found_key: row_id for found_key, row_id in found}
