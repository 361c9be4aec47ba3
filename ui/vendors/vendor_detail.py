"""One vendor's page: contacts, contracts, seats, tickets, meetings, actions and spend."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.coordination.choices import ACTION_PRIORITY, ACTION_STATUS, MEETING_STATUS
from services.core import clock
from services.core.money import format_money
from services.vendors import overview, vendors
from services.vendors.choices import (
    CONTACT_ROLE,
    RENEWAL_TYPE,
    TICKET_SEVERITY,
    TICKET_STATUS,
    VENDOR_CATEGORY,
    VENDOR_STATUS,
)
from ui.charts_vendors import SpendRow, spend_trend
from ui.forms import new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.query import show_not_found
from ui.state import settings
from ui.text import md_escape, safe_link
from ui.times import local


def _table(rows: list[dict[str, object]], empty: str) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption(empty)


def show_vendor(
    db: Database, actor: Actor, vendor_id: int, back: Callable[[int | None], None]
) -> None:
    with allowed():
        try:
            ov = overview.vendor_overview(db, actor, vendor_id, as_of=clock.today(db))
        except ValueError:
            show_not_found("vendor", "vendor")
    v = ov.vendor
    st.button("← All vendors", on_click=back, args=(None,), key="vendor_back")
    st.title(md_escape(v.name))
    st.caption(
        f"{md_escape(VENDOR_CATEGORY.label(v.category))} · "
        f"{md_escape(VENDOR_STATUS.label(v.status))}"
        + (f" · owner {md_escape(v.owner_name)}" if v.owner_name else "")
    )
    link = safe_link(v.website)
    if link:
        st.link_button("Open website", link)
    if v.aliases:
        st.text("Billing aliases: " + ", ".join(v.aliases))
    if v.notes:
        st.text(v.notes)

    st.subheader("Contacts")
    _table(
        [
            {"Name": c.name, "Role": CONTACT_ROLE.label(c.role), "Email": c.email, "Phone": c.phone}
            for c in ov.contacts
        ],
        "No contacts yet.",
    )
    if ov.contracts is not None:
        st.subheader("Contracts")
        _table(
            [
                {
                    "Title": c.title,
                    "Renewal": RENEWAL_TYPE.label(c.renewal_type),
                    "Term ends": c.current_term_end,
                    "Cancel by": c.cancellation_deadline,
                    "Days left": c.days_to_deadline,
                    "Value": "hidden"
                    if c.values_hidden or c.value is None
                    else format_money(c.value, c.currency),
                    "Owner": c.owner_name,
                    "Cancelled": c.cancelled,
                }
                for c in ov.contracts
            ],
            "No contracts.",
        )
    if ov.seats is not None:
        st.subheader("Seats")
        _table(
            [
                {
                    "Product": p.product,
                    "Purchased": p.seats_purchased,
                    "Assigned": p.seats_assigned,
                    "Active 30d": p.seats_active_30d,
                    "Unused / month": "hidden"
                    if (cost := p.monthly_unused_cost) is None
                    else format_money(cost, p.currency),
                    "Low free seats": p.low_free,
                }
                for p in ov.seats
            ],
            "No seat pools.",
        )
    _work_and_spend(db, actor, ov)
    if can(actor, "vendors.edit"):
        _edit_contacts(db, actor, v.id, ov.contacts)


def _work_and_spend(db: Database, actor: Actor, ov: overview.VendorOverview) -> None:
    """Tickets, meetings, open action items and the spend trend, where the role may see them."""
    tz = settings().tz
    if ov.tickets is not None:
        st.subheader("Support tickets")
        _table(
            [
                {
                    "Vendor ticket": t.vendor_ticket_id,
                    "Title": t.title,
                    "Severity": TICKET_SEVERITY.label(t.severity),
                    "Status": TICKET_STATUS.label(t.status),
                    "Past SLA": t.past_sla(clock.now(db)),
                    "Owner": t.owner_name,
                }
                for t in ov.tickets
            ],
            "No tickets.",
        )
    if ov.meetings is not None:
        st.subheader("Meetings")
        _table(
            [
                {
                    "Title": m.title,
                    "Starts": local(m.starts_at, tz),
                    "Status": MEETING_STATUS.label(m.status),
                }
                for m in ov.meetings
            ],
            "No meetings with this vendor.",
        )
    if ov.open_actions is not None:
        st.subheader("Open action items")
        _table(
            [
                {
                    "Title": a.title,
                    "Owner": a.owner_name,
                    "Due": a.due_date,
                    "Status": ACTION_STATUS.label(a.status),
                    "Priority": ACTION_PRIORITY.label(a.priority),
                }
                for a in ov.open_actions
            ],
            "No open action items.",
        )
    if ov.spend is not None:
        st.subheader("Spend trend")
        if ov.spend:
            st.plotly_chart(
                spend_trend([SpendRow(p.month, p.currency, p.amount) for p in ov.spend]),
                width="stretch",
            )
        else:
            st.caption(
                "No billing rows match this vendor's name or aliases. Add the name it has in "
                "billing files as an alias."
            )


def _edit_contacts(db: Database, actor: Actor, vendor_id: int, contacts: list) -> None:  # type: ignore[type-arg]
    with st.expander("Add or remove a contact"):
        with st.form(key := new_form_key(form := f"vendor_contact_add_{vendor_id}")):
            name = st.text_input("Name", key=f"{key}_name")
            email = st.text_input("Email", key=f"{key}_email")
            role = st.selectbox(
                "Role",
                CONTACT_ROLE.values,
                format_func=CONTACT_ROLE.label,
                key=f"{key}_role",
            )
            phone = st.text_input("Phone", key=f"{key}_phone")
            if st.form_submit_button("Add contact"):
                save_new(
                    form,
                    lambda: vendors.add_contact(
                        db, actor, vendor_id, name=name, email=email, role=role, phone=phone
                    ),
                    "Contact added",
                )
        if contacts:
            by_id = {c.id: c for c in contacts}
            pick = st.selectbox(
                "Contact",
                list(by_id),
                format_func=lambda i: by_id[i].name,
                key="vendor_contact_pick",
            )
            if st.button("Remove contact", key="vendor_contact_remove") and pick is not None:
                save_and_rerun(lambda: vendors.remove_contact(db, actor, pick), "Contact removed")
