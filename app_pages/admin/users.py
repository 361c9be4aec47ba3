"""Users: who may sign in to Opsdesk, and with which role."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access import users
from services.access.choices import ROLE
from ui.auth import require_actor
from ui.dialogs import confirm_button
from ui.forms import add_form
from ui.guard import allowed, save_and_rerun
from ui.state import database
from ui.widgets import lazy_expander

ROLE_HELP = (
    "Virtual assistant: meetings, action items, tickets, vendors · Lead: reads everything, "
    "decides renewals, finishes their own follow-ups · Finance: spend, budgets, contract values "
    "· Admin: everything and the settings · Engineer: reads everything but money, edits "
    "models, signs off cards and reports"
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
                    "Role": ROLE.label(r.role),
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


def _user_fields(key: str) -> tuple[str, str, str]:
    cols = st.columns([3, 2, 1])
    email = cols[0].text_input("Email", placeholder="name@company.com", key=f"{key}_email")
    name = cols[1].text_input("Name (optional)", key=f"{key}_name")
    role = cols[2].selectbox(
        "Role", users.ROLES, format_func=ROLE.label, help=ROLE_HELP, key=f"{key}_role"
    )
    return email, name, role


def _add() -> None:
    add_form(
        "add_user",
        _user_fields,
        lambda f: users.add_user(db, actor, f[0], f[2], name=f[1] or None),
        submit="Add user",
        done="User added.",
    )


def _change() -> None:
    emails = [r.email for r in rows]
    by_email = {r.email: r for r in rows}
    cols = st.columns([3, 2, 2])
    target = cols[0].selectbox("User", emails, key="users_target")
    current = by_email[target]
    new_name = cols[1].text_input(
        "Name (optional)", value=current.name or "", key=f"users_name_{target}"
    )
    new_role = cols[2].selectbox(
        "Role",
        users.ROLES,
        index=users.ROLES.index(current.role),
        format_func=ROLE.label,
        key=f"users_role_{target}",
        help=ROLE_HELP,
    )
    buttons = st.container(horizontal=True)
    if buttons.button("Save name", disabled=new_name.strip() == (current.name or "")):
        save_and_rerun(
            lambda: users.rename_user(db, actor, target, new_name.strip() or None), "Name saved."
        )
    if buttons.button("Save role", disabled=new_role == current.role):
        save_and_rerun(lambda: users.set_role(db, actor, target, new_role), "Role changed.")
    if current.active:
        confirm_button(
            "Deactivate",
            key=f"users_deactivate_{target}",
            where=buttons,
            help="Refused from this user's next click on",
            title="Deactivate this user?",
            message=f"{target} can no longer use Opsdesk from their next click on. "
            "Reactivate them here to undo.",
            confirm_label="Deactivate",
            change=lambda: users.deactivate_user(db, actor, target),
            done="User deactivated.",
        )
    elif buttons.button("Reactivate"):
        save_and_rerun(lambda: users.activate_user(db, actor, target), "User reactivated.")


lazy_expander("Add a user", _add, key="users_add_open", expanded=not rows)
if rows:
    lazy_expander(
        "Change a user's name or role, or deactivate them", _change, key="users_change_open"
    )
