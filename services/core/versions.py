"""Memo keys: the shape of the tables a view reads, in one statement (one round trip a page).

Rows come and go with a table's count and top id; versioned rows bump ``version`` on every edit.
A change made in place without a version still records an audit event, whose top id moves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ScalarSelect, func, select

from db.engine import Database


def shape(table: Any, *, versioned: bool = True) -> list[ScalarSelect[Any]]:
    """The count and top id of ``table``'s rows, and the sum of their versions."""
    parts = [func.count(), func.max(table.id)]
    if versioned:
        parts.append(func.sum(table.version))
    return [select(part).select_from(table).scalar_subquery() for part in parts]


def top_id(table: Any) -> ScalarSelect[Any]:
    return select(func.max(table.id)).scalar_subquery()


def read_version(db: Database, parts: list[ScalarSelect[Any]]) -> tuple[int, ...]:
    with db.read() as session:
        row = session.execute(select(*parts)).one()
    return tuple(int(v or 0) for v in row)
