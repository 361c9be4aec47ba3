"""The sign-in gate: who is using this session, checked again on every rerun."""

from __future__ import annotations

import streamlit as st

from services.access import Actor
from services.users import ensure_local_admin, resolve_identity
from ui.state import database, settings


def current_actor() -> Actor | None:
    """The signed-in, active user, or None. Never cached: a deactivation applies at once."""
    cfg = settings()
    db = database()
    if cfg.auth_mode == "local":
        return ensure_local_admin(db, cfg.local_admin_email)
    if cfg.auth_mode == "proxy":
        email = st.context.headers.get(cfg.auth_proxy_header)
        return resolve_identity(db, email)
    if not st.user.is_logged_in:
        return None
    return resolve_identity(db, str(st.user.get("email") or ""))


def require_actor() -> Actor:
    """The actor for a page script; stops the script when there is none."""
    actor = st.session_state.get("_actor")
    if not isinstance(actor, Actor):
        st.error("Not signed in.")
        st.stop()
    return actor
