"""Cached spend data for the spend pages.

Every key holds the billing data version (so an import or undo shows at once). The rows and
unmatched names are cached under the acting user's email and role too; the condensed views
are shared by every role that may read spend, as their rows are. A permission check runs
before anything cached is read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from db.engine import Database
from services.access.access import Actor, require
from services.spend import billing_import, spend
from ui.data_memo import VersionMemo, billing_version


@dataclass(frozen=True)
class SpendView:
    """What the Spend page draws, condensed once per filter and data version (small to cache)."""

    monthly: list[spend.SpendRow]  # per month, vendor, team, service and currency
    daily: list[spend.SpendRow]  # per day, vendor and currency
    anomalies: list[spend.Anomaly]
    # Figures drawn from this view, by chart, currency and cost basis: building one cost about
    # 10 ms a rerun at a hundred times the demo (Spend was the slowest page switch).
    charts: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)

    def chart(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The figure under ``key``, built on first use (figures are only read when drawn)."""
        found = self.charts.get(key)
        if found is None:
            found = self.charts[key] = build()
        return found


CACHE_SECONDS = 600


@st.cache_data(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def _rows(
    _db: Database, email: str, role: str, version: tuple[int, ...], flt: spend.SpendFilter
) -> list[spend.SpendRow]:
    return spend.spend_rows(_db, Actor(email=email, role=role), flt)


def spend_rows(db: Database, actor: Actor, flt: spend.SpendFilter) -> list[spend.SpendRow]:
    version = billing_import.data_version(db)
    return _rows(db, actor.email, actor.role, version, flt)


# Condensed views are kept in process memory, per billing data version and filter, not in
# st.cache_data: that unpickles a fresh copy on every read, which at x100 cost more than
# drawing the page. A view depends on the filter and the billing data only (spend_rows reads
# the same rows for every role that may read spend), and the permission is checked before one
# is read. Pages only read a view, never change it.
VIEW_ENTRIES = 64


@st.cache_resource(show_spinner=False)
def _views(url: str) -> VersionMemo:
    return VersionMemo(max_entries=VIEW_ENTRIES)


def spend_view(
    db: Database,
    actor: Actor,
    flt: spend.SpendFilter,
    version: tuple[int, ...] | None = None,
) -> SpendView:
    """Condensed spend for the page: totals, charts and export read these, not the raw rows.
    ``version``: the billing data version, when already read on this rerun."""
    require(db, actor, "spend.read", record_type="spend")
    memo = _views(db.engine.url.render_as_string()).for_version(version or billing_version(db))
    key = ("spend_view", flt)
    found: SpendView | None = memo.get(key)
    if found is None:
        rows = spend.spend_rows(db, actor, flt)
        daily = spend.condense(rows, by_month=False, detail=False)
        found = SpendView(spend.condense(rows, by_month=True), daily, spend.find_anomalies(daily))
        memo[key] = found
    return found


@st.cache_data(ttl=CACHE_SECONDS, max_entries=16, show_spinner=False)
def _unmatched(
    _db: Database, email: str, role: str, version: tuple[int, ...]
) -> list[billing_import.UnmatchedName]:
    return billing_import.unmatched_names(_db, Actor(email=email, role=role))


def unmatched_names(db: Database, actor: Actor) -> list[billing_import.UnmatchedName]:
    """Billing names without a vendor, read again only when billing data or vendors change."""
    require(db, actor, "spend.read", record_type="billing_import")
    return _unmatched(db, actor.email, actor.role, billing_import.data_version(db))
