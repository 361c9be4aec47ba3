"""Users: who may sign in to Opsdesk, and with which role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access import users
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database
from ui.text import md_escape

ROLE_HELP = (
    "va: meetings, action items, tickets, vendors · lead: reads everything, decides renewals · "
    "finance: spend, budgets, contract values · admin: everything and the settings · "
    "engineer: reads everything but money, edits models, signs off cards and reports"
)

actor = require_actor()
db = database()
st.title("Users")

with allowed():
    rows = users.list_users(db, actor)

if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Email": r.email,
                    "Name": r.name or "",
                    "Role": r.role,
                    "Active": r.active,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No users yet. Add the first one below.")


def _run(change, done: str) -> None:  # type: ignore[no-untyped-def]
    with allowed():
        try:
            change()
        except users.UserError as exc:
            st.error(md_escape(exc))
            return
    st.toast(md_escape(done))
    st.rerun()


with st.form("add_user", clear_on_submit=True):
    st.subheader("Add a user")
    cols = st.columns([3, 2, 1])
    email = cols[0].text_input("Email", placeholder="name@company.com")
    name = cols[1].text_input("Name (optional)")
    role = cols[2].selectbox("Role", users.ROLES, help=ROLE_HELP)
    if st.form_submit_button("Add user", type="primary"):
        _run(lambda: users.add_user(db, actor, email, role, name=name or None), "User added.")

if rows:
    st.subheader("Change a user")
    emails = [r.email for r in rows]
    by_email = {r.email: r for r in rows}
    cols = st.columns([3, 2])
    target = cols[0].selectbox("User", emails, key="users_target")
    current = by_email[target]
    new_role = cols[1].selectbox(
        "Role",
        users.ROLES,
        index=users.ROLES.index(current.role),
        key=f"users_role_{target}",
        help=ROLE_HELP,
    )
    buttons = st.columns(3)
    if buttons[0].button("Save role", disabled=new_role == current.role):
        _run(lambda: users.set_role(db, actor, target, new_role), "Role changed.")
    if current.active:
        if buttons[1].button("Deactivate", help="Refused from this user's next click on"):
            _run(lambda: users.deactivate_user(db, actor, target), "User deactivated.")
    elif buttons[1].button("Reactivate"):
        _run(lambda: users.activate_user(db, actor, target), "User reactivated.")
