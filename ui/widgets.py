"""Widgets that own their key and return a typed value."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

import streamlit as st

K = TypeVar("K", bound=Hashable)


def select_one(label: str, options: Mapping[K, str], *, current: K | None = None, key: str) -> K:
    """A selectbox over ``options`` (value -> label), starting at ``current`` when it is one."""
    values = list(options)
    index = values.index(current) if current in options else 0
    chosen: K = st.selectbox(
        label, values, index=index if values else None, format_func=options.__getitem__, key=key
    )
    return chosen


def select_optional(
    label: str, options: Mapping[K, str], *, current: K | None = None, key: str, placeholder: str
) -> K | None:
    """A selectbox that starts empty (``placeholder``) unless editing a record: a new record
    never gets a value the person did not pick."""
    values = list(options)
    chosen: K | None = st.selectbox(
        label,
        values,
        index=values.index(current) if current in options else None,
        format_func=options.__getitem__,
        placeholder=placeholder,
        key=key,
    )
    return chosen
