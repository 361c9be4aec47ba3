"""One meeting's workspace: scheduling, attendees, agenda with minutes, action items, notes."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from db.engine import Database
from db.models import Meeting
from services.access.access import Actor, can
from services.coordination import actions, meetings, people, recurrence
from services.coordination.choices import ACTION_PRIORITY, ACTION_STATUS, AGENDA_STATUS
from services.core import clock
from services.core.statuses import OPEN_ACTION_STATUSES
from ui.forms import attempt, edit_form, new_form_key, save_new
from ui.guard import allowed
from ui.text import md_escape
from ui.widgets import forget_opened, opened_version


def _opened(meeting: Meeting) -> tuple[str, int]:
    """The meeting's schedule and notes forms, keyed under ``f"{form}_{opened}"``, save against
    the version this person opened (``opened_version``): a save after someone else changed the
    meeting is refused with a message, where a form keyed by the version read on each run was
    redrawn and its save dropped without a word. Both share it, so that either save (or a status
    change) opens both afresh: the person's own change never reads as someone else's."""
    form = f"meeting_{meeting.id}"
    return form, opened_version(form, meeting.version)


def status_buttons(db: Database, actor: Actor, meeting: Meeting, bar: DeltaGenerator) -> None:
    """Mark as held and Cancel (or Restore), drawn into the page's action ``bar``."""
    cancel = "cancelled" if meeting.status != "cancelled" else "scheduled"
    for status, label in (
        ("done", "Mark as held"),
        (cancel, "Cancel meeting" if cancel == "cancelled" else "Restore meeting"),
    ):
        if meeting.status != status and bar.button(label, key=f"meeting_status_{status}"):
            forget_opened(_opened(meeting)[0])  # a new version: the forms open afresh
            if attempt(
                partial(meetings.set_meeting_status, db, actor, meeting.id or 0, status),
                "Saved",
            ):
                st.rerun()


def schedule(db: Database, actor: Actor, detail: meetings.MeetingDetail) -> None:
    meeting = detail.meeting
    form, opened = _opened(meeting)
    with st.form(key := f"{form}_{opened}_move"):
        r1, r2, r3 = st.columns(3)
        new_day = r1.date_input("Date", value=detail.local_start.date(), key=f"{key}_date")
        new_time = r2.time_input("Time", value=detail.local_start.time(), key=f"{key}_time")
        new_minutes = r3.number_input(
            "Minutes", 5, 24 * 60, meeting.duration_minutes, step=5, key=f"{key}_duration"
        )
        st.caption(f"Time zone: {md_escape(meeting.timezone)}")
        if st.form_submit_button("Reschedule", key=f"{key}_submit"):
            forget_opened(form)
            starts_at = recurrence.localize(
                datetime.combine(new_day, new_time), recurrence.zone(meeting.timezone)
            )
            if attempt(
                lambda: meetings.reschedule_meeting(
                    db,
                    actor,
                    meeting.id or 0,
                    starts_at=starts_at,
                    duration_minutes=int(new_minutes),
                    expected_version=opened,
                ),
                "Rescheduled",
            ):
                st.rerun()


def attendees(db: Database, actor: Actor, detail: meetings.MeetingDetail) -> None:
    meeting_id = detail.meeting.id or 0
    with allowed():
        directory = people.list_people(db, actor) if can(actor, "people.read") else []
    invited = {e for _, e in detail.attendees}
    candidates = {p.id: f"{p.name} <{p.email}>" for p in directory if p.email not in invited}
    with st.form(key := new_form_key("meeting_invite")):
        more = st.multiselect(
            "Invite people",
            list(candidates),
            format_func=candidates.__getitem__,
            key=f"{key}_people",
        )
        outside = st.text_input("Invite outside emails (comma separated)", key=f"{key}_outside")
        if st.form_submit_button("Invite", key="invite_submit"):
            save_new(
                "meeting_invite",
                lambda: meetings.add_attendees(
                    db,
                    actor,
                    meeting_id,
                    meetings.Attendees(tuple(more), tuple(outside.split(","))),
                ),
                "Invited",
            )
    if invited:
        u1, u2 = st.columns([3, 1], vertical_alignment="bottom")
        gone = u1.selectbox("Remove an attendee", sorted(invited), key="uninvite_pick")
        if (
            u2.button("Remove", key="uninvite_submit")
            and gone
            and attempt(lambda: meetings.remove_attendee(db, actor, meeting_id, gone), "Removed")
        ):
            st.rerun()


def agenda(db: Database, actor: Actor, detail: meetings.MeetingDetail, editable: bool) -> None:
    st.subheader("Agenda")
    if not detail.agenda:
        st.caption("No agenda items yet.")
    for item in detail.agenda:
        label = item.title
        if item.carried_from:
            label += f" · carried from {item.carried_from.isoformat()} ({item.carry_count}x)"
        if item.status != "open":
            label += f" · {AGENDA_STATUS.label(item.status)}"
        with st.expander(md_escape(label), expanded=item.status == "open"):
            if item.details:
                st.text(item.details)
            if not editable:
                for name, text in (("Minutes", item.minutes), ("Decision", item.decision)):
                    if text:
                        st.text(f"{name}: {text}")
                continue
            _agenda_item_form(db, actor, item)
    if editable:
        _add_to_agenda(db, actor, detail.meeting.id or 0)


def _agenda_item_form(db: Database, actor: Actor, item: meetings.AgendaRow) -> None:
    def fields(prefix: str) -> tuple[str, str, str]:
        minutes = st.text_area("Minutes", value=item.minutes, key=f"{prefix}_minutes")
        decision = st.text_area("Decision", value=item.decision, key=f"{prefix}_decision")
        status = st.selectbox(
            "Status",
            AGENDA_STATUS.values,
            index=AGENDA_STATUS.values.index(item.status),
            format_func=AGENDA_STATUS.label,
            key=f"{prefix}_status",
        )
        return minutes, decision, status

    def save(data: tuple[str, str, str], opened: int) -> None:
        minutes, decision, status = data
        meetings.record_agenda_item(
            db,
            actor,
            item.id,
            expected_version=opened,
            minutes=minutes,
            decision=decision,
            status=status,
        )

    edit_form(
        "agenda",
        item.id,
        item.version,
        fields,
        save,
        submit="Save",
        submit_key=f"ag_save_{item.id}",
    )


def _add_to_agenda(db: Database, actor: Actor, meeting_id: int) -> None:
    with st.form(key := new_form_key("agenda_add")):
        a1, a2 = st.columns([3, 1], vertical_alignment="bottom")
        new_item = a1.text_input("New agenda item", key=f"{key}_title")
        if a2.form_submit_button("Add to agenda", key="agenda_add_submit"):
            save_new(
                "agenda_add",
                lambda: meetings.add_agenda_item(db, actor, meeting_id, new_item),
                "Added",
            )
    with allowed():
        templates = {t.id: t.name for t in meetings.list_templates(db, actor) if t.id}
    t1, t2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = t1.selectbox(
        "Add the items of an agenda template",
        list(templates),
        format_func=templates.__getitem__,
        key="agenda_template_pick",
    )
    if (
        t2.button("Add template items", key="agenda_template_apply")
        and chosen is not None
        and attempt(
            lambda: meetings.apply_template(db, actor, meeting_id, chosen), "Template items added"
        )
    ):
        st.rerun()


def action_items(db: Database, actor: Actor, detail: meetings.MeetingDetail) -> None:
    st.subheader("Action items")
    if detail.actions:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Title": a.title,
                        "Owner": a.owner or a.owner_email,
                        "Due": a.due_date,
                        "Status": ACTION_STATUS.label(a.status),
                        "Priority": ACTION_PRIORITY.label(a.priority),
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
    if not can(actor, "actions.edit"):
        return
    _close_action(db, actor, detail)
    _add_action(db, actor, detail)


def _close_action(db: Database, actor: Actor, detail: meetings.MeetingDetail) -> None:
    open_actions = {a.id: a for a in detail.actions if a.status in OPEN_ACTION_STATUSES}
    if not open_actions:
        return
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    target = c1.selectbox(
        "Close or drop an action item",
        list(open_actions),
        format_func=lambda i: open_actions[i].title,
        key="meeting_action_pick",
    )
    for column, status, label in ((c2, "done", "Done"), (c3, "dropped", "Drop")):
        change = partial(
            actions.set_status,
            db,
            actor,
            target,
            status,
            expected_version=open_actions[target].version,
        )
        if column.button(label, key=f"meeting_action_{status}") and attempt(
            change, f"Marked {ACTION_STATUS.label(status).lower()}"
        ):
            st.rerun()


def _add_action(db: Database, actor: Actor, detail: meetings.MeetingDetail) -> None:
    with allowed():
        others = people.list_people(db, actor) if can(actor, "people.read") else []
    emails = [e for _, e in detail.attendees]
    emails += [p.email for p in others if p.email not in emails]
    with st.form(key := new_form_key("meeting_action_add")):
        # Priority at 2, not 1: at one ninth of the form its select read "Medi".
        b1, b2, b3, b4 = st.columns([3, 2, 2, 2])
        text = b1.text_input(
            "New action item",
            key=f"{key}_title",
            help="`@email`, `due:fri` and `!high` work here too",
        )
        owner = b2.selectbox("Owner", ["", *emails], key=f"{key}_owner")
        due = b3.date_input("Due", value=None, key=f"{key}_due")
        priority = b4.selectbox(
            "Priority",
            ACTION_PRIORITY.values,
            index=1,
            format_func=ACTION_PRIORITY.label,
            key=f"{key}_priority",
        )
        if st.form_submit_button("Add action item", key="meeting_action_submit"):
            save_new(
                "meeting_action_add",
                lambda: actions.quick_add(
                    db,
                    actor,
                    actions.with_priority(text, priority),
                    default_owner_email=owner or None,
                    default_due=due,
                    meeting_id=detail.meeting.id,
                    today=clock.today(db),
                ),
                "Action item added",
            )


def notes(db: Database, actor: Actor, meeting: Meeting, editable: bool) -> None:
    st.subheader("Meeting notes")
    if not editable:
        if meeting.minutes:
            st.text(meeting.minutes)
        return
    form, opened = _opened(meeting)
    with st.form(key := f"{form}_{opened}_notes"):
        text = st.text_area("General minutes", value=meeting.minutes, key=f"{key}_text")
        if st.form_submit_button("Save notes", key=f"{key}_submit"):
            forget_opened(form)
            if attempt(
                lambda: meetings.save_meeting_minutes(
                    db, actor, meeting.id or 0, text, expected_version=opened
                ),
                "Notes saved",
            ):
                st.rerun()
