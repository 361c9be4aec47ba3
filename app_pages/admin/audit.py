"""Audit: who changed what and when, with each change's before and after, and an export."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.access import audit_log
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database

ANY = "(any)"

actor = require_actor()
db = database()
st.title("Audit")

with allowed():
    facets = audit_log.facets(db, actor)

cols = st.columns([2, 1, 1, 2, 1])
who = cols[0].selectbox("Actor", [ANY, *facets.actors], key="audit_actor")
action = cols[1].selectbox("Action", [ANY, *facets.actions], key="audit_action")
record_type = cols[2].selectbox("Record type", [ANY, *facets.record_types], key="audit_type")
days = cols[3].date_input("Dates", value=[], key="audit_dates")
sort = cols[4].selectbox("Order", list(audit_log.SORTS), key="audit_sort")

since = until = None
if isinstance(days, tuple) and days:
    since, until = days[0], days[-1]
elif isinstance(days, date):
    since = until = days

flt = audit_log.AuditFilter(
    actor=None if who == ANY else who,
    action=None if action == ANY else action,
    record_type=None if record_type == ANY else record_type,
    since=since,
    until=until,
    sort=sort,
)
with allowed():
    try:
        rows = audit_log.search(db, actor, flt)
    except ValueError as exc:
        st.error(str(exc))
        st.stop()

if not rows:
    st.info("No audit events match these filters. Clear a filter to see more.")
    st.stop()

st.caption(f"{len(rows)} events (at most {flt.limit} shown; narrow the filters or export).")
table = pd.DataFrame(
    [
        {
            "When (UTC)": r.at.strftime("%Y-%m-%d %H:%M:%S"),
            "Actor": r.actor,
            "Action": r.action,
            "Record type": r.record_type,
            "Record id": r.record_id or "",
            "Detail": r.detail or "",
        }
        for r in rows
    ]
)
picked = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="audit_table",
)
st.download_button(
    "Export CSV",
    data=lambda: audit_log.export_csv(db, actor, flt),
    file_name="opsdesk-audit.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)

selected = picked.selection.rows if picked is not None else []
if selected:
    row = rows[selected[0]]
    st.subheader("Before and after")
    diff = audit_log.changes(row)
    if diff:
        st.dataframe(
            pd.DataFrame([{"Field": c.field, "Before": c.before, "After": c.after} for c in diff]),
            hide_index=True,
            width="stretch",
        )
    else:
        st.caption("This event records no field values.")
else:
    st.caption("Select a row to see its before and after.")
