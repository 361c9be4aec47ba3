"""Forms that keep what was typed when a value is refused, and start empty after a save.

``clear_on_submit`` empties a form on every submit, also when the service refused one value
and nothing was saved. Instead a new-record form is keyed by a counter that moves on only
after a successful save: a refusal keeps every field as typed.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.guard import save_and_rerun


def _counter(name: str) -> str:
    return f"_form_round_{name}"


def new_form_key(name: str) -> str:
    """The key of the ``name`` form for this round (use it for the form and its widgets)."""
    return f"{name}_{st.session_state.get(_counter(name), 0)}"


def save_new(name: str, change: Callable[[], object], done: str) -> None:
    """Save from the ``name`` form; on success the next run draws it empty."""
    counter = _counter(name)
    round_now = st.session_state.get(counter, 0)
    st.session_state[counter] = round_now + 1
    save_and_rerun(change, done)
    st.session_state[counter] = round_now  # refused: the fields keep what was typed


def attempt(change: Callable[[], object], done: str) -> object | None:
    """Run one service call and say ``done``; a refusal or a ValueError is shown and None
    returned. For changes whose result the page uses (a new record's id) before rerunning."""
    from ui.guard import allowed
    from ui.text import md_escape

    with allowed():
        try:
            result = change()
        except ValueError as exc:
            st.error(md_escape(exc))
            return None
    st.toast(md_escape(done))
    return True if result is None else result
