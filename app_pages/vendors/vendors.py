"""Vendors: the list, add and edit, and one vendor's page (``?vendor=ID``) with everything on it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.core.money import format_money
from services.vendors import overview, vendors
from ui.auth import require_actor
from ui.charts_vendors import SpendRow, spend_trend
from ui.guard import allowed, save_and_rerun
from ui.query import id_from_query, show_not_found
from ui.state import database
from ui.text import md_escape, safe_link
from ui.widgets import forget_opened, opened_version

actor = require_actor()
db = database()


def _open(vendor_id: int | None) -> None:
    if vendor_id is None:
        st.query_params.pop("vendor", None)
    else:
        st.query_params["vendor"] = str(vendor_id)


def _table(rows: list[dict[str, object]], empty: str) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption(empty)


def _show_vendor(vendor_id: int) -> None:
    with allowed():
        try:
            ov = overview.vendor_overview(db, actor, vendor_id, as_of=clock.today(db))
        except ValueError:
            show_not_found("vendor", "vendor")
    v = ov.vendor
    st.button("← All vendors", on_click=_open, args=(None,), key="vendor_back")
    st.title(md_escape(v.name))
    st.caption(
        f"{md_escape(v.category)} · {md_escape(v.status)}"
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
        [{"Name": c.name, "Role": c.role, "Email": c.email, "Phone": c.phone} for c in ov.contacts],
        "No contacts yet.",
    )
    if ov.contracts is not None:
        st.subheader("Contracts")
        _table(
            [
                {
                    "Title": c.title,
                    "Renewal": c.renewal_type,
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
    if ov.tickets is not None:
        st.subheader("Support tickets")
        _table(
            [
                {
                    "Vendor ticket": t.vendor_ticket_id,
                    "Title": t.title,
                    "Severity": t.severity,
                    "Status": t.status,
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
            [{"Title": m.title, "Starts": m.starts_at, "Status": m.status} for m in ov.meetings],
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
                    "Status": a.status,
                    "Priority": a.priority,
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
    if can(actor, "vendors.edit"):
        _edit_contacts(v.id, ov.contacts)


def _edit_contacts(vendor_id: int, contacts: list) -> None:  # type: ignore[type-arg]
    with st.expander("Add or remove a contact"):
        with st.form(f"vendor_contact_add_{vendor_id}", clear_on_submit=True):
            name = st.text_input("Name", key="vendor_contact_name")
            email = st.text_input("Email", key="vendor_contact_email")
            role = st.selectbox("Role", vendors.CONTACT_ROLES, key="vendor_contact_role")
            phone = st.text_input("Phone", key="vendor_contact_phone")
            if st.form_submit_button("Add contact"):
                save_and_rerun(
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


chosen = id_from_query("vendor", what="vendor")
if chosen is not None:
    _show_vendor(chosen)
    st.stop()

st.title("Vendors")
status_filter = st.selectbox("Status", ["all", *vendors.VENDOR_STATUSES], key="vendors_status")
with allowed():
    rows = vendors.list_vendors(db, actor, status=None if status_filter == "all" else status_filter)
    owners = vendors.owner_choices(db, actor)

if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": r.name,
                    "Category": r.category,
                    "Status": r.status,
                    "Owner": r.owner_name,
                    "Website": safe_link(r.website),
                    "Aliases": ", ".join(r.aliases),
                    "Contracts": r.contract_count,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"Website": st.column_config.LinkColumn("Website")},
    )
    by_id = {r.id: r for r in rows}
    pick = st.selectbox(
        "Open a vendor", list(by_id), format_func=lambda i: by_id[i].name, key="vendors_open_pick"
    )
    st.button("Open vendor page", on_click=_open, args=(pick,), key="vendors_open")
else:
    st.info(
        "No vendors yet. Add one below, or import a spreadsheet with "
        "`opsdesk import-records vendors FILE` (columns name, category, website)."
    )

if not can(actor, "vendors.edit"):
    st.stop()

owner_names = {o.id: f"{o.name} <{o.email}>" for o in owners}
owner_ids: list[int | None] = [None, *owner_names]


def _fields(prefix: str, current: vendors.VendorRow | None) -> dict[str, object]:
    return {
        "name": st.text_input("Name", value=current.name if current else "", key=f"{prefix}_name"),
        "category": st.selectbox(
            "Category",
            vendors.VENDOR_CATEGORIES,
            index=vendors.VENDOR_CATEGORIES.index(current.category)
            if current
            else vendors.VENDOR_CATEGORIES.index("other"),
            key=f"{prefix}_category",
        ),
        "status": st.selectbox(
            "Status",
            vendors.VENDOR_STATUSES,
            index=vendors.VENDOR_STATUSES.index(current.status) if current else 1,
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
        "aliases": [
            a
            for a in st.text_input(
                "Billing aliases (separated by ;)",
                value="; ".join(current.aliases) if current else "",
                key=f"{prefix}_aliases",
            ).split(";")
            if a.strip()
        ],
        "notes": st.text_area(
            "Notes", value=current.notes if current else "", key=f"{prefix}_notes"
        ),
    }


add_tab, edit_tab = st.tabs(["Add a vendor", "Edit, archive or delete"])
with add_tab, st.form("vendors_add", clear_on_submit=True):
    fields = _fields("vendors_add", None)
    if st.form_submit_button("Add vendor", type="primary"):
        save_and_rerun(lambda: vendors.create_vendor(db, actor, **fields), "Vendor added")  # type: ignore[arg-type]

with edit_tab:
    if not rows:
        st.caption("No vendors to edit yet.")
    else:
        by_id = {r.id: r for r in rows}
        chosen_id = st.selectbox(
            "Vendor", list(by_id), format_func=lambda i: by_id[i].name, key="vendors_edit_pick"
        )
        current = by_id[chosen_id]
        opened = opened_version(f"vendors_edit_{chosen_id}", current.version)
        with st.form(f"vendors_edit_{chosen_id}_{opened}"):
            fields = _fields(f"vendors_edit_{chosen_id}_{opened}", current)
            if st.form_submit_button("Save changes"):
                forget_opened(f"vendors_edit_{chosen_id}")
                save_and_rerun(
                    lambda: vendors.update_vendor(
                        db,
                        actor,
                        chosen_id,
                        expected_version=opened,
                        **fields,  # type: ignore[arg-type]
                    ),
                    "Saved",
                )
        left, right = st.columns(2)
        if left.button("Archive (status retired)", key="vendors_archive"):
            save_and_rerun(lambda: vendors.archive_vendor(db, actor, chosen_id), "Archived")
        if right.button("Delete", key="vendors_delete"):
            save_and_rerun(lambda: vendors.delete_vendor(db, actor, chosen_id), "Deleted")
