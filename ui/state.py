"""Process-wide handles for pages: the database, its clock and the settings.

This is the app's composition root. `st.cache_resource` keeps one engine per URL for the whole
server process; it holds no user data, so sharing it across sessions is safe. The clock is the
wall clock; a test puts a frozen one in the session state (as it puts the signed-in actor).
"""

from __future__ import annotations

import streamlit as st

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
    return Database.from_url(url)


def database() -> Database:
    return _database(get_settings().database_url).with_clock(clock())
