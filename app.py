"""Opsdesk entry point: page config, the sign-in gate, and the role-aware navigation."""

from __future__ import annotations

import streamlit as st

from services.access import can
from settings import get_settings
from ui.auth import current_actor
from ui.navigation import PAGES, PAGES_DIR, SECTIONS

st.set_page_config(page_title="Opsdesk", page_icon=":material/work:", layout="wide")

settings = get_settings()
actor = current_actor()
st.session_state["_actor"] = actor

if actor is None:
    st.title("Opsdesk")
    if settings.auth_mode == "oidc" and not st.user.is_logged_in:
        st.write("Sign in to continue.")
        st.button("Sign in", on_click=st.login, type="primary")
    else:
        st.warning(
            "You are not registered in Opsdesk, or your account is deactivated. "
            "Ask an Opsdesk admin to add you."
        )
    st.stop()

with st.sidebar:
    label = "Local admin (single-user mode)" if settings.auth_mode == "local" else actor.email
    st.caption(f"Signed in as **{label}** · role `{actor.role}`".replace("*", "\\*", 0))
    if settings.auth_mode == "oidc":
        st.button("Sign out", on_click=st.logout)

sections: dict[str, list[st.Page]] = {name: [] for name in SECTIONS}
for spec in PAGES:
    if can(actor, spec.permission):
        sections[spec.section].append(
            st.Page(
                str(PAGES_DIR / spec.script),
                title=spec.title,
                icon=spec.icon,
                url_path=spec.url_path,
                default=spec.default,
            )
        )
st.navigation({name: pages for name, pages in sections.items() if pages}).run()
