"""Vendor tickets: support cases with vendors, their SLA from the contract and who follows up."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.vendors import tickets, vendors
from services.vendors.tickets import TicketInput, TicketView
from ui.auth import require_actor
from ui.guard import allowed, save_and_rerun
from ui.state import database, settings
from ui.widgets import forget_opened, opened_version, select_one

actor = require_actor()
db = database()
now = clock.now(db)
tz = settings().tz


st.title("Vendor tickets")
open_only = st.toggle("Open tickets only", value=True, key="tickets_open_only")
with allowed():
    rows = tickets.list_tickets(db, actor, open_only=open_only)

late = [t for t in rows if t.past_sla(now)]
if late:
    st.warning(f"{len(late)} ticket(s) past their SLA: chase the vendor or escalate.")
if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Past SLA": t.past_sla(now),
                    "Vendor": t.vendor_name,
                    "Vendor ticket": t.vendor_ticket_id,
                    "Title": t.title,
                    "Severity": t.severity,
                    "Status": t.status,
                    "Opened": t.opened_at.astimezone(tz),
                    "Last vendor update": t.last_vendor_update_at.astimezone(tz)
                    if t.last_vendor_update_at
                    else None,
                    "SLA hours": t.sla_hours,
                    "SLA due": t.sla_due_at.astimezone(tz) if t.sla_due_at else None,
                    "Escalation path": t.escalation_path,
                    "Owner": t.owner_name,
                }
                for t in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(
        "No vendor tickets here. Log one below when you open a case with a vendor, or import "
        "them with `opsdesk import-records tickets FILE`."
    )

if not can(actor, "tickets.edit"):
    st.stop()

with allowed():
    vendor_rows = vendors.list_vendors(db, actor)
    owners = vendors.owner_choices(db, actor)
if not vendor_rows:
    st.caption("Add a vendor first, on the Vendors page.")
    st.stop()
vendor_names = {v.id: v.name for v in vendor_rows}
owner_names: dict[int | None, str] = {None: "(nobody)"} | {
    o.id: f"{o.name} <{o.email}>" for o in owners
}


def _when(label: str, value: datetime | None, prefix: str, optional: bool) -> datetime | None:
    local = value.astimezone(tz) if value else None
    c1, c2 = st.columns(2)
    if optional and not st.checkbox(
        f"{label} known", value=value is not None, key=f"{prefix}_known"
    ):
        return None
    day = c1.date_input(
        label, value=local.date() if local else clock.today(db), key=f"{prefix}_date"
    )
    at = c2.time_input(
        f"{label} (time)", value=local.time() if local else time(9, 0), key=f"{prefix}_time"
    )
    return datetime.combine(day, at, tzinfo=tz)


def _form(prefix: str, current: TicketView | None) -> TicketInput:
    vendor_id = select_one(
        "Vendor",
        vendor_names,
        current=current.vendor_id if current else None,
        key=f"{prefix}_vendor",
    )
    ref = st.text_input(
        "Vendor's ticket id", value=current.vendor_ticket_id if current else "", key=f"{prefix}_ref"
    )
    title = st.text_input("Title", value=current.title if current else "", key=f"{prefix}_title")
    c1, c2 = st.columns(2)
    severity = c1.selectbox(
        "Severity",
        tickets.TICKET_SEVERITIES,
        index=tickets.TICKET_SEVERITIES.index(current.severity) if current else 2,
        key=f"{prefix}_severity",
    )
    status = c2.selectbox(
        "Status",
        tickets.TICKET_STATUSES,
        index=tickets.TICKET_STATUSES.index(current.status) if current else 0,
        format_func=lambda s: s.replace("_", " "),
        key=f"{prefix}_status",
    )
    opened = _when("Opened", current.opened_at if current else None, f"{prefix}_opened", False)
    last = _when(
        "Last vendor update",
        current.last_vendor_update_at if current else None,
        f"{prefix}_last",
        True,
    )
    owner_id = select_one(
        "Owner (follows it up)",
        owner_names,
        current=current.owner_id if current else None,
        key=f"{prefix}_owner",
    )
    notes = st.text_area("Notes", value=current.notes if current else "", key=f"{prefix}_notes")
    assert opened is not None
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


add_tab, edit_tab = st.tabs(["Log a ticket", "Update a ticket"])
with add_tab, st.form("tickets_add", clear_on_submit=True):
    data = _form("tickets_add", None)
    if st.form_submit_button("Log ticket", type="primary"):
        save_and_rerun(lambda: tickets.create_ticket(db, actor, data), "Ticket logged")

with edit_tab:
    if not rows:
        st.caption("No tickets to update.")
    else:
        by_id = {t.id: t for t in rows}
        pick = st.selectbox(
            "Ticket",
            list(by_id),
            format_func=lambda i: (
                f"{by_id[i].vendor_name} {by_id[i].vendor_ticket_id}: {by_id[i].title}"
            ),
            key="tickets_edit_pick",
        )
        current = by_id[pick]
        opened = opened_version(f"tickets_edit_{pick}", current.version)
        with st.form(f"tickets_edit_{pick}_{opened}"):
            data_edit = _form(f"tickets_edit_{pick}_{opened}", current)
            if st.form_submit_button("Save changes"):
                forget_opened(f"tickets_edit_{pick}")
                save_and_rerun(
                    lambda: tickets.update_ticket(
                        db, actor, pick, data_edit, expected_version=opened
                    ),
                    "Saved",
                )
