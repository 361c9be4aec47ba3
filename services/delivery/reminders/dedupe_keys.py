"""The dedupe keys a kind's records already have in the outbox, read before planning them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy import select as sa_select
from sqlmodel import Session

from db import bulk
from db.models import Notification

_NOTIFICATION = bulk.table_of(Notification)
# Ids written as numbers into one statement, this many at most.
ID_BATCH = 5000


def existing_keys(
    session: Session, kind: str, record_type: str, record_ids: list[int] | Select[Any]
) -> set[str]:
    """The dedupe keys of ``kind`` the records already have: ids given as a list, or as a query
    of them (one statement, however many there are)."""
    n = _NOTIFICATION.c
    if not isinstance(record_ids, list):
        of_kind = sa_select(n.dedupe_key).where(n.record_type == record_type, n.kind == kind)
        return set(session.execute(of_kind.where(n.record_id.in_(record_ids))).scalars())
    # The ids written into the statement as numbers (int() of each, so nothing else can get in;
    # the kind and record type stay bound parameters): SQLAlchemy would bind an IN list of
    # thousands one parameter at a time, costing a planning pass more than the query does.
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    table = connection.dialect.identifier_preparer.quote(_NOTIFICATION.name)
    keys: set[str] = set()
    for start in range(0, len(record_ids), ID_BATCH):
        ids = ",".join(str(int(i)) for i in record_ids[start : start + ID_BATCH])
        keys.update(
            key
            for (key,) in connection.exec_driver_sql(
                f"SELECT dedupe_key FROM {table} "
                f"WHERE record_type = {mark} AND kind = {mark} AND record_id IN ({ids})",
                (record_type, kind),
            )
        )
    return keys
