"""Vendor tickets: support cases with vendors, their SLA from the contract and who follows up."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.vendors import tickets, vendors
from services.vendors.choices import TICKET_SEVERITY, TICKET_STATUS
from ui.auth import require_actor
from ui.forms import add_form, edit_form
from ui.guard import allowed
from ui.record_import import import_expander
from ui.state import database, settings
from ui.times import local
from ui.vendors.ticket_form import ticket_form
from ui.widgets import lazy_expander, select_optional

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
    add_form(
        "tickets_add",
        lambda key: ticket_form(key, None, **choices),  # type: ignore[arg-type]
        lambda ticket: tickets.create_ticket(db, actor, ticket),
        submit="Log ticket",
        done="Ticket logged",
        missing="Choose the vendor and the day the ticket was opened.",
    )


def _edit() -> None:
    by_id = {t.id: t for t in rows}
    pick = select_optional(
        "Ticket",
        {i: f"{t.vendor_name} {t.vendor_ticket_id}: {t.title}" for i, t in by_id.items()},
        key="tickets_edit_pick",
        placeholder="Choose a ticket to update" if rows else "No tickets to update",
    )
    if pick is None:
        return
    current = by_id[pick]
    edit_form(
        "tickets_edit",
        pick,
        current.version,
        lambda prefix: ticket_form(prefix, current, **choices),  # type: ignore[arg-type]
        lambda ticket, opened: tickets.update_ticket(
            db, actor, pick, ticket, expected_version=opened
        ),
    )


lazy_expander("Log a ticket", _add, key="tickets_add_open", expanded=not rows)
lazy_expander("Update a ticket", _edit, key="tickets_edit_open")
