"""Delivery log: every outbox row, its status and error, with retry and cancel for admins."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from services.access.access import can
from services.delivery import connections, delivery_log
from services.delivery.choices import CHANNEL, NOTIFICATION_KIND, NOTIFICATION_STATUS
from ui.auth import require_actor
from ui.guard import allowed, save_and_rerun
from ui.state import database, settings
from ui.text import md_escape
from ui.times import local

ANY = "(any)"

actor = require_actor()
db = database()
tz = settings().tz
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
    col.metric(NOTIFICATION_STATUS.label(status), counts.get(status, 0))


def _label(choices: Mapping[str, str]) -> Callable[[str], str]:
    return lambda value: value if value == ANY else choices.get(value, value)


with st.container(horizontal=True):
    status = st.selectbox(
        "Status",
        [ANY, *delivery_log.STATUSES],
        format_func=_label(NOTIFICATION_STATUS),
        key="log_status",
    )
    channel = st.selectbox(
        "Channel", [ANY, *delivery_log.CHANNELS], format_func=_label(CHANNEL), key="log_channel"
    )
    kind = st.selectbox(
        "Kind", [ANY, *NOTIFICATION_KIND], format_func=_label(NOTIFICATION_KIND), key="log_kind"
    )
    text = st.text_input("Search subject, recipient or kind", key="log_text")
flt = delivery_log.LogFilter(
    status=None if status == ANY else status,
    channel=None if channel == ANY else channel,
    kind=None if kind == ANY else kind,
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
            "Created": local(r.created_at, tz),
            "Kind": NOTIFICATION_KIND.label(r.kind),
            "Channel": CHANNEL.label(r.channel),
            "Recipient": r.recipient,
            "Subject": r.subject,
            "Status": NOTIFICATION_STATUS.label(r.status),
            "Attempts": r.attempts,
            "Next attempt": local(r.next_attempt_at, tz),
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
    column_config={
        c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")
        for c in ("Created", "Next attempt")
    },
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
st.text(
    f"Status: {NOTIFICATION_STATUS.label(row.status)}   Attempts: {row.attempts}   "
    f"Recipient: {row.recipient}"
)
if row.last_error:
    st.text("Error: " + row.last_error)
if row.body:
    st.text(row.body[:2000])

if can(actor, "outbox.manage"):
    # The table above shows the row's new status after the rerun.
    with st.container(horizontal=True):
        if row.status in ("failed", "cancelled") and st.button("Retry", key=f"retry_{row.id}"):
            save_and_rerun(
                lambda: delivery_log.retry(db, actor, row.id or 0),
                f"Notification {row.id} queued again: the worker sends it on its next pass.",
            )
        if row.status in ("queued", "failed") and st.button("Cancel", key=f"cancel_{row.id}"):
            save_and_rerun(
                lambda: delivery_log.cancel(db, actor, row.id or 0),
                f"Notification {row.id} cancelled: it will not be sent.",
            )
