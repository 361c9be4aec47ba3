"""Action items: quick add, filters, and a table to edit many at once (saved in one go)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import actions, bulk_edit, people
from services.coordination.choices import ACTION_PRIORITY, ACTION_STATUS
from services.core import clock
from services.core.statuses import OPEN_ACTION_STATUSES
from ui.auth import require_actor
from ui.coordination.action_forms import quick_add_form
from ui.guard import allowed
from ui.record_import import import_expander
from ui.state import database
from ui.text import md_escape

SNAPSHOT_KEY = "actions_snapshot"
FEW, MANY = 200, 2000  # rows in the editor: at first, and when asked for more


def _status_label(value: object) -> str:
    return ACTION_STATUS.label(str(value))


def _priority_label(value: object) -> str:
    return ACTION_PRIORITY.label(str(value))


actor = require_actor()
db = database()
st.title("Action items")
editable = can(actor, "actions.edit")

with allowed():
    everyone = people.list_people(db, actor) if can(actor, "people.read") else []
emails = [p.email for p in everyone]
if editable:
    quick_add_form(db, actor, emails, SNAPSHOT_KEY)
    import_expander(db, actor, "action-items")

f1, f2, f3 = st.columns([3, 4, 2])
owner_filter = f1.selectbox("Owner", ["Anyone", *emails], key="actions_filter_owner")
status_filter = f2.multiselect(
    "Status",
    ACTION_STATUS.values,
    default=list(OPEN_ACTION_STATUSES),
    format_func=ACTION_STATUS.label,
    key="actions_filter_status",
)
overdue_only = f3.checkbox("Overdue only", key="actions_filter_overdue")
# An editable grid of thousands of rows cost each visit a quarter of a second in the browser;
# the first rows by due date, then more on request.
many = st.session_state.get("actions_many", False)
limit = MANY if many else FEW
filters = (owner_filter, tuple(status_filter), overdue_only, limit)

# The table shows what was loaded, with the versions it was loaded at, until it is saved or
# reloaded: that is what the stale-edit check compares against.
snapshot = st.session_state.get(SNAPSHOT_KEY)
if snapshot is None or snapshot["filters"] != filters:
    with allowed():
        rows = actions.list_actions(
            db,
            actor,
            owner_email=None if owner_filter == "Anyone" else owner_filter,
            statuses=tuple(status_filter) or None,
            overdue=overdue_only,
            today=clock.today(db),
            limit=limit + 1,
        )
    more = len(rows) > limit
    rows = rows[:limit]
    table = bulk_edit.table_rows(rows)
    # The frame is built once per load, not on every rerun (data_editor copies what it gets).
    frame = pd.DataFrame(table).set_index("id").drop(columns=["version"]) if table else None
    snapshot = {"filters": filters, "rows": table, "frame": frame, "more": more}
    st.session_state[SNAPSHOT_KEY] = snapshot

if not snapshot["rows"]:
    st.info("No action items match. Add one above, create them from a meeting, or import them.")
    st.stop()

if snapshot["more"] or many:
    st.toggle(f"Show up to {MANY:,} items", key="actions_many")
if snapshot["more"]:
    st.caption(f"The first {limit:,} matching items by due date: narrow the filters to see others.")
edited = st.data_editor(
    snapshot["frame"],
    key="actions_editor",
    disabled=not editable or ["overdue", "meeting", "vendor", "carried"],
    num_rows="fixed",
    width="stretch",
    column_config={
        "title": st.column_config.TextColumn("Title", required=True, max_chars=300),
        "owner_email": st.column_config.SelectboxColumn("Owner", options=["", *emails]),
        "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn(
            "Status", options=ACTION_STATUS.values, required=True, format_func=_status_label
        ),
        "priority": st.column_config.SelectboxColumn(
            "Priority",
            options=ACTION_PRIORITY.values,
            required=True,
            format_func=_priority_label,
        ),
        "notes": st.column_config.TextColumn("Notes"),
        "overdue": st.column_config.CheckboxColumn("Overdue"),
        "meeting": st.column_config.TextColumn("Meeting"),
        "vendor": st.column_config.TextColumn("Vendor"),
        "carried": st.column_config.NumberColumn("Carried", help="times carried over"),
    },
)

c1, c2 = st.columns([1, 5])
if c2.button("Reload", key="actions_reload"):
    st.session_state.pop(SNAPSHOT_KEY, None)
    st.rerun()
if editable and c1.button("Save changes", type="primary", key="actions_save"):
    edited_rows: dict[int, dict[str, Any]] = {
        int(str(k)): {str(c): v for c, v in row.items()}
        for k, row in edited.to_dict(orient="index").items()
    }
    changed = bulk_edit.changed_rows(snapshot["rows"], edited_rows)
    if not changed:
        st.info("Nothing changed.")
    else:
        with allowed():
            try:
                result = bulk_edit.bulk_save(db, actor, changed)
            except ValueError as exc:
                st.error(f"Nothing was saved: {md_escape(exc)}")
                st.stop()
        st.session_state.pop(SNAPSHOT_KEY, None)
        st.session_state["actions_result"] = result.message()
        st.rerun()

if message := st.session_state.pop("actions_result", None):
    (st.warning if "Not saved" in message else st.success)(md_escape(message))
