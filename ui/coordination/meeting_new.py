"""The "New meeting" and "New agenda template" forms of the meetings list."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.coordination import meetings, people, recurrence
from services.core import clock
from services.governance import reviews
from ui.forms import attempt
from ui.guard import allowed
from ui.links import switch_to

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


def _optional(label: str, names: dict[int, str], key: str) -> int | None:
    chosen: int | None = st.selectbox(
        label,
        [None, *names],
        format_func=lambda i: "(none)" if i is None else names[i],
        key=key,
    )
    return chosen


def new_meeting(db: Database, actor: Actor, workspace_tz: str) -> None:
    with allowed():
        templates = meetings.list_templates(db, actor)
        everyone = people.list_people(db, actor)
        vendors = dict(meetings.vendor_choices(db, actor))
        contracts = meetings.contract_choices(db, actor)
    contract_vendor = {cid: vid for cid, vid, _label in contracts}
    zones = [workspace_tz, *[z for z in ZONES if z != workspace_tz]]
    with st.form("meetings_new"):
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
        tz = c3.selectbox("Time zone", zones, key="new_tz", accept_new_options=True) or "UTC"
        minutes = c4.number_input("Minutes", 5, 24 * 60, 30, step=5, key="new_duration")
        person_names = {p.id: f"{p.name} <{p.email}>" for p in everyone}
        chosen_people = st.multiselect(
            "Attendees", list(person_names), format_func=person_names.__getitem__, key="new_people"
        )
        outside = st.text_input("Outside attendees (emails, comma separated)", key="new_outside")
        v1, v2, v3 = st.columns(3)
        with v1:
            vendor_id = _optional("Vendor (adds a vendor facts agenda item)", vendors, "new_vendor")
        with v2:
            names = {t.id: t.name for t in templates if t.id is not None}
            template_id = _optional("Agenda template", names, "new_template")
        with v3:
            labels = {cid: label for cid, _vid, label in contracts}
            contract_id = _optional("Contract (optional)", labels, "new_contract")
        review = st.checkbox(
            "Governance review: each meeting's agenda is filled from the records",
            key="new_review",
            help="Open incidents and their clocks, drift breaches, stale model cards, obligations "
            "due or missing evidence, and renewals of the contracts models depend on; refreshed "
            "in the week before each meeting.",
        )
        if not st.form_submit_button("Create", type="primary", key="new_submit"):
            return
        if review and (kind == "One-off" or vendor_id or template_id or contract_id):
            st.error(
                "A governance review repeats and takes its agenda from the records: choose how "
                "often, and leave the vendor, template and contract empty. Nothing was created."
            )
            return
        common = {
            "title": title,
            "timezone": tz,
            "duration_minutes": int(minutes),
            "attendees": meetings.Attendees(
                tuple(chosen_people), tuple(e for e in outside.split(",") if e.strip())
            ),
            "vendor_id": vendor_id if contract_id is None else contract_vendor[contract_id],
            "contract_id": contract_id,
            "template_id": template_id,
            "today": clock.today(db),
        }

        def _create() -> int:
            start = recurrence.localize(datetime.combine(day, at_time), recurrence.zone(tz))
            if review:
                review_series = reviews.create_review_series(
                    db,
                    actor,
                    title=title,
                    first_starts_at=start,
                    tz=recurrence.zone(tz),
                    now=clock.now(db),
                    rule=kind,
                    attendees=common["attendees"],  # type: ignore[arg-type]
                    duration_minutes=int(minutes),
                )
                return review_series.first_meeting_id or 0
            if kind == "One-off":
                return meetings.create_meeting(db, actor, starts_at=start, **common).id or 0  # type: ignore[arg-type]
            _series, created = meetings.create_series(
                db,
                actor,
                rule=kind,
                first_starts_at=start,
                **common,  # type: ignore[arg-type]
            )
            return created[0].id or 0

        new_id = attempt(_create, "Meeting created")
        if new_id:
            switch_to("meeting", {"meeting": str(new_id)})


def new_template(db: Database, actor: Actor) -> None:
    with st.form("meetings_template"):
        name = st.text_input("Template name", key="tpl_name")
        lines = st.text_area("Agenda items, one per line", key="tpl_items")
        if st.form_submit_button("Save template", key="tpl_submit") and attempt(
            lambda: meetings.create_template(db, actor, name, lines), "Template saved"
        ):
            st.rerun()
