"""Seats: licence seat pools, their utilisation and what the unused seats cost each month."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core.money import format_money
from services.vendors import seats, vendors
from services.vendors.seats import SeatPoolInput, SeatPoolView
from ui.auth import require_actor
from ui.guard import allowed, save_and_rerun
from ui.state import database
from ui.text import md_escape
from ui.widgets import forget_opened, opened_version, select_one

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
    cols[0].metric("Pools low on free seats", sum(1 for p in pools if p.low_free))
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
                    "Billing": p.billing_period,
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
    st.info(
        "No seat pools yet. Add one below, or import a spreadsheet with "
        "`opsdesk import-records seat-pools FILE`."
    )

if not can(actor, "seats.edit"):
    st.stop()

with allowed():
    vendor_rows = vendors.list_vendors(db, actor)
if not vendor_rows:
    st.caption("Add a vendor first, on the Vendors page.")
    st.stop()
vendor_names = {v.id: v.name for v in vendor_rows}


def _form(prefix: str, current: SeatPoolView | None) -> SeatPoolInput | None:
    vendor_id = select_one(
        "Vendor",
        vendor_names,
        current=current.vendor_id if current else None,
        key=f"{prefix}_vendor",
    )
    product = st.text_input(
        "Product", value=current.product if current else "", key=f"{prefix}_product"
    )
    c1, c2, c3, c4 = st.columns(4)
    purchased = c1.number_input(
        "Purchased",
        min_value=0,
        step=1,
        value=current.seats_purchased if current else 0,
        key=f"{prefix}_purchased",
    )
    assigned = c2.number_input(
        "Assigned",
        min_value=0,
        step=1,
        value=current.seats_assigned if current else 0,
        key=f"{prefix}_assigned",
    )
    active = c3.number_input(
        "Active in the last 30 days",
        min_value=0,
        step=1,
        value=current.seats_active_30d if current else 0,
        key=f"{prefix}_active",
    )
    low = c4.number_input(
        "Flag when free seats ≤",
        min_value=0,
        step=1,
        value=current.low_free_seats if current else 2,
        key=f"{prefix}_low",
    )
    p1, p2, p3 = st.columns(3)
    price_text = None  # the service keeps the price for a role that may not see money
    if can(actor, "contracts.values"):
        price_text = p1.text_input(
            "Unit price",
            value=format(current.unit_price or 0, "f") if current else "0",
            key=f"{prefix}_price",
        )
    currency = p2.text_input(
        "Currency", value=current.currency if current else "USD", key=f"{prefix}_currency"
    )
    period = p3.selectbox(
        "Billing period",
        seats.BILLING_PERIODS,
        index=seats.BILLING_PERIODS.index(current.billing_period) if current else 0,
        key=f"{prefix}_period",
    )
    try:
        price = None if price_text is None else Decimal(price_text.strip() or "0")
    except InvalidOperation:
        st.error("Unit price is not a number.")
        return None
    return SeatPoolInput(
        vendor_id=vendor_id,
        product=product,
        seats_purchased=int(purchased),
        seats_assigned=int(assigned),
        seats_active_30d=int(active),
        unit_price=price,
        currency=currency,
        billing_period=period,
        low_free_seats=int(low),
    )


add_tab, edit_tab = st.tabs(["Add a seat pool", "Edit or delete"])
with add_tab, st.form("seats_add", clear_on_submit=True):
    data = _form("seats_add", None)
    if st.form_submit_button("Add seat pool", type="primary") and data is not None:
        new_pool = data
        save_and_rerun(lambda: seats.create_seat_pool(db, actor, new_pool), "Seat pool added")

with edit_tab:
    if not pools:
        st.caption("No seat pools to edit yet.")
    else:
        by_id = {p.id: p for p in pools}
        pick = st.selectbox(
            "Seat pool",
            list(by_id),
            format_func=lambda i: f"{by_id[i].vendor_name} · {by_id[i].product}",
            key="seats_edit_pick",
        )
        current = by_id[pick]
        opened = opened_version(f"seats_edit_{pick}", current.version)
        with st.form(f"seats_edit_{pick}_{opened}"):
            data = _form(f"seats_edit_{pick}_{opened}", current)
            if st.form_submit_button("Save changes") and data is not None:
                forget_opened(f"seats_edit_{pick}")
                edited = data
                save_and_rerun(
                    lambda: seats.update_seat_pool(
                        db, actor, pick, edited, expected_version=opened
                    ),
                    "Saved",
                )
        if st.button("Delete seat pool", key="seats_delete"):
            save_and_rerun(lambda: seats.delete_seat_pool(db, actor, pick), "Deleted")
