"""Child-process entry points, so each measurement runs in its own interpreter (clean peak memory).

python -m bench.tasks pandas-import URL FILE    the baseline: pandas.read_csv + DataFrame.to_sql

The baseline is the script a user would write: on SQLite, ``to_sql`` over a plain ``sqlite3``
connection (pandas' own fast path, about seven times faster than through a SQLAlchemy engine);
on Postgres, where pandas takes no plain DBAPI connection, through a SQLAlchemy engine.
"""

from __future__ import annotations

import sys
import time


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
    import json
    from datetime import UTC, datetime

    from db.engine import Database
    from services.delivery import reminders

    db = Database.from_url(url)
    start = time.perf_counter()
    planned = reminders.plan_all(db, datetime.now(UTC))
    seconds = time.perf_counter() - start
    db.dispose()
    print(json.dumps({"seconds": seconds, "planned": planned}))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["pandas-import"] and len(argv) == 3:
        return pandas_import(argv[1], argv[2])
    if argv[:1] == ["plan-reminders"] and len(argv) == 2:
        return plan_reminders(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
