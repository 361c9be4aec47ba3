"""Seats: licence seat pools, their utilisation and what the unused seats cost each month."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core.money import format_money
from services.vendors import seats, vendors
from services.vendors.choices import BILLING_PERIOD
from ui.auth import require_actor
from ui.dialogs import confirm_button
from ui.forms import add_form, edit_form
from ui.guard import allowed
from ui.record_import import import_expander
from ui.state import database
from ui.text import md_escape
from ui.vendors.seat_form import seat_pool_form
from ui.widgets import lazy_expander, select_one

actor = require_actor()
db = database()


def _percent(share: Decimal | None) -> str:
    return "" if share is None else f"{(share * 100).quantize(Decimal('1'))}%"


def _money(amount: Decimal | None, currency: str) -> str:
    return "hidden" if amount is None else format_money(amount, currency)


st.title("Seats")
with allowed():
    pools = seats.list_seat_pools(db, actor)

if pools:
    totals = seats.unused_cost_totals(pools)
    cols = st.columns(max(1, len(totals)) + 1)
    cols[0].metric("Pools low on free seats", seats.low_on_free_seats(pools))
    for col_, (currency, amount) in zip(cols[1:], totals.items(), strict=False):
        col_.metric(
            f"Unused seats per month ({md_escape(currency)})", format_money(amount, currency)
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Vendor": p.vendor_name,
                    "Product": p.product,
                    "Purchased": p.seats_purchased,
                    "Assigned": p.seats_assigned,
                    "Active 30d": p.seats_active_30d,
                    "Free": p.free_seats,
                    "Utilisation": _percent(p.utilisation),
                    "Unit price": _money(p.unit_price, p.currency),
                    "Billing": BILLING_PERIOD.label(p.billing_period),
                    "Unused cost / month": _money(p.monthly_unused_cost, p.currency),
                    "Low free seats": p.low_free,
                }
                for p in pools
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No seat pools yet. Add one below, or import a spreadsheet of them.")

if not can(actor, "seats.edit"):
    st.stop()
import_expander(db, actor, "seat-pools")

with allowed():
    vendor_rows = vendors.list_vendors(db, actor)
if not vendor_rows:
    st.caption("Add a vendor first, on the Vendors page.")
    st.stop()
vendor_names = {v.id: v.name for v in vendor_rows}
show_price = can(actor, "contracts.values")  # the service keeps the price for other roles


def _add() -> None:
    add_form(
        "seats_add",
        lambda key: seat_pool_form(key, None, vendor_names, show_price),
        lambda pool: seats.create_seat_pool(db, actor, pool),
        submit="Add seat pool",
        done="Seat pool added",
        missing="Choose the vendor.",
    )


def _edit() -> None:
    if not pools:
        st.caption("No seat pools to edit yet.")
        return
    by_id = {p.id: p for p in pools}
    names = {i: f"{p.vendor_name} · {p.product}" for i, p in by_id.items()}
    pick = select_one("Seat pool", names, key="seats_edit_pick")
    current = by_id[pick]
    edit_form(
        "seats_edit",
        pick,
        current.version,
        lambda prefix: seat_pool_form(prefix, current, vendor_names, show_price),
        lambda pool, opened: seats.update_seat_pool(db, actor, pick, pool, expected_version=opened),
    )
    confirm_button(
        "Delete seat pool",
        key=f"seats_delete_{pick}",
        title="Delete this seat pool?",
        message=f"{current.vendor_name} · {current.product} and its seat counts are deleted.",
        confirm_label="Delete",
        change=lambda: seats.delete_seat_pool(db, actor, pick),
        done="Deleted",
    )


lazy_expander("Add a seat pool", _add, key="seats_add_open", expanded=not pools)
lazy_expander("Edit or delete a seat pool", _edit, key="seats_edit_open")
