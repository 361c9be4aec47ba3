"""The seat-pool form shared by adding and editing a pool."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from services.vendors.choices import BILLING_PERIOD
from services.vendors.seats import SeatPoolInput, SeatPoolView
from ui.widgets import select_optional


def seat_pool_form(
    prefix: str, current: SeatPoolView | None, vendor_names: dict[int, str], show_price: bool
) -> SeatPoolInput | None:
    """The fields inside the caller's form; None until a vendor is chosen."""
    vendor_id = select_optional(
        "Vendor",
        vendor_names,
        current=current.vendor_id if current else None,
        key=f"{prefix}_vendor",
        placeholder="Choose the vendor",
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
    if show_price:
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
        BILLING_PERIOD.values,
        index=BILLING_PERIOD.values.index(current.billing_period) if current else 0,
        format_func=BILLING_PERIOD.label,
        key=f"{prefix}_period",
    )
    if vendor_id is None:
        return None
    return SeatPoolInput(
        vendor_id=vendor_id,
        product=product,
        seats_purchased=int(purchased),
        seats_assigned=int(assigned),
        seats_active_30d=int(active),
        # Text is parsed (and refused with a reason) by the service; None keeps the price.
        unit_price=None if price_text is None else (price_text.strip() or Decimal(0)),  # type: ignore[arg-type]
        currency=currency,
        billing_period=period,
        low_free_seats=int(low),
    )
