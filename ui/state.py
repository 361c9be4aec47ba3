"""Process-wide handles for pages: the database and the settings.

`st.cache_resource` keeps one Database per URL for the whole server process; it holds no user
data, so sharing it across sessions is safe.
"""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    from db.migrate import upgrade

    upgrade(url)
    return Database.from_url(url)


def database() -> Database:
    return _database(get_settings().database_url)
