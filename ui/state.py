"""Process-wide handles for pages: the database, its clock and the settings.

This is the app's composition root. `st.cache_resource` keeps one engine per URL for the whole
server process; it holds no user data, so sharing it across sessions is safe. The clock is the
wall clock; a test puts a frozen one in the session state (as it puts the signed-in actor).
"""

from __future__ import annotations

import gc
import sys

import streamlit as st
from sqlalchemy.pool import QueuePool

from db.clock import Clock, SystemClock
from db.engine import Database
from settings import Settings, get_settings

_SYSTEM_CLOCK = SystemClock()


def settings() -> Settings:
    return get_settings()


def clock() -> Clock:
    chosen = st.session_state.get("_clock")
    return chosen if chosen is not None else _SYSTEM_CLOCK


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    from db.migrate import upgrade

    upgrade(url)
    if url.startswith("sqlite"):
        # A pool, not make_engine's NullPool: every rerun reads (the identity check, then the
        # page), and a fresh SQLite connection with its PRAGMAs costs more than the query. The
        # PRAGMAs still apply to each pooled connection (they run when it is opened), and a
        # connection serves one script thread at a time.
        return Database.from_url(url, poolclass=QueuePool, pool_size=5, max_overflow=10)
    return Database.from_url(url)


def database() -> Database:
    return _database(get_settings().database_url).with_clock(clock())


_modules_frozen = 0


def freeze_imported_heap() -> None:
    """Keep the objects of imported modules out of the collection after every rerun.

    Streamlit runs a full ``gc.collect()`` after each script run (``runner.postScriptGC``) and
    holds the GIL while it does: with pandas, plotly and SQLAlchemy loaded that walked every
    object in the process, some 200 ms on each click. Objects alive when new modules have just
    been imported (module contents, caches) are moved to the permanent generation
    (``gc.freeze``), so the collection walks only what later runs create. It happens only when
    ``sys.modules`` has grown, a few times per process; reference counting still frees frozen
    objects, only reference cycles among them are never collected.
    """
    global _modules_frozen
    loaded = len(sys.modules)
    if loaded != _modules_frozen:
        gc.freeze()
        _modules_frozen = loaded
