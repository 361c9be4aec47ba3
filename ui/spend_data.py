"""Cached spend data for the spend pages.

The cache key holds the billing data version (so an import or undo shows at once) and the
acting user's email and role (so one user's rows are never served to another). The permission
check runs on every rerun through ``spend.filter_options`` before anything cached is read.
"""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from services import billing_import, spend
from services.access import Actor

CACHE_SECONDS = 600


@st.cache_data(ttl=CACHE_SECONDS, max_entries=64, show_spinner=False)
def _rows(
    _db: Database, email: str, role: str, version: tuple[int, ...], flt: spend.SpendFilter
) -> list[spend.SpendRow]:
    return spend.spend_rows(_db, Actor(email=email, role=role), flt)


def spend_rows(db: Database, actor: Actor, flt: spend.SpendFilter) -> list[spend.SpendRow]:
    version = billing_import.data_version(db)
    return _rows(db, actor.email, actor.role, version, flt)
