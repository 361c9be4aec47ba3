"""Child-process entry points, so each measurement runs in its own interpreter (clean peak memory).

python -m bench.tasks pandas-import URL FILE    the baseline: pandas.read_csv + DataFrame.to_sql
python -m bench.tasks plan-reminders URL        one first planning pass (reminders.plan_all)
python -m bench.tasks bulk-insert PLANNED BASE NOTIFIED ALL
    the planning baseline: the rows PLANNED gained over BASE, inserted by the driver's
    executemany in one transaction into NOTIFIED (notifications only) and ALL (every table the
    pass wrote), both copies of BASE

The baseline is the script a user would write: on SQLite, ``to_sql`` over a plain ``sqlite3``
connection (pandas' own fast path, about seven times faster than through a SQLAlchemy engine);
on Postgres, where pandas takes no plain DBAPI connection, through a SQLAlchemy engine.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def pandas_import(url: str, path: str) -> int:
    import pandas as pd
    from sqlalchemy import create_engine

    start = time.perf_counter()
    frame = pd.read_csv(path)
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        frame.to_sql("focus_pandas", conn, index=False, if_exists="replace")
        conn.commit()
        conn.close()
    else:
        engine = create_engine(url)
        frame.to_sql("focus_pandas", engine, index=False, if_exists="replace")
        engine.dispose()
    print(f"pandas: {len(frame)} rows in {time.perf_counter() - start:.3f} s")
    return 0


def plan_reminders(url: str) -> int:
    import gc
    import json
    from datetime import UTC, datetime

    from sqlalchemy.orm import configure_mappers

    from db.engine import Database
    from services.delivery import reminders

    db = Database.from_url(url)
    # As `opsdesk remind` and `opsdesk worker` do once their modules are loaded (their
    # _settle_heap): the mappers configured, then everything alive frozen.
    configure_mappers()
    gc.freeze()
    start = time.perf_counter()
    planned = reminders.plan_all(db, datetime.now(UTC))
    seconds = time.perf_counter() - start
    db.dispose()
    print(json.dumps({"seconds": seconds, "planned": planned}))
    return 0


Rows = dict[str, tuple[list[str], list[Any]]]
# What a first planning pass writes, table by table (the outbox first).
PLANNED_TABLES = ("notification", "meeting", "meetingattendee", "agendaitem", "auditevent")


def _driver(url: str) -> Any:
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.split("///", 1)[1])
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))


def _new_rows(planned: str, base: str) -> Rows:
    """Each table's rows in PLANNED that BASE does not have (by id), with their columns."""
    out: Rows = {}
    before, after = _driver(base), _driver(planned)
    try:
        for table in PLANNED_TABLES:
            high = before.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            cursor = after.execute(f"SELECT * FROM {table} WHERE id > {int(high)}")
            columns = [d[0] for d in cursor.description]
            out[table] = (columns, cursor.fetchall())
    finally:
        before.close()
        after.close()
    return out


def _insert(
    url: str, rows: dict[str, tuple[list[str], list[Any]]], tables: tuple[str, ...]
) -> float:
    """Seconds to insert ``tables``' rows with executemany, one transaction, commit included."""
    conn = _driver(url)
    mark = "?" if url.startswith("sqlite") else "%s"
    try:
        start = time.perf_counter()
        cursor = conn.cursor()
        for table in tables:
            columns, values = rows[table]
            if values:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join([mark] * len(columns))})",
                    values,
                )
        conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()


def bulk_insert(planned: str, base: str, notified: str, every: str) -> int:
    import json

    rows = _new_rows(planned, base)
    result = {
        "notifications": _insert(notified, rows, PLANNED_TABLES[:1]),
        "all": _insert(every, rows, PLANNED_TABLES),
        "rows": {table: len(found[1]) for table, found in rows.items()},
    }
    print(json.dumps(result))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["pandas-import"] and len(argv) == 3:
        return pandas_import(argv[1], argv[2])
    if argv[:1] == ["plan-reminders"] and len(argv) == 2:
        return plan_reminders(argv[1])
    if argv[:1] == ["bulk-insert"] and len(argv) == 5:
        return bulk_insert(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
