"""Forms that keep what was typed when a value is refused, and start empty after a save.

``clear_on_submit`` empties a form on every submit, also when the service refused one value
and nothing was saved. Instead a new-record form is keyed by a counter that moves on only
after a successful save: a refusal keeps every field as typed. An edit form is keyed by the
record and the version it was opened at, and saves against that version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import streamlit as st

from ui.guard import save_and_rerun
from ui.text import md_escape
from ui.widgets import forget_opened, opened_version

F = TypeVar("F")


def _counter(name: str) -> str:
    return f"_form_round_{name}"


def new_form_key(name: str) -> str:
    """The key of the ``name`` form for this round (use it for the form and its widgets)."""
    return f"{name}_{st.session_state.get(_counter(name), 0)}"


def next_round(name: str) -> None:
    """The ``name`` form was saved by the caller's own code: the next run draws it empty."""
    st.session_state[_counter(name)] = st.session_state.get(_counter(name), 0) + 1


def save_new(
    name: str, change: Callable[[], object], done: str, *, clear: Iterable[str] = ()
) -> None:
    """Save from the ``name`` form; on success the next run draws it empty (and forgets the
    ``clear`` keys of widgets outside the form, as ``save_and_rerun`` does)."""
    counter = _counter(name)
    round_now = st.session_state.get(counter, 0)
    st.session_state[counter] = round_now + 1
    save_and_rerun(change, done, clear=clear)
    st.session_state[counter] = round_now  # refused: the fields keep what was typed


def add_form(
    name: str,
    fields: Callable[[str], F | None],
    create: Callable[[F], object],
    *,
    submit: str,
    done: str,
    missing: str = "",
    submit_key: str | None = None,
) -> None:
    """The ``name`` form that adds a record: ``fields(key)`` draws the fields (keyed under
    ``key``) and returns what ``create`` takes, or None while a required one is missing: then
    ``missing`` (given wherever ``fields`` can return None) is shown and nothing is saved. A save
    starts the next round empty (``save_new``)."""
    with st.form(key := new_form_key(name)):
        data = fields(key)
        if st.form_submit_button(submit, type="primary", key=submit_key):
            if data is None:
                st.error(missing)
            else:
                save_new(name, lambda: create(data), done)


def edit_form(
    name: str,
    record_id: int,
    version: int,
    fields: Callable[[str], F | None],
    save: Callable[[F, int], object],
    *,
    submit_key: str | None = None,
    submit: str = "Save changes",
    primary: bool = False,
    done: str = "Saved",
) -> int:
    """The ``name`` form that edits one record at ``version``: ``fields(prefix)`` draws the
    fields (keyed under ``prefix``) and returns what to save, or None to save nothing;
    ``save(data, opened)`` passes ``opened`` on as the expected version, so that a save made by
    someone else since this user opened the form is refused, never overwritten (see
    ``opened_version`` for why the form is keyed by the version it was opened at). ``submit``
    labels the button and ``done`` is said after a save. Returns the opened version, for
    buttons beside the form that act on the same record (keyed under the same prefix)."""
    form = f"{name}_{record_id}"
    opened = opened_version(form, version)
    refused = f"_refused_{form}"
    with st.form(prefix := f"{form}_{opened}"):
        data = fields(prefix)
        submitted = st.form_submit_button(
            submit, key=submit_key, type="primary" if primary else "secondary"
        )
        if submitted and data is not None:
            forget_opened(form)
            st.session_state.pop(refused, None)
            message = save_and_rerun(lambda: save(data, opened), done)
            # Kept for the form as it opens next (at the version read now) until the next save:
            # a double click's second click reruns the page before the refusal is read, and
            # the form then stood there unsaved without a word.
            st.session_state[refused] = (version, message)
        elif (last := st.session_state.get(refused)) and last[0] == opened:
            st.error(md_escape(last[1]))
    return opened


def attempt(change: Callable[[], object], done: str) -> object | None:
    """Run one service call and say ``done``; a refusal or a ValueError is shown and None
    returned. For changes whose result the page uses (a new record's id) before rerunning."""
    from ui.guard import allowed

    with allowed():
        try:
            result = change()
        except ValueError as exc:
            st.error(md_escape(exc))
            return None
    st.toast(md_escape(done))
    return True if result is None else result
