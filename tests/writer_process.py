"""A user editing, for the backup-during-writes test: until STOP_FILE exists, each transaction
adds a vendor and edits the first one, each change audited in the same transaction.

Usage: python tests/writer_process.py DATABASE_URL STOP_FILE NOW_ISO
Prints how many transactions it committed.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from db.clock import FrozenClock
from db.engine import Database
from db.models import Vendor
from services.access import audit
from services.access.access import Actor

EDITOR = Actor(email="editor@example.com", role="va")


def one_edit(db: Database, n: int) -> None:
    with db.write() as session:
        added = Vendor(name=f"Writer vendor {n:05d}", category="other")
        session.add(added)
        session.flush()
        audit.record(session, EDITOR, "create", "vendor", added.id, after=audit.snapshot(added))
        first = session.exec(select(Vendor).order_by(Vendor.id)).first()  # type: ignore[arg-type]
        assert first is not None
        audit.apply_change(session, EDITOR, first, "vendor", {"notes": f"edit {n}"})


def main() -> None:
    url, stop_file, now = sys.argv[1:4]
    db = Database.from_url(url, clock=FrozenClock(datetime.fromisoformat(now)))
    n = 0
    while not Path(stop_file).exists():
        one_edit(db, n)
        n += 1
        time.sleep(0.02)
    print(n)


if __name__ == "__main__":
    main()
