"""Many new rows of one table in one statement, with the defaults the model would give them.

Building an ORM object per row costs far more than writing the row (SQLModel sets every field
through pydantic and SQLAlchemy's instrumentation); a pass that creates thousands of rows it
never reads back builds plain column values instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import insert
from sqlmodel import Session, SQLModel

_Defaults = list[tuple[str, Any, Callable[[], Any] | None]]
_DEFAULTS: dict[type[SQLModel], _Defaults] = {}


def _defaults(model: type[SQLModel]) -> _Defaults:
    if model not in _DEFAULTS:
        _DEFAULTS[model] = [
            (name, field.default, field.default_factory)  # type: ignore[misc]
            for name, field in model.model_fields.items()
            if name != "id"
            and (field.default is not PydanticUndefined or field.default_factory is not None)
        ]
    return _DEFAULTS[model]


def values(model: type[SQLModel], **given: Any) -> dict[str, Any]:
    """``given`` with the model's defaults for every other column (factories called, as a new
    instance would)."""
    out = dict(given)
    for name, default, factory in _defaults(model):
        if name not in out:
            out[name] = factory() if factory is not None else default
    return out


def insert_all(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (from ``values``) in the session's transaction."""
    if rows:
        session.flush()  # a Core statement skips autoflush; pending ORM rows go first
        session.connection().execute(insert(model.__table__), list(rows))  # type: ignore[attr-defined]


def insert_returning(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], key: str
) -> dict[Any, int]:
    """Insert ``rows`` and return each new id by the row's ``key`` column, which must differ
    between the rows (asking for the ids in row order would cost SQLite a statement per row)."""
    if not rows:
        return {}
    session.flush()
    table = model.__table__  # type: ignore[attr-defined]
    stmt = insert(table).returning(table.c[key], table.c.id)
    return {found: row_id for found, row_id in session.connection().execute(stmt, list(rows))}
