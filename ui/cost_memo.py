"""Model cost totals kept between reruns, for as long as the billing data does not change.

Matching billing rows to a model reads every cost line, which at a million rows cost the Models
page a third of a second on every click. The totals depend only on the billing rows (their
version, ``billing_import.data_version``, read on every rerun) and on the model's names, rules
and period (the memo's key, ``operations.cost_inputs``), never on who asks: the permission is
checked by ``operations.model_costs`` before a memo is read, and inferences are read fresh.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, MutableMapping

import streamlit as st

from db.engine import Database
from services.governance.operations import CostTotals
from services.spend import billing_import

MAX_ENTRIES = 1024


class CostMemo:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: tuple[int, ...] | None = None
        self._totals: dict[Hashable, CostTotals] = {}

    def for_version(self, version: tuple[int, ...]) -> MutableMapping[Hashable, CostTotals]:
        """The totals computed over this billing data version (a new, empty memo after any
        import, undo or vendor change)."""
        with self._lock:
            if version != self._version or len(self._totals) > MAX_ENTRIES:
                self._version, self._totals = version, {}
            return self._totals


@st.cache_resource(show_spinner=False)
def _memo(url: str) -> CostMemo:
    return CostMemo()


def cost_memo_key(db: Database) -> tuple[int, ...]:
    """The billing data version: it changes with any import, undo or vendor change."""
    return billing_import.data_version(db)


def cost_memo(db: Database) -> MutableMapping[Hashable, CostTotals]:
    return _memo(db.engine.url.render_as_string()).for_version(cost_memo_key(db))
