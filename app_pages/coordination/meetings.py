"""Meetings: the list, a new meeting or series, and one meeting's agenda, minutes, decisions,
action items and carry-over. ``?meeting=ID`` opens a meeting."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import actions, ics, meetings, people, recurrence
from services.core import clock
from services.core.statuses import OPEN_ACTION_STATUSES
from settings import get_settings
from ui.auth import require_actor
from ui.guard import allowed
from ui.query import id_from_query, show_not_found
from ui.state import database
from ui.text import md_escape

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
]

actor = require_actor()
db = database()
editable = can(actor, "meetings.edit")
st.title("Meetings")


def _do(change, done: str):  # type: ignore[no-untyped-def]
    with allowed():
        try:
            result = change()
        except ValueError as exc:
            st.error(md_escape(exc))
            return None
    st.toast(md_escape(done))
    return True if result is None else result


def _open(meeting_id: int | None) -> None:
    if meeting_id is None:
        st.query_params.pop("meeting", None)
    else:
        st.query_params["meeting"] = str(meeting_id)
    st.rerun()


selected = id_from_query("meeting", what="meeting")

with allowed():
    listed = meetings.list_meetings(db, actor, since=clock.now(db) - timedelta(days=120))

# --- list and create ------------------------------------------------------------------------

if selected is None:
    if listed:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "When": m.local_start.strftime("%Y-%m-%d %H:%M"),
                        "Time zone": m.timezone,
                        "Title": m.title,
                        "Recurring": m.recurring,
                        "Vendor": m.vendor,
                        "Status": m.status,
                        "Open action items": m.open_actions,
                    }
                    for m in listed
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        by_id = {m.id: m for m in listed}
        upcoming = [m.id for m in listed if m.starts_at >= clock.now(db) - timedelta(hours=2)]
        pick = st.selectbox(
            "Open a meeting",
            list(by_id),
            index=list(by_id).index(upcoming[0]) if upcoming else len(by_id) - 1,
            format_func=lambda i: f"{by_id[i].local_start:%Y-%m-%d %H:%M} · {by_id[i].title}",
            key="meetings_pick",
        )
        if st.button("Open", key="meetings_open", type="primary"):
            _open(pick)
    else:
        st.info("No meetings yet. Create a one-off meeting or a recurring series below.")

    if editable:
        with allowed():
            templates = meetings.list_templates(db, actor)
            everyone = people.list_people(db, actor)
            vendors = meetings.vendor_choices(db, actor)
            contracts = meetings.contract_choices(db, actor)
        contract_names = {cid: label for cid, _vid, label in contracts}
        contract_vendor = {cid: vid for cid, vid, _label in contracts}
        template_names = {t.id: t.name for t in templates if t.id is not None}
        vendor_names = dict(vendors)
        person_names = {p.id: f"{p.name} <{p.email}>" for p in everyone}
        workspace_tz = get_settings().timezone
        zones = [workspace_tz, *[z for z in ZONES if z != workspace_tz]]
        with st.expander("New meeting", expanded=not listed), st.form("meetings_new"):
            title = st.text_input("Title", key="new_title")
            kind = st.radio(
                "Kind",
                ["One-off", *recurrence.FREQUENCIES],
                horizontal=True,
                key="new_kind",
                format_func=lambda k: k.capitalize(),
            )
            c1, c2, c3, c4 = st.columns(4)
            day = c1.date_input(
                "Date (first meeting)", value=clock.today(db) + timedelta(days=1), key="new_date"
            )
            at_time = c2.time_input("Time", value=time(10, 0), key="new_time")
            tz = c3.selectbox("Time zone", zones, key="new_tz", accept_new_options=True)
            minutes = c4.number_input("Minutes", 5, 24 * 60, 30, step=5, key="new_duration")
            chosen_people = st.multiselect(
                "Attendees",
                list(person_names),
                format_func=lambda i: person_names[i],
                key="new_people",
            )
            outside = st.text_input(
                "Outside attendees (emails, comma separated)", key="new_outside"
            )
            v1, v2, v3 = st.columns(3)
            vendor_id = v1.selectbox(
                "Vendor (adds a vendor facts agenda item)",
                [None, *vendor_names],
                format_func=lambda i: "(none)" if i is None else vendor_names[i],
                key="new_vendor",
            )
            template_id = v2.selectbox(
                "Agenda template",
                [None, *template_names],
                format_func=lambda i: "(none)" if i is None else template_names[i],
                key="new_template",
            )
            contract_id = v3.selectbox(
                "Contract (optional)",
                [None, *contract_names],
                format_func=lambda i: "(none)" if i is None else contract_names[i],
                key="new_contract",
            )
            if st.form_submit_button("Create", type="primary", key="new_submit"):
                if contract_id is not None and vendor_id is None:
                    vendor_id = contract_vendor[contract_id]
                attendees = meetings.Attendees(tuple(chosen_people), (outside,))
                # The fields one-offs and series share; each service checks them.
                common: dict[str, Any] = {
                    "title": title,
                    "timezone": tz or "UTC",
                    "duration_minutes": int(minutes),
                    "attendees": attendees,
                    "vendor_id": vendor_id,
                    "contract_id": contract_id,
                    "template_id": template_id,
                    "today": clock.today(db),
                }

                def _create() -> int:
                    start = recurrence.localize(
                        datetime.combine(day, at_time), recurrence.zone(tz or "UTC")
                    )
                    if kind == "One-off":
                        m = meetings.create_meeting(db, actor, starts_at=start, **common)
                        return m.id or 0
                    _series, created = meetings.create_series(
                        db, actor, rule=kind, first_starts_at=start, **common
                    )
                    return created[0].id or 0

                new_id = _do(_create, "Meeting created")
                if new_id:
                    _open(new_id)
        with st.expander("New agenda template"), st.form("meetings_template"):
            name = st.text_input("Template name", key="tpl_name")
            lines = st.text_area("Agenda items, one per line", key="tpl_items")
            if st.form_submit_button("Save template", key="tpl_submit") and _do(
                lambda: meetings.create_template(db, actor, name, lines), "Template saved"
            ):
                st.rerun()
    st.stop()

# --- one meeting ----------------------------------------------------------------------------

with allowed():
    try:
        detail = meetings.meeting_detail(db, actor, selected)
    except ValueError:
        show_not_found("meeting", "meeting")

meeting = detail.meeting
nav = st.columns([1, 1, 1, 3])
if nav[0].button("All meetings", key="meeting_back"):
    _open(None)
if detail.previous_id and nav[1].button("Previous", key="meeting_prev"):
    _open(detail.previous_id)
if detail.next_id and nav[2].button("Next", key="meeting_next"):
    _open(detail.next_id)

st.header(md_escape(meeting.title))
when = detail.local_start.strftime("%A %d %B %Y, %H:%M")
extra = f" · vendor {md_escape(detail.vendor)}" if detail.vendor else ""
series_text = f" · repeats ({md_escape(detail.series.rrule)})" if detail.series else ""
st.caption(
    f"{when} {md_escape(meeting.timezone)} · {meeting.duration_minutes} min · "
    f"{meeting.status}{series_text}{extra}"
)
if detail.attendees:
    st.text("Attendees: " + ", ".join(f"{n} <{e}>" if n else e for n, e in detail.attendees))
for line in detail.money:  # empty for roles that may not see money
    st.text(line)

d1, d2, d3 = st.columns([1, 1, 2])
with allowed():
    d1.download_button(
        "Download .ics",
        lambda: ics.meeting_ics(db, actor, meeting.id or 0),
        file_name=f"meeting-{meeting.id}.ics",
        mime="text/calendar",
        key="meeting_ics",
    )
    if detail.series is not None:
        series_id = detail.series.id or 0
        d2.download_button(
            "Series .ics",
            lambda: ics.series_ics(db, actor, series_id),
            file_name=f"series-{detail.series.id}.ics",
            mime="text/calendar",
            key="series_ics",
        )
if (
    detail.series is not None
    and editable
    and d3.button(
        "Open next meeting (carry over open items)", key="meeting_open_next", type="primary"
    )
):
    result = _do(
        lambda: meetings.open_next_meeting(db, actor, meeting.id or 0, today=clock.today(db)),
        "Next meeting opened",
    )
    if result:
        st.session_state["carry_message"] = (
            f"Carried over {result.agenda_items} agenda item(s) and {result.action_items} "
            "action item(s)."
        )
        _open(result.meeting_id)
if editable:
    s1, s2, _rest = st.columns([1, 1, 4])
    for column, status, label in (
        (s1, "done", "Mark as held"),
        (
            s2,
            "cancelled" if meeting.status != "cancelled" else "scheduled",
            "Cancel meeting" if meeting.status != "cancelled" else "Restore meeting",
        ),
    ):
        if (
            meeting.status != status
            and column.button(label, key=f"meeting_status_{status}")
            and _do(
                lambda s=status: meetings.set_meeting_status(db, actor, meeting.id or 0, s),
                "Saved",
            )
        ):
            st.rerun()
if editable:
    with st.expander("Reschedule or change attendees"):
        with st.form(f"meeting_move_{meeting.version}"):
            r1, r2, r3 = st.columns(3)
            new_day = r1.date_input("Date", value=detail.local_start.date(), key="move_date")
            new_time = r2.time_input("Time", value=detail.local_start.time(), key="move_time")
            new_minutes = r3.number_input(
                "Minutes", 5, 24 * 60, meeting.duration_minutes, step=5, key="move_duration"
            )
            st.caption(f"Time zone: {md_escape(meeting.timezone)}")
            if st.form_submit_button("Reschedule", key="move_submit") and _do(
                lambda: meetings.reschedule_meeting(
                    db,
                    actor,
                    meeting.id or 0,
                    starts_at=recurrence.localize(
                        datetime.combine(new_day, new_time), recurrence.zone(meeting.timezone)
                    ),
                    duration_minutes=int(new_minutes),
                    expected_version=meeting.version,
                ),
                "Rescheduled",
            ):
                st.rerun()
        with allowed():
            directory = people.list_people(db, actor) if can(actor, "people.read") else []
        invited = {e for _, e in detail.attendees}
        candidates = {p.id: f"{p.name} <{p.email}>" for p in directory if p.email not in invited}
        with st.form("meeting_invite", clear_on_submit=True):
            more = st.multiselect(
                "Invite people",
                list(candidates),
                format_func=lambda i: candidates[i],
                key="invite_people",
            )
            outside_more = st.text_input(
                "Invite outside emails (comma separated)", key="invite_outside"
            )
            if (
                st.form_submit_button("Invite", key="invite_submit")
                and _do(
                    lambda: meetings.add_attendees(
                        db,
                        actor,
                        meeting.id or 0,
                        meetings.Attendees(tuple(more), (outside_more,)),
                    ),
                    "Invited",
                )
                is not None
            ):
                st.rerun()
        if invited:
            u1, u2 = st.columns([3, 1])
            gone = u1.selectbox("Remove an attendee", sorted(invited), key="uninvite_pick")
            if (
                u2.button("Remove", key="uninvite_submit")
                and gone
                and _do(
                    lambda: meetings.remove_attendee(db, actor, meeting.id or 0, gone), "Removed"
                )
                is not None
            ):
                st.rerun()
if message := st.session_state.pop("carry_message", None):
    st.success(message)

st.subheader("Agenda")
if not detail.agenda:
    st.caption("No agenda items yet.")
for item in detail.agenda:
    label = item.title
    if item.carried_from:
        label += f" · carried from {item.carried_from.isoformat()} ({item.carry_count}x)"
    if item.status != "open":
        label += f" · {item.status}"
    with st.expander(md_escape(label), expanded=item.status == "open"):
        if item.details:
            st.text(item.details)
        if not editable:
            if item.minutes:
                st.text("Minutes: " + item.minutes)
            if item.decision:
                st.text("Decision: " + item.decision)
            continue
        with st.form(f"agenda_{item.id}_{item.version}"):
            minutes_text = st.text_area("Minutes", value=item.minutes, key=f"ag_min_{item.id}")
            decision_text = st.text_area("Decision", value=item.decision, key=f"ag_dec_{item.id}")
            status = st.selectbox(
                "Status",
                list(meetings.AGENDA_STATUSES),
                index=list(meetings.AGENDA_STATUSES).index(item.status),
                key=f"ag_status_{item.id}",
            )
            if st.form_submit_button("Save", key=f"ag_save_{item.id}") and _do(
                lambda i=item, m=minutes_text, d=decision_text, s=status: (
                    meetings.record_agenda_item(
                        db, actor, i.id, expected_version=i.version, minutes=m, decision=d, status=s
                    )
                ),
                "Saved",
            ):
                st.rerun()

if editable:
    with st.form("agenda_add", clear_on_submit=True):
        a1, a2 = st.columns([3, 1])
        new_item = a1.text_input("New agenda item", key="agenda_add_title")
        if a2.form_submit_button("Add to agenda", key="agenda_add_submit") and _do(
            lambda: meetings.add_agenda_item(db, actor, meeting.id or 0, new_item), "Added"
        ):
            st.rerun()

if editable:
    with allowed():
        template_choices = {t.id: t.name for t in meetings.list_templates(db, actor) if t.id}
    t1, t2 = st.columns([3, 1])
    chosen_template = t1.selectbox(
        "Add the items of an agenda template",
        list(template_choices),
        format_func=lambda i: template_choices[i],
        key="agenda_template_pick",
    )
    if (
        t2.button("Add template items", key="agenda_template_apply")
        and chosen_template is not None
        and _do(
            lambda: meetings.apply_template(db, actor, meeting.id or 0, chosen_template),
            "Template items added",
        )
        is not None
    ):
        st.rerun()

st.subheader("Action items")
if detail.actions:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Title": a.title,
                    "Owner": a.owner or a.owner_email,
                    "Due": a.due_date,
                    "Status": a.status,
                    "Priority": a.priority,
                    "Carried from": a.carried_from.isoformat() if a.carried_from else "",
                    "Times carried": a.carry_count,
                }
                for a in detail.actions
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No action items from this meeting yet.")
can_act = can(actor, "actions.edit")
open_actions = [a for a in detail.actions if a.status in OPEN_ACTION_STATUSES]
if can_act and open_actions:
    by_action = {a.id: a for a in open_actions}
    c1, c2, c3 = st.columns([4, 1, 1])
    target = c1.selectbox(
        "Close or drop an action item",
        list(by_action),
        format_func=lambda i: by_action[i].title,
        key="meeting_action_pick",
    )
    for column, status, label in ((c2, "done", "Done"), (c3, "dropped", "Drop")):
        if column.button(label, key=f"meeting_action_{status}") and _do(
            lambda s=status: actions.set_status(
                db, actor, target, s, expected_version=by_action[target].version
            ),
            f"Marked {status}",
        ):
            st.rerun()
if can_act:
    with allowed():
        others = people.list_people(db, actor) if can(actor, "people.read") else []
    attendee_emails = [e for _, e in detail.attendees]
    attendee_emails += [p.email for p in others if p.email not in attendee_emails]
    with st.form("meeting_action_add", clear_on_submit=True):
        b1, b2, b3, b4 = st.columns([4, 2, 2, 1])
        text = b1.text_input(
            "New action item",
            key="meeting_action_title",
            help="`@email`, `due:fri` and `!high` work here too",
        )
        owner = b2.selectbox("Owner", ["", *attendee_emails], key="meeting_action_owner")
        due = b3.date_input("Due", value=None, key="meeting_action_due")
        priority = b4.selectbox(
            "Priority", actions.PRIORITIES, index=1, key="meeting_action_priority"
        )
        if st.form_submit_button("Add action item", key="meeting_action_submit"):
            line = text if "!" in text else f"{text} !{priority}"
            if _do(
                lambda: actions.quick_add(
                    db,
                    actor,
                    line,
                    default_owner_email=owner or None,
                    default_due=due,
                    meeting_id=meeting.id,
                    today=clock.today(db),
                ),
                "Action item added",
            ):
                st.rerun()

st.subheader("Meeting notes")
if editable:
    with st.form(f"meeting_notes_{meeting.version}"):
        notes = st.text_area("General minutes", value=meeting.minutes, key="meeting_notes")
        if st.form_submit_button("Save notes", key="meeting_notes_submit") and _do(
            lambda: meetings.save_meeting_minutes(
                db, actor, meeting.id or 0, notes, expected_version=meeting.version
            ),
            "Notes saved",
        ):
            st.rerun()
elif meeting.minutes:
    st.text(meeting.minutes)
