"""Meetings: the list, and a new meeting or series. One meeting opens on the Meeting page."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import meetings
from services.coordination.choices import MEETING_STATUS
from services.coordination.recurrence import describe
from services.core import clock
from ui.auth import require_actor
from ui.coordination.meeting_new import new_meeting, new_template
from ui.guard import allowed
from ui.links import switch_to
from ui.state import database, settings
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
st.title("Meetings")

# A link from before the split (?meeting=ID on this page) still opens that meeting.
if (old := st.query_params.get("meeting")) is not None:
    switch_to("meeting", {"meeting": old})

with allowed():
    listed = meetings.list_meetings(db, actor, since=clock.now(db) - timedelta(days=120))

if listed:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": m.local_start.strftime("%Y-%m-%d %H:%M"),
                    "Time zone": m.timezone,
                    "Title": m.title,
                    "Repeats": describe(m.rrule) if m.rrule else "",
                    "Vendor": m.vendor,
                    "Status": MEETING_STATUS.label(m.status),
                    "Open action items": m.open_actions,
                }
                for m in listed
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_id = {m.id: m for m in listed}
    upcoming = meetings.next_meeting_id(listed, clock.now(db))
    pick = st.selectbox(
        "Open a meeting",
        list(by_id),
        index=list(by_id).index(upcoming) if upcoming in by_id else len(by_id) - 1,
        format_func=lambda i: f"{by_id[i].local_start:%Y-%m-%d %H:%M} · {by_id[i].title}",
        key="meetings_pick",
    )
    if st.button("Open", key="meetings_open", type="primary"):
        switch_to("meeting", {"meeting": str(pick)})
else:
    st.info("No meetings yet. Create a one-off meeting or a recurring series below.")

if can(actor, "meetings.edit"):
    lazy_expander(
        "New meeting",
        lambda: new_meeting(db, actor, settings().timezone),
        key="meetings_new_open",
        expanded=not listed,
    )
    lazy_expander(
        "New agenda template", lambda: new_template(db, actor), key="meetings_template_open"
    )
