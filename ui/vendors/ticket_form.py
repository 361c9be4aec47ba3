"""The vendor-ticket form shared by logging and updating a ticket.

Every field is visible inside the form (a checkbox in a form does not rerun, so fields it
revealed never appeared); an optional time is optional by being left empty.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

import streamlit as st

from services.vendors.choices import TICKET_SEVERITY, TICKET_STATUS
from services.vendors.tickets import TicketInput, TicketView
from ui.widgets import select_one, select_optional


def _when(
    label: str, value: datetime | None, prefix: str, tz: tzinfo, *, default: date | None
) -> datetime | None:
    """A date and a time in the workspace zone; None when the date is left empty."""
    local = value.astimezone(tz) if value else None
    c1, c2 = st.columns(2)
    day = c1.date_input(
        label, value=local.date() if local else default, key=f"{prefix}_date", format="YYYY-MM-DD"
    )
    at = c2.time_input(
        f"{label}: time", value=local.time() if local else None, key=f"{prefix}_time"
    )
    if day is None:
        return None
    return datetime.combine(day, at or time(0, 0), tzinfo=tz)


def ticket_form(
    prefix: str,
    current: TicketView | None,
    *,
    vendor_names: dict[int, str],
    owner_names: dict[int | None, str],
    tz: tzinfo,
    today: date,
) -> TicketInput | None:
    """The fields inside the caller's form; None (with the reason shown) when one is missing."""
    vendor_id = select_optional(
        "Vendor",
        vendor_names,
        current=current.vendor_id if current else None,
        key=f"{prefix}_vendor",
        placeholder="Choose the vendor",
    )
    ref = st.text_input(
        "Vendor's ticket id", value=current.vendor_ticket_id if current else "", key=f"{prefix}_ref"
    )
    title = st.text_input("Title", value=current.title if current else "", key=f"{prefix}_title")
    c1, c2 = st.columns(2)
    severity = c1.selectbox(
        "Severity",
        TICKET_SEVERITY.values,
        index=TICKET_SEVERITY.values.index(current.severity) if current else 2,
        format_func=TICKET_SEVERITY.label,
        key=f"{prefix}_severity",
    )
    status = c2.selectbox(
        "Status",
        TICKET_STATUS.values,
        index=TICKET_STATUS.values.index(current.status) if current else 0,
        format_func=TICKET_STATUS.label,
        key=f"{prefix}_status",
    )
    opened = _when(
        "Opened", current.opened_at if current else None, f"{prefix}_opened", tz, default=today
    )
    last = _when(
        "Last vendor update (leave empty if none)",
        current.last_vendor_update_at if current else None,
        f"{prefix}_last",
        tz,
        default=None,
    )
    owner_id = select_one(
        "Owner (follows it up)",
        owner_names,
        current=current.owner_id if current else None,
        key=f"{prefix}_owner",
    )
    notes = st.text_area("Notes", value=current.notes if current else "", key=f"{prefix}_notes")
    if vendor_id is None or opened is None:
        return None
    return TicketInput(
        vendor_id=vendor_id,
        vendor_ticket_id=ref,
        title=title,
        opened_at=opened,
        severity=severity,
        status=status,
        last_vendor_update_at=last,
        owner_id=owner_id,
        contract_id=current.contract_id if current else None,
        notes=notes,
    )
