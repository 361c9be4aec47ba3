"""Renewal decision agendas written by the database: the same items for every new meeting.

A pass can create thousands of decision meetings, and each gets the same four agenda items,
which differ between meetings only in their details (the deadline with its notice, the term end,
the renewal). Those details, and the item titles made from them (``item_title``, which the
meeting's calendar invite lists too), go in a temporary table, one row per meeting; one
INSERT ... SELECT then writes every meeting's items, in meeting and position order, instead of a
row of Python values per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    case,
    literal,
    true,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session

from db import bulk
from db.models import AgendaItem

_AGENDA = bulk.table_of(AgendaItem)


def item_title(heading: str, details: str) -> str:
    """An agenda item's title: its heading with the meeting's details, within the column."""
    return f"{heading}: {details}"[:300]


def insert_agendas(
    session: Session, agendas: Sequence[tuple[int, Sequence[tuple[str, str]]]]
) -> int:
    """Write each (meeting id, [(title, details), ...]) agenda; every agenda has the same titles
    in the same order. Returns how many items were written."""
    if not agendas:
        return 0
    titles = [title for title, _ in agendas[0][1]]
    facts = Table(
        "opsdesk_plan_agenda",
        MetaData(),
        Column("meeting_id", Integer, nullable=False),
        *(Column(f"details_{n}", String, nullable=False) for n in range(len(titles))),
        *(Column(f"title_{n}", String, nullable=False) for n in range(len(titles))),
        prefixes=["TEMPORARY"],
    )
    rows: list[dict[str, object]] = []
    for meeting_id, items in agendas:
        if [title for title, _ in items] != titles:
            raise ValueError(f"meeting {meeting_id}: its agenda titles differ from the others'")
        row: dict[str, object] = {"meeting_id": meeting_id}
        for n, (heading, details) in enumerate(items):
            row[f"details_{n}"] = details
            row[f"title_{n}"] = item_title(heading, details)
        rows.append(row)
    connection = session.connection()
    facts.create(connection)
    try:
        bulk.insert_all(session, facts, rows)
        return _insert_items(session, facts, len(titles))
    finally:
        facts.drop(connection)


def _insert_items(session: Session, facts: Table, count: int) -> int:
    """``count`` items per meeting, each item's title and details from the meeting's row in
    ``facts``."""
    positions = union_all(
        *(sa_select(literal(n, Integer).label("position")) for n in range(count))
    ).subquery("opsdesk_plan_positions")

    def nth(column: str) -> Any:
        return case(*((positions.c.position == n, facts.c[f"{column}_{n}"]) for n in range(count)))

    details = nth("details")
    # Every other column as a new AgendaItem has it (the model's defaults).
    defaults = bulk.values(AgendaItem, meeting_id=0, position=0, title="", details="")
    columns = {
        "meeting_id": facts.c.meeting_id,
        "position": positions.c.position,
        "title": nth("title"),
        "details": details,
    } | {
        name: literal(value, _AGENDA.c[name].type)
        for name, value in defaults.items()
        if name not in ("meeting_id", "position", "title", "details")
    }
    rows = (
        sa_select(*columns.values())
        .select_from(facts)
        .join(positions, true())
        .order_by(facts.c.meeting_id, positions.c.position)
    )
    stmt = (
        _AGENDA.insert().from_select(list(columns), rows).execution_options(preserve_rowcount=True)
    )
    return int(session.connection().execute(stmt).rowcount)
