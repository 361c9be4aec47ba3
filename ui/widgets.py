"""Widgets that own their key and return a typed value."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar, cast

import streamlit as st

K = TypeVar("K", bound=Hashable)


def select_one(label: str, options: Mapping[K, str], *, current: K | None = None, key: str) -> K:
    """A selectbox over ``options`` (value -> label), starting at ``current`` when it is one."""
    values = list(options)
    index = values.index(current) if current is not None and current in options else 0
    chosen: K | None = st.selectbox(
        label, values, index=index if values else None, format_func=options.__getitem__, key=key
    )
    # None only for an empty ``options``; every caller shows its empty state before that.
    return cast(K, chosen)


def keeping(options: Mapping[K, str], current: K | None, label: str) -> dict[K, str]:
    """``options`` with ``current`` added (as ``label``) when it is no longer among them: a
    select falling back to its first option would change the record on any save."""
    kept = dict(options)
    if current is not None and current not in kept:
        kept[current] = label
    return kept


def select_optional(
    label: str, options: Mapping[K, str], *, current: K | None = None, key: str, placeholder: str
) -> K | None:
    """A selectbox that starts empty (``placeholder``) unless editing a record: a new record
    never gets a value the person did not pick."""
    values = list(options)
    chosen: K | None = st.selectbox(
        label,
        values,
        index=values.index(current) if current is not None and current in options else None,
        format_func=options.__getitem__,
        placeholder=placeholder,
        key=key,
    )
    return chosen


def opened_version(form: str, version: int) -> int:
    """The record version an edit form showed when this user opened it.

    Pages key an edit form ``f"{form}_{opened}"`` and save with ``expected_version=opened``. Keying
    it by the version read on *this* run instead would redraw a form opened before someone
    else's save as a new, unsubmitted form: the later save was dropped and its author told
    nothing. Kept while the form's widgets live (Streamlit drops the state of widgets not drawn),
    so a form opened afresh shows, and saves against, the current version.
    """
    key = f"_opened_version_{form}"
    opened = st.session_state.get(key)
    if opened is not None and any(str(k).startswith(f"{form}_{opened}_") for k in st.session_state):
        return int(opened)
    st.session_state[key] = version
    return version


def forget_opened(form: str) -> None:
    """After a save attempt: the next run opens the form afresh on the current version."""
    st.session_state.pop(f"_opened_version_{form}", None)


def lazy_expander(
    label: str, draw: Callable[[], object], *, key: str, expanded: bool = False
) -> None:
    """An expander whose content runs only while it is open.

    A closed ``st.expander`` still runs, sends and mounts everything inside it: a form of eight
    fields in a closed expander cost the browser nearly as much as the same form drawn open
    (~75 ms of renderer time on every visit to the page). Opening this one reruns the page
    (``on_change="rerun"``), which then draws the content; its open state lives in the session
    under ``key`` (a test opens it by setting that key to True). ``expanded`` opens it on the
    session's first view only: passed to the expander itself, its change (say, once the first
    record exists) would close the section under the person using it.
    """
    if expanded and key not in st.session_state:
        st.session_state[key] = True
    box = st.expander(label, key=key, on_change="rerun")
    if box.open:
        with box:
            draw()


def lazy_tabs(
    parts: Mapping[str, Callable[[], object]], *, key: str, bind_query: bool = False
) -> None:
    """Tabs (label -> draw) of which only the open one runs.

    Switching tabs reruns the page, which then draws the tab now open: drawing every tab on
    each load was most of a page's time (seven spend tabs over a large workspace; both contract
    tables and both contract forms with thousands of contracts; a model card's draft form).
    ``bind_query`` keeps the open tab in the URL (``?{key}=...``); without it the open tab
    lives in the session under ``key`` (a test picks one by setting that key to its label).
    """
    labels = list(parts)
    tabs = (
        st.tabs(labels, key=key, bind="query-params")
        if bind_query
        else st.tabs(labels, key=key, on_change="rerun")
    )
    for tab, draw in zip(tabs, parts.values(), strict=True):
        if tab.open:
            with tab:
                draw()


CLEARED = "_cleared_pickers"


def clear_pickers(keys: Iterable[str]) -> None:
    """Forget these pickers' choices once a save has used them: the next run shows them empty.

    Removing a widget's state on the server is not enough: the browser kept showing the record
    just saved (a decided renewal, no longer offered) above no form. So the keys are also noted,
    and the next run sets each to None before its widget exists, which the browser is sent."""
    keys = tuple(keys)
    for key in keys:
        st.session_state.pop(key, None)
    if keys:
        st.session_state[CLEARED] = keys


def empty_cleared_pickers() -> None:
    """Called at the top of every page run (``ui.auth.require_actor``), before any widget."""
    for key in st.session_state.pop(CLEARED, ()):
        st.session_state[key] = None
