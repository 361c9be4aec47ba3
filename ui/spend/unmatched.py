"""Billing names without a vendor: map each to the vendor the person picks, or create it.

The vendor picker is keyed by the billing name, not its position: after one name is mapped the
next name's picker does not inherit its choice. No vendor is preselected.
"""

from __future__ import annotations

import hashlib
from functools import partial

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.core.money import format_money
from services.spend import billing_import, budgets
from services.spend.unmatched_vendors import create_vendor_for_billing_name
from services.vendors.choices import VENDOR_CATEGORY
from ui.guard import allowed, save_and_rerun
from ui.spend_data import unmatched_names
from ui.text import md_table

SHOWN = 25


def _key(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]


def new_vendor_popover_key(name: str) -> str:
    """The session state key of the "New vendor" popover of one billing name (open: True)."""
    return f"new_vendor_open_{_key(name)}"


def unmatched_section(db: Database, actor: Actor) -> None:
    st.subheader("Billing names without a vendor")
    with allowed():
        unmatched = unmatched_names(db, actor)
        _teams, vendors = budgets.budget_targets(db, actor)
    if not unmatched:
        st.success("Every provider and publisher name matches a vendor or one of its aliases.")
        return
    st.caption(
        "Map a name once: it becomes an alias of the vendor and every chart uses it. A provider "
        "Opsdesk does not know yet can be added as a new vendor."
    )
    rows = [
        {
            "Billing name": u.name,
            "Provider": u.provider,
            "Lines": f"{u.line_count:,}",
            "Cost": ", ".join(format_money(v, c) for c, v in u.totals.items()),
        }
        for u in unmatched
    ]
    st.markdown(md_table(rows[:SHOWN], list(rows[0])))
    if len(rows) > SHOWN:
        st.caption(f"{len(rows) - SHOWN:,} more names: each can be chosen below.")
    _map_one(db, actor, list(dict.fromkeys(u.name for u in unmatched)), vendors)


def _map_one(db: Database, actor: Actor, names: list[str], vendors: dict[int, str]) -> None:
    """One name picker and one vendor picker, not a row of controls per name: those were most
    of what the browser mounted on each visit to the page."""
    if st.session_state.get("map_name") not in names:
        # Mapped a moment ago: start at the first name left. Set, not removed: the browser
        # sends the mapped name back on the rerun, and a removed key took it again.
        st.session_state["map_name"] = names[0]
    with st.container(horizontal=True, vertical_alignment="bottom"):
        name = st.selectbox("Billing name", names, key="map_name")
        key = _key(name)
        vendor_id = st.selectbox(
            "Vendor",
            list(vendors),
            index=None,
            placeholder="Choose a vendor",
            format_func=lambda v: vendors[v],
            key=f"map_vendor_{key}",
        )
        # Keyed by the name: a second click on Map reaches no button once that name is mapped.
        if st.button("Map", key=f"map_button_{key}", disabled=vendor_id is None) and vendor_id:
            save_and_rerun(
                partial(billing_import.map_name_to_vendor, db, actor, name, vendor_id), "Mapped"
            )
        # Its form is drawn only while it is open.
        pop = st.popover("New vendor", key=new_vendor_popover_key(name), on_change="rerun")
        if pop.open:
            with pop:
                _new_vendor_form(db, actor, name, key)


def _new_vendor_form(db: Database, actor: Actor, billing_name: str, key: str) -> None:
    with st.form(f"new_vendor_{key}"):
        name = st.text_input("Vendor name", value=billing_name)
        category = st.selectbox(
            "Category",
            VENDOR_CATEGORY.values,
            index=None,
            placeholder="Choose a category",
            format_func=VENDOR_CATEGORY.label,
        )
        if st.form_submit_button("Create vendor and map"):
            if category is None:
                st.error("Choose a category.")
                return
            save_and_rerun(
                lambda: create_vendor_for_billing_name(
                    db, actor, billing_name, category=category, name=name
                ),
                "Vendor created; its billing lines now count as its spend",
            )
