"""Cached spend data for the spend pages.

The cache key holds the billing data version (so an import or undo shows at once) and the
acting user's email and role (so one user's rows are never served to another). The permission
check runs on every rerun through ``spend.filter_options`` before anything cached is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from db.engine import Database
from services.access.access import Actor, require
from services.spend import billing_import, spend


@dataclass(frozen=True)
class SpendView:
    """What the Spend page draws, condensed once per filter and data version (small to cache)."""

    monthly: list[spend.SpendRow]  # per month, vendor, team, service and currency
    daily: list[spend.SpendRow]  # per day, vendor and currency
    anomalies: list[spend.Anomaly]


CACHE_SECONDS = 600


@st.cache_data(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def _rows(
    _db: Database, email: str, role: str, version: tuple[int, ...], flt: spend.SpendFilter
) -> list[spend.SpendRow]:
    return spend.spend_rows(_db, Actor(email=email, role=role), flt)


def spend_rows(db: Database, actor: Actor, flt: spend.SpendFilter) -> list[spend.SpendRow]:
    version = billing_import.data_version(db)
    return _rows(db, actor.email, actor.role, version, flt)


@st.cache_data(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def _view(
    _db: Database, email: str, role: str, version: tuple[int, ...], flt: spend.SpendFilter
) -> SpendView:
    rows = spend.spend_rows(_db, Actor(email=email, role=role), flt)
    daily = spend.condense(rows, by_month=False, detail=False)
    return SpendView(spend.condense(rows, by_month=True), daily, spend.find_anomalies(daily))


def spend_view(db: Database, actor: Actor, flt: spend.SpendFilter) -> SpendView:
    """Condensed spend for the page: totals, charts and export read these, not the raw rows."""
    version = billing_import.data_version(db)
    return _view(db, actor.email, actor.role, version, flt)


@st.cache_data(ttl=CACHE_SECONDS, max_entries=16, show_spinner=False)
def _unmatched(
    _db: Database, email: str, role: str, version: tuple[int, ...]
) -> list[billing_import.UnmatchedName]:
    return billing_import.unmatched_names(_db, Actor(email=email, role=role))


def unmatched_names(db: Database, actor: Actor) -> list[billing_import.UnmatchedName]:
    """Billing names without a vendor, read again only when billing data or vendors change."""
    require(db, actor, "spend.read", record_type="billing_import")
    return _unmatched(db, actor.email, actor.role, billing_import.data_version(db))
