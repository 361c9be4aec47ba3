"""Vendor tickets: support cases with vendors, their SLA from the contract and who follows up."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.vendors import tickets, vendors
from services.vendors.choices import TICKET_SEVERITY, TICKET_STATUS
from ui.auth import require_actor
from ui.forms import new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.record_import import import_expander
from ui.state import database, settings
from ui.times import local
from ui.vendors.ticket_form import ticket_form
from ui.widgets import forget_opened, lazy_expander, opened_version

actor = require_actor()
db = database()
now = clock.now(db)
tz = settings().tz

st.title("Vendor tickets")
open_only = st.toggle("Open tickets only", value=True, key="tickets_open_only")
with allowed():
    rows = tickets.list_tickets(db, actor, open_only=open_only)

if late := tickets.past_sla(rows, now):
    st.warning(f"{len(late)} ticket(s) past their SLA: chase the vendor or escalate.")
if rows:
    st.caption(f"Times in {tz}.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Past SLA": t.past_sla(now),
                    "Vendor": t.vendor_name,
                    "Vendor ticket": t.vendor_ticket_id,
                    "Title": t.title,
                    "Severity": TICKET_SEVERITY.label(t.severity),
                    "Status": TICKET_STATUS.label(t.status),
                    "Opened": local(t.opened_at, tz),
                    "Last vendor update": local(t.last_vendor_update_at, tz),
                    "SLA due": local(t.sla_due_at, tz),
                    "Owner": t.owner_name,
                    "SLA hours": t.sla_hours,
                    "Escalation path": t.escalation_path,
                }
                for t in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")
            for c in ("Opened", "Last vendor update", "SLA due")
        },
    )
else:
    st.info(
        "No vendor tickets here. Log one below when you open a case with a vendor, or import "
        "a spreadsheet of them."
    )

if not can(actor, "tickets.edit"):
    st.stop()
import_expander(db, actor, "tickets")

with allowed():
    vendor_rows = vendors.list_vendors(db, actor)
    owners = vendors.owner_choices(db, actor)
if not vendor_rows:
    st.caption("Add a vendor first, on the Vendors page.")
    st.stop()
choices = {
    "vendor_names": {v.id: v.name for v in vendor_rows},
    "owner_names": {None: "(nobody)"} | {o.id: f"{o.name} <{o.email}>" for o in owners},
    "tz": tz,
    "today": clock.today(db),
}


def _add() -> None:
    with st.form(key := new_form_key("tickets_add")):
        data = ticket_form(key, None, **choices)  # type: ignore[arg-type]
        if st.form_submit_button("Log ticket", type="primary"):
            if data is None:
                st.error("Choose the vendor and the day the ticket was opened.")
            else:
                new_ticket = data
                save_new(
                    "tickets_add",
                    lambda: tickets.create_ticket(db, actor, new_ticket),
                    "Ticket logged",
                )


def _edit() -> None:
    by_id = {t.id: t for t in rows}
    pick = st.selectbox(
        "Ticket",
        list(by_id),
        index=None,
        placeholder="Choose a ticket to update" if rows else "No tickets to update",
        format_func=lambda i: (
            f"{by_id[i].vendor_name} {by_id[i].vendor_ticket_id}: {by_id[i].title}"
        ),
        key="tickets_edit_pick",
    )
    if pick is None:
        return
    current = by_id[pick]
    opened = opened_version(f"tickets_edit_{pick}", current.version)
    with st.form(prefix := f"tickets_edit_{pick}_{opened}"):
        edited = ticket_form(prefix, current, **choices)  # type: ignore[arg-type]
        if st.form_submit_button("Save changes") and edited is not None:
            forget_opened(f"tickets_edit_{pick}")
            ticket_id, changed = pick, edited
            save_and_rerun(
                lambda: tickets.update_ticket(
                    db, actor, ticket_id, changed, expected_version=opened
                ),
                "Saved",
            )


lazy_expander("Log a ticket", _add, key="tickets_add_open", expanded=not rows)
lazy_expander("Update a ticket", _edit, key="tickets_edit_open")
