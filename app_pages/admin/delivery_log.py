"""Delivery log: every outbox row, its status and error, with retry and cancel for admins."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.delivery import connections, delivery_log
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database, settings
from ui.text import md_escape

ANY = "(any)"

actor = require_actor()
db = database()
st.title("Delivery log")

with allowed():
    counts = delivery_log.status_counts(db, actor)
    links = connections.connection_states(db, actor, settings())

for link in links:
    if link.state != "connected":
        st.warning(
            f"{link.label} is {link.state.replace('_', ' ')}: its notifications wait queued "
            "and nothing is lost. See Settings."
        )

cols = st.columns(len(delivery_log.STATUSES))
for col, status in zip(cols, delivery_log.STATUSES, strict=True):
    col.metric(status.capitalize(), counts.get(status, 0))

f = st.columns([1, 1, 2])
status = f[0].selectbox("Status", [ANY, *delivery_log.STATUSES], key="log_status")
channel = f[1].selectbox("Channel", [ANY, *delivery_log.CHANNELS], key="log_channel")
text = f[2].text_input("Search subject, recipient or kind", key="log_text")
flt = delivery_log.LogFilter(
    status=None if status == ANY else status,
    channel=None if channel == ANY else channel,
    text=text or None,
)
with allowed():
    rows = delivery_log.list_notifications(db, actor, flt)

if not rows:
    st.info(
        "Nothing in the outbox matches. Reminders appear here once the worker plans them "
        "(`opsdesk remind --once` or `opsdesk worker`)."
    )
    st.stop()

table = pd.DataFrame(
    [
        {
            "Id": r.id,
            "Created (UTC)": r.created_at.strftime("%Y-%m-%d %H:%M"),
            "Kind": r.kind,
            "Channel": r.channel,
            "Recipient": r.recipient,
            "Subject": r.subject,
            "Status": r.status,
            "Attempts": r.attempts,
            "Next attempt (UTC)": r.next_attempt_at.strftime("%Y-%m-%d %H:%M"),
            "Error": r.last_error or "",
            "External id": r.external_id or "",
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
    key="log_table",
)
selected = picked.selection.rows if picked and picked.selection else []
if not selected:
    st.caption("Select a row to see its error and retry or cancel it.")
    st.stop()

row = rows[selected[0]]
st.subheader(f"Notification {row.id}: {md_escape(row.subject)}")
st.text(f"Status: {row.status}   Attempts: {row.attempts}   Recipient: {row.recipient}")
if row.last_error:
    st.text("Error: " + row.last_error)
if row.body:
    st.text(row.body[:2000])

if can(actor, "outbox.manage"):
    b = st.columns(2)
    if row.status in ("failed", "cancelled") and b[0].button("Retry", key=f"retry_{row.id}"):
        with allowed():
            delivery_log.retry(db, actor, row.id or 0)
        st.success("Queued again: the worker sends it on its next pass.")
    if row.status in ("queued", "failed") and b[1].button("Cancel", key=f"cancel_{row.id}"):
        with allowed():
            delivery_log.cancel(db, actor, row.id or 0)
        st.success("Cancelled: it will not be sent.")
