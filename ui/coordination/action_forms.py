"""The quick-add form of the Action items page."""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.coordination import actions
from services.core import clock
from ui.forms import new_form_key, next_round
from ui.guard import allowed
from ui.text import md_escape


def quick_add_form(db: Database, actor: Actor, emails: list[str], snapshot_key: str) -> None:
    with st.form(key := new_form_key("actions_quick_add")):
        st.caption(
            "Quick add: type the title; `@email` sets the owner, `due:fri` or `due:2026-12-01` "
            "the due date, `!high` the priority."
        )
        cols = st.columns([5, 2, 2])
        text = cols[0].text_input("New action item", key=f"{key}_text")
        owner = cols[1].selectbox("Owner", ["", *emails], key=f"{key}_owner")
        due = cols[2].date_input("Due", value=None, key=f"{key}_due")
        if not st.form_submit_button("Add", type="primary", key="actions_quick_submit"):
            return
        with allowed():
            try:
                item = actions.quick_add(
                    db,
                    actor,
                    text,
                    default_owner_email=owner or None,
                    default_due=due,
                    today=clock.today(db),
                )
            except ValueError as exc:
                st.error(md_escape(exc))
                return
        st.session_state.pop(snapshot_key, None)
        next_round("actions_quick_add")
        st.toast(f"Added: {md_escape(item.title)}")
    st.rerun()  # draws the next round of the form empty, and the new item in the table
