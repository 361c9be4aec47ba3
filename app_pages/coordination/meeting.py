"""One meeting's workspace (``?meeting=ID``): agenda, minutes, decisions, action items and
carry-over to the next meeting of its series."""

from __future__ import annotations

import streamlit as st

from services.access.access import can, require
from services.coordination import ics, meetings
from services.coordination.choices import MEETING_STATUS
from services.coordination.recurrence import describe
from services.core import clock
from services.governance import reviews
from ui.auth import require_actor
from ui.coordination import meeting_workspace as workspace
from ui.forms import attempt
from ui.guard import allowed, save_and_rerun
from ui.links import switch_to
from ui.query import id_from_query, show_not_found
from ui.state import database, settings
from ui.text import md_escape

actor = require_actor()
db = database()
editable = can(actor, "meetings.edit")


def _open(meeting_id: int) -> None:
    st.query_params["meeting"] = str(meeting_id)
    st.rerun()


with allowed():
    require(db, actor, "meetings.read", record_type="meeting")
selected = id_from_query("meeting", what="meeting")
if selected is None:
    st.title("Meeting")
    st.info("Pick a meeting from the list of meetings.")
    if st.button("All meetings", key="meeting_back_missing"):
        switch_to("meetings", {})
    st.stop()
with allowed():
    try:
        detail = meetings.meeting_detail(db, actor, selected)
    except ValueError:
        show_not_found("meeting", "meeting")

meeting = detail.meeting
with st.container(horizontal=True):
    if st.button("All meetings", key="meeting_back"):
        switch_to("meetings", {})
    if detail.previous_id and st.button("Previous", key="meeting_prev"):
        _open(detail.previous_id)
    if detail.next_id and st.button("Next", key="meeting_next"):
        _open(detail.next_id)

st.title(md_escape(meeting.title))
repeats = f" · {describe(detail.series.rrule).lower()}" if detail.series else ""
vendor = f" · vendor {md_escape(detail.vendor)}" if detail.vendor else ""
st.caption(
    f"{detail.local_start:%A %d %B %Y, %H:%M} {md_escape(meeting.timezone)} · "
    f"{meeting.duration_minutes} min · {MEETING_STATUS.label(meeting.status)}{repeats}{vendor}"
)
if detail.attendees:
    st.text("Attendees: " + ", ".join(f"{n} <{e}>" if n else e for n, e in detail.attendees))
for line in detail.money:  # empty for roles that may not see money
    st.text(line)

# One bar of actions, wrapping on a narrow window (columns left gaps where a button is absent).
bar = st.container(horizontal=True)
with allowed(), bar:
    st.download_button(
        "Download .ics",
        lambda: ics.meeting_ics(db, actor, meeting.id or 0),
        file_name=f"meeting-{meeting.id}.ics",
        mime="text/calendar",
        key="meeting_ics",
    )
    if detail.series is not None:
        st.download_button(
            "Series .ics",
            lambda: ics.series_ics(db, actor, detail.series.id or 0),  # type: ignore[union-attr]
            file_name=f"series-{detail.series.id}.ics",
            mime="text/calendar",
            key="series_ics",
        )
if editable:
    workspace.status_buttons(db, actor, meeting, bar)
    with allowed():
        review = detail.series is not None and reviews.is_review(db, actor, detail.series.id)
    if review and bar.button("Refill the agenda from the records", key="meeting_refill"):
        # Items already discussed keep their text; open, unminuted ones take today's records.
        save_and_rerun(
            lambda: reviews.fill_review_agenda(
                db, actor, meeting.id or 0, now=clock.now(db), tz=settings().tz
            ),
            "Agenda refilled from the records",
        )
if (
    detail.series is not None
    and editable
    and bar.button(
        "Open next meeting (carry over open items)", key="meeting_open_next", type="primary"
    )
):
    result = attempt(
        lambda: meetings.open_next_meeting(db, actor, meeting.id or 0, today=clock.today(db)),
        "Next meeting opened",
    )
    if isinstance(result, meetings.CarryResult):
        st.session_state["carry_message"] = (
            f"Carried over {result.agenda_items} agenda item(s) and {result.action_items} "
            "action item(s)."
        )
        _open(result.meeting_id)
if editable:
    with st.expander("Reschedule or change attendees"):
        workspace.schedule(db, actor, detail)
        workspace.attendees(db, actor, detail)
if message := st.session_state.pop("carry_message", None):
    st.success(message)

workspace.agenda(db, actor, detail, editable)
workspace.action_items(db, actor, detail)
workspace.notes(db, actor, meeting, editable)
