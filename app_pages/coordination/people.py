"""People: team members and vendor contacts who own work and attend meetings; teams."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.coordination import people
from ui.auth import require_actor
from ui.guard import allowed, save_and_rerun
from ui.state import database
from ui.widgets import forget_opened, opened_version

actor = require_actor()
db = database()
st.title("People")

show_archived = st.toggle("Show archived", key="people_show_archived")
with allowed():
    rows = people.list_people(db, actor, include_archived=show_archived)
    teams = people.list_teams(db, actor, include_archived=True)
editable = can(actor, "people.edit")
active_teams = [t for t in teams if not t.archived]
team_names = {t.id: t.name for t in active_teams}


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
        '"My follow-ups" finds you), or import a spreadsheet with '
        "`opsdesk import-records people FILE` (columns name, email, team)."
    )

if not editable:
    st.stop()


def _person_fields(prefix: str, current: people.PersonRow | None) -> dict[str, object]:
    team_ids: list[int | None] = [None, *team_names]
    return {
        "name": st.text_input("Name", value=current.name if current else "", key=f"{prefix}_name"),
        "email": st.text_input(
            "Email", value=current.email if current else "", key=f"{prefix}_email"
        ),
        "team_id": st.selectbox(
            "Team",
            team_ids,
            index=team_ids.index(current.team_id) if current and current.team_id in team_ids else 0,
            format_func=lambda i: "(no team)" if i is None else team_names[i],
            key=f"{prefix}_team",
        ),
        "timezone": st.text_input(
            "Time zone (IANA, e.g. Europe/Berlin)",
            value=current.timezone if current else "",
            key=f"{prefix}_tz",
        ),
        "slack_user_id": st.text_input(
            "Slack user id (optional)",
            value=current.slack_user_id if current else "",
            key=f"{prefix}_slack",
        ),
        "is_internal": st.checkbox(
            "Internal (uncheck for a vendor contact)",
            value=current.is_internal if current else True,
            key=f"{prefix}_internal",
        ),
        "is_lead": st.checkbox(
            "Team lead", value=current.is_lead if current else False, key=f"{prefix}_lead"
        ),
    }


add_tab, edit_tab, teams_tab = st.tabs(["Add a person", "Edit or archive", "Teams"])
with add_tab, st.form("people_add", clear_on_submit=True):
    fields = _person_fields("people_add", None)
    if st.form_submit_button("Add person", type="primary", key="people_add_submit"):
        save_and_rerun(lambda: people.add_person(db, actor, **fields), "Person added")

with edit_tab:
    if not rows:
        st.caption("Nobody to edit yet.")
    else:
        by_id = {r.id: r for r in rows}
        chosen = st.selectbox(
            "Person",
            list(by_id),
            format_func=lambda i: f"{by_id[i].name} <{by_id[i].email}>",
            key="people_edit_pick",
        )
        current = by_id[chosen]
        opened = opened_version(f"people_edit_{chosen}", current.version)
        with st.form(f"people_edit_{chosen}_{opened}"):
            fields = _person_fields(f"people_edit_{chosen}_{opened}", current)
            if st.form_submit_button("Save changes", key="people_edit_submit"):
                forget_opened(f"people_edit_{chosen}")
                save_and_rerun(
                    lambda: people.update_person(
                        db, actor, chosen, expected_version=opened, **fields
                    ),
                    "Saved",
                )
        if current.archived:
            if st.button("Restore", key="people_restore"):
                save_and_rerun(
                    lambda: people.set_person_archived(db, actor, chosen, False), "Restored"
                )
        elif st.button("Archive", key="people_archive"):
            save_and_rerun(lambda: people.set_person_archived(db, actor, chosen, True), "Archived")

with teams_tab:
    if teams:
        st.dataframe(
            pd.DataFrame([{"Team": t.name, "Archived": t.archived} for t in teams]),
            hide_index=True,
        )
    with st.form("people_team_add", clear_on_submit=True):
        name = st.text_input("New team name", key="people_team_name")
        if st.form_submit_button("Add team", key="people_team_submit"):
            save_and_rerun(lambda: people.create_team(db, actor, name), "Team added")
    if teams:
        team_by_id = {t.id: t for t in teams}
        pick = st.selectbox(
            "Archive or restore a team",
            list(team_by_id),
            format_func=lambda i: team_by_id[i].name,
            key="people_team_pick",
        )
        target = team_by_id[pick]
        label = "Restore team" if target.archived else "Archive team"
        if st.button(label, key="people_team_archive") and pick is not None:
            team_id = pick
            save_and_rerun(
                lambda: people.set_team_archived(db, actor, team_id, not target.archived), "Saved"
            )
