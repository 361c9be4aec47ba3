"""Reading a record id from the page's query string (``?vendor=12``), the one way every page does.

A URL is typed or pasted by anyone: ``?vendor=²`` (a digit to ``str.isdigit`` but not to
``int``), 25 digits (past SQLite's 64-bit and Postgres's 32-bit integer ids) or a negative id
would otherwise reach the database and show Streamlit's crash page. Anything but a positive
ASCII integer in range is "not found".
"""

from __future__ import annotations

import re

import streamlit as st

MAX_ID = 2**31 - 1  # ids are Postgres INTEGER columns; SQLite's limit is higher
_ID = re.compile(r"[0-9]{1,10}")


def parse_id(raw: str | None) -> int | None:
    """A positive record id within range, or None for anything else."""
    if raw is None or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def id_from_query(name: str, *, what: str) -> int | None:
    """The id in ``?name=``; None when there is none. An id that cannot exist shows a plain
    "not found" with a way back to the list, and stops the page."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    record_id = parse_id(raw)
    if record_id is None:
        show_not_found(name, what)
    return record_id


def show_not_found(name: str, what: str) -> None:
    """Say the record was not found, offer the way back to the list, stop the page."""
    st.warning(f"Not found: no {what} with that id.")
    st.button(f"All {what}s", on_click=_back, args=(name,), key=f"{name}_not_found_back")
    st.stop()


def _back(name: str) -> None:
    st.query_params.pop(name, None)
