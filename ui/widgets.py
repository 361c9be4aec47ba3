"""Widgets that own their key and return a typed value."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
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
