"""Results derived from stored data, kept between reruns while that data does not change.

Each memo belongs to one kind of data and is emptied when that data's version changes (a cheap
aggregate the service module defines, read on every rerun). Entries are keyed by every input
that shapes them except the caller: the services check the permission before a memo is read,
and put what a role may see (money shown or hidden) in the key.

Billing: matching billing rows to a model reads every cost line, and a budget's period totals
sum the billing rollups; at a million cost lines each cost a third of a second on every click.
Both depend only on the billing data (its version, ``billing_import.data_version``, read on
every rerun: any import, undo or vendor change makes a new, empty memo) and on inputs that are
part of each entry's key (a model's names, rules and period; a budget period, currencies and cost
basis), never on who asks: the services check the permission before a memo is read, and read
everything else (budgets, inferences) fresh.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

import streamlit as st

from db.engine import Database
from services.coordination import version
from services.spend import billing_import
from services.vendors import contract_columns

MAX_ENTRIES = 1024


class VersionMemo:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._version: tuple[int, ...] | None = None
        self._entries: dict[Hashable, Any] = {}

    def for_version(self, version: tuple[int, ...]) -> dict[Hashable, Any]:
        """The entries computed over this data version."""
        with self._lock:
            if version != self._version or len(self._entries) > self._max_entries:
                self._version, self._entries = version, {}
            return self._entries


@st.cache_resource(show_spinner=False)
def _memo(url: str, kind: str) -> VersionMemo:
    return VersionMemo()


def _for(db: Database, kind: str, version: tuple[int, ...]) -> dict[Hashable, Any]:
    return _memo(db.engine.url.render_as_string(), kind).for_version(version)


def billing_version(db: Database) -> tuple[int, ...]:
    """Changes with any billing import, undo or vendor change."""
    return billing_import.data_version(db)


def billing_memo(db: Database, version: tuple[int, ...] | None = None) -> dict[Hashable, Any]:
    """The memo for the current billing data; ``version``: already read on this rerun."""
    return _for(db, "billing", version or billing_version(db))


def contracts_memo(db: Database) -> dict[Hashable, Any]:
    """The memo for the current contracts, their vendors' and owners' names, and decisions."""
    return _for(db, "contracts", contract_columns.data_version(db))


def coordination_memo(db: Database) -> dict[Hashable, Any]:
    """The memo for the current action items, their owners and teams (the review board, and
    each person's action items on My follow-ups)."""
    return _for(db, "coordination", version.data_version(db))
