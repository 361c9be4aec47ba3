"""Correcting an open incident (Incidents page): title, description, severity, its status up to
reported, and a hand-over to another owner. The category and the time of awareness set the clocks
and are not offered."""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.governance import incidents
from services.governance.incident_views import IncidentView
from services.governance.incidents import OPEN_STATUSES, IncidentDetails
from services.vendors import vendors
from ui.forms import edit_form
from ui.guard import allowed
from ui.widgets import forget_opened, keeping, select_one

SEVERITIES = ["critical", "high", "medium", "low"]


def details_form(db: Database, actor: Actor, v: IncidentView) -> None:
    with allowed():
        people = {p.id: p.name for p in vendors.owner_choices(db, actor, may="governance.read")}
    owners: dict[int | None, str] = {None: "(nobody)"} | people
    owners = keeping(owners, v.owner_id, v.owner)

    def fields(prefix: str) -> IncidentDetails:
        title = st.text_input("What happened", value=v.title, key=f"{prefix}_title")
        c1, c2 = st.columns(2)
        severity = c1.selectbox(
            "Severity", SEVERITIES, index=SEVERITIES.index(v.severity), key=f"{prefix}_severity"
        )
        status = c2.selectbox(
            "Status",
            OPEN_STATUSES,
            index=OPEN_STATUSES.index(v.status),
            format_func=str.capitalize,
            key=f"{prefix}_status",
        )
        owner = select_one("Owner", owners, current=v.owner_id, key=f"{prefix}_owner")
        description = st.text_area("Description", value=v.description, key=f"{prefix}_description")
        st.caption(
            "A new owner is told by Slack at once and joins the review meeting. The category and "
            "the time we became aware set the clocks: if one is wrong, record the incident again "
            "and have a lead close this one (both are kept)."
        )
        return IncidentDetails(
            title=title, description=description, severity=severity, status=status, owner_id=owner
        )

    def save(data: IncidentDetails, opened: int) -> None:
        incidents.update_details(db, actor, v.id, data, expected_version=opened)
        forget_opened(f"incident_{v.id}")  # the step form opens afresh on the new version

    edit_form("incident_details", v.id, v.version, fields, save, done="Incident saved")
