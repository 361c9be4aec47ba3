"""The form that records an incident (Incidents page): the clocks start when it is saved."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.governance import incidents, obligations
from services.governance.incident_views import IncidentView
from services.governance.incidents import CATEGORY_LABELS, IncidentInput
from services.vendors import vendors
from ui.forms import edit_form, new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.widgets import forget_opened, select_one


def incident_form(db: Database, actor: Actor, now: datetime, tz: ZoneInfo) -> None:
    with allowed():
        models = obligations.model_choices(db, actor)
        people = {p.id: p.name for p in vendors.owner_choices(db, actor, may="governance.read")}
    if not models:
        st.caption("Add a model first, on the Models page.")
        return
    st.subheader("Record an incident")
    with st.form(key := new_form_key("incident_add")):
        title = st.text_input("What happened", key=f"{key}_title")
        category = st.selectbox(
            "Category",
            list(CATEGORY_LABELS),
            format_func=lambda c: CATEGORY_LABELS[c],
            key=f"{key}_category",
        )
        chosen = st.multiselect(
            "Models involved", list(models), format_func=lambda m: models[m], key=f"{key}_models"
        )
        c1, c2 = st.columns(2)
        aware_day = c1.date_input(
            "We became aware on", value=now.astimezone(tz).date(), key=f"{key}_day"
        )
        # Now, not a fixed hour: a default later today is refused as in the future, and an
        # incident recorded as it is found is recorded at the time it was found.
        aware_time = c2.time_input(
            "at",
            value=now.astimezone(tz).time().replace(second=0, microsecond=0),
            key=f"{key}_time",
        )
        severity = st.selectbox(
            "Severity", ["critical", "high", "medium", "low"], index=1, key=f"{key}_severity"
        )
        owner = select_one("Owner", {None: "(nobody)"} | people, key=f"{key}_owner")
        description = st.text_area("Description", key=f"{key}_description")
        if st.form_submit_button("Record incident", type="primary"):
            data = IncidentInput(
                title=title,
                category=category,
                model_ids=chosen,
                aware_at=datetime.combine(aware_day, aware_time, tzinfo=tz),
                severity=severity,
                owner_id=owner,
                description=description,
            )
            save_new(
                "incident_add",
                lambda: incidents.record_incident(db, actor, data, now=now, tz=tz),
                "Incident recorded: clocks started",
            )


def incident_actions(
    db: Database, actor: Actor, v: IncidentView, now: datetime, tz: ZoneInfo
) -> None:
    """Record a step, close, or release the deployment hold of the incident ``v``."""
    if v.status != "closed" and can(actor, "incidents.edit"):
        _step_and_close(db, actor, v, now, tz)
    if can(actor, "incidents.release_hold") and v.held:
        reason = st.text_input("Reason to release the hold", key=f"inc_reason_{v.id}")
        if st.button("Release the deployment hold", key=f"inc_release_{v.id}"):
            forget_opened(f"incident_{v.id}")  # the release is a new version of the incident
            forget_opened(f"incident_details_{v.id}")
            save_and_rerun(
                lambda: incidents.release_hold(db, actor, v.id, reason, now=now), "Hold released"
            )


def _step_and_close(
    db: Database, actor: Actor, v: IncidentView, now: datetime, tz: ZoneInfo
) -> None:
    def fields(prefix: str) -> tuple[str, datetime]:
        step = st.selectbox(
            "Record",
            list(incidents.STEP_FIELDS),
            format_func=lambda s: s.replace("_", " ").capitalize(),
            key=f"{prefix}_step",
        )
        c1, c2 = st.columns(2)
        day = c1.date_input("On", value=now.astimezone(tz).date(), key=f"{prefix}_day")
        at = c2.time_input(
            "At",
            value=now.astimezone(tz).time().replace(second=0, microsecond=0),
            key=f"{prefix}_at",
        )
        return step, datetime.combine(day, at, tzinfo=tz)

    def record(data: tuple[str, datetime], opened: int) -> None:
        incidents.record_step(db, actor, v.id, *data, expected_version=opened, now=now)
        forget_opened(f"incident_details_{v.id}")  # this person's own change: opens afresh

    # The close button acts on the incident as this person opened it, like the step form: a
    # close after someone else's change is refused with a message, never applied unread.
    opened = edit_form(
        "incident", v.id, v.version, fields, record, submit="Save step", done="Step recorded"
    )
    if can(actor, "incidents.close") and st.button(
        "Close incident", key=f"incident_{v.id}_{opened}_close"
    ):
        forget_opened(f"incident_{v.id}")
        save_and_rerun(
            lambda: incidents.close_incident(db, actor, v.id, expected_version=opened, now=now),
            "Incident closed",
        )
