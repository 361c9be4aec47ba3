"""The People page's forms: one person's fields, and the teams tab."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.engine import Database
from db.models import Team
from services.access.access import Actor
from services.coordination import people
from ui.forms import new_form_key, save_new
from ui.guard import save_and_rerun


def person_fields(
    prefix: str, current: people.PersonRow | None, team_names: dict[int, str]
) -> dict[str, object]:
    """The person fields inside the caller's form, as keyword arguments for the service."""
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


def teams_tab(db: Database, actor: Actor, teams: list[Team]) -> None:
    if teams:
        st.dataframe(
            pd.DataFrame([{"Team": t.name, "Archived": t.archived} for t in teams]),
            hide_index=True,
        )
    with st.form(key := new_form_key("people_team_add")):
        name = st.text_input("New team name", key=f"{key}_name")
        if st.form_submit_button("Add team", key="people_team_submit"):
            save_new("people_team_add", lambda: people.create_team(db, actor, name), "Team added")
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
            save_and_rerun(
                lambda: people.set_team_archived(db, actor, pick, not target.archived), "Saved"
            )
