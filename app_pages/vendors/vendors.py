"""Vendors: the list, add and edit, and one vendor's page (``?vendor=ID``) with everything on it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.vendors import vendors
from services.vendors.choices import VENDOR_CATEGORY, VENDOR_STATUS
from ui.auth import require_actor
from ui.dialogs import confirm_button
from ui.forms import add_form, edit_form
from ui.guard import allowed, save_and_rerun
from ui.query import id_from_query
from ui.record_import import import_expander
from ui.state import database
from ui.text import safe_link
from ui.vendors.vendor_detail import show_vendor
from ui.vendors.vendor_form import vendor_fields
from ui.widgets import lazy_expander

actor = require_actor()
db = database()


def _open(vendor_id: int | None) -> None:
    if vendor_id is None:
        st.query_params.pop("vendor", None)
    else:
        st.query_params["vendor"] = str(vendor_id)


chosen = id_from_query("vendor", what="vendor")
if chosen is not None:
    show_vendor(db, actor, chosen, _open)
    st.stop()

st.title("Vendors")
status_filter = st.selectbox(
    "Status",
    [None, *VENDOR_STATUS.values],
    format_func=lambda s: "All" if s is None else VENDOR_STATUS.label(s),
    key="vendors_status",
)
with allowed():
    rows = vendors.list_vendors(db, actor, status=status_filter)
    owners = vendors.owner_choices(db, actor)

if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": r.name,
                    "Category": VENDOR_CATEGORY.label(r.category),
                    "Status": VENDOR_STATUS.label(r.status),
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
    st.info("No vendors yet. Add one below, or import a spreadsheet of them.")

if not can(actor, "vendors.edit"):
    st.stop()
import_expander(db, actor, "vendors")
owner_names = {o.id: f"{o.name} <{o.email}>" for o in owners}


def _add() -> None:
    add_form(
        "vendors_add",
        lambda key: vendor_fields(key, None, owner_names),
        lambda fields: vendors.create_vendor(db, actor, **fields),  # type: ignore[arg-type]
        submit="Add vendor",
        done="Vendor added",
    )


def _edit() -> None:
    if not rows:
        st.caption("No vendors to edit yet.")
        return
    by_id = {r.id: r for r in rows}
    chosen_id = st.selectbox(
        "Vendor", list(by_id), format_func=lambda i: by_id[i].name, key="vendors_edit_pick"
    )
    current = by_id[chosen_id]
    edit_form(
        "vendors_edit",
        chosen_id,
        current.version,
        lambda prefix: vendor_fields(prefix, current, owner_names),
        lambda fields, opened: vendors.update_vendor(
            db,
            actor,
            chosen_id,
            expected_version=opened,
            **fields,  # type: ignore[arg-type]
        ),
    )
    left, right = st.columns(2)
    if left.button("Archive (status retired)", key="vendors_archive"):
        save_and_rerun(lambda: vendors.archive_vendor(db, actor, chosen_id), "Archived")
    confirm_button(
        "Delete",
        key=f"vendors_delete_{chosen_id}",
        where=right,
        title="Delete this vendor?",
        message=f"{current.name} and its contacts are deleted. A vendor with contracts, seats "
        "or tickets cannot be deleted: archive it instead.",
        confirm_label="Delete vendor",
        change=lambda: vendors.delete_vendor(db, actor, chosen_id),
        done="Deleted",
    )


lazy_expander("Add a vendor", _add, key="vendors_add_open", expanded=not rows)
lazy_expander("Edit, archive or delete a vendor", _edit, key="vendors_edit_open")
