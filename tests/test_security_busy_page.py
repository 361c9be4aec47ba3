"""A save while another process holds the SQLite write lock past the busy timeout shows
"busy, try again" on the page, never Streamlit's crash page, and writes nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from db.engine import BUSY_TIMEOUT_MS, Database
from db.models import ActionItem
from services.access.access import Actor
from tests.conftest import assert_no_exception, run_page

VA = Actor(email="va@example.com", role="va")

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def _hold_lock_in_another_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_quick_add_while_the_write_lock_is_held_past_the_timeout_says_busy(
    app_env: Database,
) -> None:
    at = run_page("actions.py", VA)
    assert_no_exception(at)
    at.text_input(key="actions_quick_add_0_text").input("Send the DPA")
    path = Path(str(app_env.engine.url.database))
    holder = _hold_lock_in_another_process(path, BUSY_TIMEOUT_MS / 1000 + 3)
    started = time.monotonic()
    try:
        at.button(key="actions_quick_submit").click().run(timeout=60)
    finally:
        holder.wait(30)
    assert time.monotonic() - started >= BUSY_TIMEOUT_MS / 1000
    assert_no_exception(at)
    assert any("busy" in e.value and "try again" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    with app_env.read() as s:
        assert s.exec(select(ActionItem)).all() == []
