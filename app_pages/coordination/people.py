"""People: team members and vendor contacts who own work and attend meetings; teams."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import people
from ui.auth import require_actor
from ui.coordination import people_forms
from ui.forms import add_form, edit_form
from ui.guard import allowed, save_and_rerun
from ui.record_import import import_expander
from ui.state import database
from ui.widgets import lazy_expander, select_one

actor = require_actor()
db = database()
st.title("People")

show_archived = st.toggle("Show archived", key="people_show_archived")
with allowed():
    rows = people.list_people(db, actor, include_archived=show_archived)
    teams = people.list_teams(db, actor, include_archived=True)
editable = can(actor, "people.edit")
active_teams = [t for t in teams if not t.archived]
team_names = {t.id: t.name for t in active_teams if t.id is not None}


if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": r.name,
                    "Email": r.email,
                    "Team": r.team,
                    "Time zone": r.timezone,
                    "Slack user id": r.slack_user_id,
                    "Internal": r.is_internal,
                    "Lead": r.is_lead,
                    "Archived": r.archived,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(
        "No people yet. Add yourself and your team below (use the email you sign in with, so "
        '"My follow-ups" finds you), or import a spreadsheet of them.'
    )

if not editable:
    st.stop()


import_expander(db, actor, "people")


def _add() -> None:
    add_form(
        "people_add",
        lambda key: people_forms.person_fields(key, None, team_names),
        lambda fields: people.add_person(db, actor, **fields),
        submit="Add person",
        done="Person added",
        submit_key="people_add_submit",
    )


def _edit() -> None:
    if not rows:
        st.caption("Nobody to edit yet.")
        return
    by_id = {r.id: r for r in rows}
    names = {i: f"{r.name} <{r.email}>" for i, r in by_id.items()}
    chosen = select_one("Person", names, key="people_edit_pick")
    current = by_id[chosen]
    edit_form(
        "people_edit",
        chosen,
        current.version,
        lambda prefix: people_forms.person_fields(prefix, current, team_names),
        lambda fields, opened: people.update_person(
            db, actor, chosen, expected_version=opened, **fields
        ),
        submit_key="people_edit_submit",
    )
    if current.archived:
        if st.button("Restore", key="people_restore"):
            save_and_rerun(lambda: people.set_person_archived(db, actor, chosen, False), "Restored")
    elif st.button("Archive", key="people_archive"):
        save_and_rerun(lambda: people.set_person_archived(db, actor, chosen, True), "Archived")


lazy_expander("Add a person", _add, key="people_add_open", expanded=not rows)
lazy_expander("Edit or archive a person", _edit, key="people_edit_open")
lazy_expander("Teams", lambda: people_forms.teams_tab(db, actor, teams), key="people_teams_open")
