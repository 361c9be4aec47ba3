"""The vendor form shared by adding and editing a vendor."""

from __future__ import annotations

import streamlit as st

from services.vendors.choices import VENDOR_CATEGORY, VENDOR_STATUS
from services.vendors.vendors import VendorRow, split_aliases


def vendor_fields(
    prefix: str, current: VendorRow | None, owner_names: dict[int, str]
) -> dict[str, object]:
    """The vendor fields inside the caller's form, as keyword arguments for the service."""
    owner_ids: list[int | None] = [None, *owner_names]
    return {
        "name": st.text_input("Name", value=current.name if current else "", key=f"{prefix}_name"),
        "category": st.selectbox(
            "Category",
            VENDOR_CATEGORY.values,
            index=VENDOR_CATEGORY.values.index(current.category if current else "other"),
            format_func=VENDOR_CATEGORY.label,
            key=f"{prefix}_category",
        ),
        "status": st.selectbox(
            "Status",
            VENDOR_STATUS.values,
            index=VENDOR_STATUS.values.index(current.status) if current else 1,
            format_func=VENDOR_STATUS.label,
            key=f"{prefix}_status",
        ),
        "owner_id": st.selectbox(
            "Owner",
            owner_ids,
            index=owner_ids.index(current.owner_id)
            if current and current.owner_id in owner_ids
            else 0,
            format_func=lambda i: "(nobody)" if i is None else owner_names[i],
            key=f"{prefix}_owner",
        ),
        "website": st.text_input(
            "Website (http or https)",
            value=(current.website or "") if current else "",
            key=f"{prefix}_website",
        ),
        "aliases": split_aliases(
            st.text_input(
                "Billing aliases (separated by ;)",
                value="; ".join(current.aliases) if current else "",
                key=f"{prefix}_aliases",
            )
        ),
        "notes": st.text_area(
            "Notes", value=current.notes if current else "", key=f"{prefix}_notes"
        ),
    }
