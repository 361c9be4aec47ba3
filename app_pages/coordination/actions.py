"""Action items: quick add, filters, and a table to edit many at once (saved in one go)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import actions, bulk_edit, people
from services.core import clock
from services.core.statuses import OPEN_ACTION_STATUSES
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database
from ui.text import md_escape

SNAPSHOT_KEY = "actions_snapshot"


def _differs(a: object, b: object) -> bool:
    def norm(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
            return None
        if isinstance(v, pd.Timestamp):
            return v.date()
        if isinstance(v, date):
            return v
        return v

    return norm(a) != norm(b)


actor = require_actor()
db = database()
st.title("Action items")
editable = can(actor, "actions.edit")

with allowed():
    everyone = people.list_people(db, actor) if can(actor, "people.read") else []
emails = [p.email for p in everyone]

if editable:
    with st.form("actions_quick_add", clear_on_submit=True):
        st.caption(
            "Quick add: type the title; `@email` sets the owner, `due:fri` or `due:2026-12-01` "
            "the due date, `!high` the priority."
        )
        cols = st.columns([5, 2, 2])
        text = cols[0].text_input("New action item", key="actions_quick_text")
        owner = cols[1].selectbox("Owner", ["", *emails], key="actions_quick_owner")
        due = cols[2].date_input("Due", value=None, key="actions_quick_due")
        if st.form_submit_button("Add", type="primary", key="actions_quick_submit"):
            with allowed():
                try:
                    item = actions.quick_add(
                        db,
                        actor,
                        text,
                        default_owner_email=owner or None,
                        default_due=due,
                        today=clock.today(db),
                    )
                except ValueError as exc:
                    st.error(md_escape(exc))
                else:
                    st.session_state.pop(SNAPSHOT_KEY, None)
                    st.toast(f"Added: {md_escape(item.title)}")

f1, f2, f3 = st.columns([3, 4, 2])
owner_filter = f1.selectbox("Owner", ["Anyone", *emails], key="actions_filter_owner")
status_filter = f2.multiselect(
    "Status",
    actions.STATUSES,
    default=list(OPEN_ACTION_STATUSES),
    key="actions_filter_status",
)
overdue_only = f3.checkbox("Overdue only", key="actions_filter_overdue")
filters = (owner_filter, tuple(status_filter), overdue_only)

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
        )
    snapshot = {
        "filters": filters,
        "rows": [
            {
                "id": r.id,
                "title": r.title,
                "owner_email": r.owner_email,
                "due_date": r.due_date,
                "status": r.status,
                "priority": r.priority,
                "notes": r.notes,
                "overdue": r.overdue,
                "meeting": r.meeting,
                "vendor": r.vendor,
                "carried": r.carry_count,
                "version": r.version,
            }
            for r in rows
        ],
    }
    st.session_state[SNAPSHOT_KEY] = snapshot

if not snapshot["rows"]:
    st.info(
        "No action items match. Add one above, create them from a meeting, or import a "
        "spreadsheet with `opsdesk import-records action-items FILE`."
    )
    st.stop()

frame = pd.DataFrame(snapshot["rows"]).set_index("id")
shown = frame.drop(columns=["version"])
edited = st.data_editor(
    shown,
    key="actions_editor",
    disabled=not editable or ["overdue", "meeting", "vendor", "carried"],
    num_rows="fixed",
    width="stretch",
    column_config={
        "title": st.column_config.TextColumn("Title", required=True, max_chars=300),
        "owner_email": st.column_config.SelectboxColumn("Owner", options=["", *emails]),
        "due_date": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
        "status": st.column_config.SelectboxColumn(
            "Status", options=actions.STATUSES, required=True
        ),
        "priority": st.column_config.SelectboxColumn(
            "Priority", options=actions.PRIORITIES, required=True
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
    changed: list[dict[str, object]] = []
    for action_id, row in edited.iterrows():
        # The frame is indexed by action id, so one id is one row.
        before = cast("pd.Series[Any]", frame.loc[cast(int, action_id)])
        values = {k: row[k] for k in actions.EDITABLE if k in row}
        if any(_differs(values[k], before[k]) for k in values):
            changed.append({"id": action_id, "version": int(before["version"]), **values})
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
