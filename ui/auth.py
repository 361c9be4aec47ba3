"""The sign-in gate: who is using this session, resolved again on every rerun.

The identity comes from one of three places (``OPSDESK_AUTH_MODE``):

- ``local``: nobody signs in; the session acts as the single local admin (a laptop install).
- ``oidc``: Streamlit's ``st.login`` with the ``[auth]`` section of ``.streamlit/secrets.toml``.
- ``proxy``: a header set by an authenticating reverse proxy (oauth2-proxy and the like), read
  from ``st.context.headers``. The app must then be reachable only through that proxy, or anyone
  can send the header.

The email is then looked up in the ``user`` table on every rerun and never cached in the
session, so deactivating a user or changing a role applies on that user's next click.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import streamlit as st

from services.access.access import Actor
from services.access.users import ensure_local_admin, resolve_identity
from ui.state import database, settings
from ui.widgets import empty_cleared_pickers

ACTOR_KEY = "_actor"


@dataclass(frozen=True)
class SignIn:
    """The outcome of the gate for this rerun."""

    actor: Actor | None
    email: str | None  # the identity presented, even when it is not registered
    needs_login: bool = False  # oidc mode, nobody signed in yet
    misconfigured: str | None = None  # why sign-in cannot work with this configuration
    unverified: bool = False  # the provider says it has not verified this email


def email_from_proxy_header(values: list[str]) -> str | None:
    """The email a proxy header carries, or None unless it is exactly one plain address.

    A header sent twice (the client's own plus the proxy's) or a comma-separated list means
    the proxy did not replace what the client sent: trust neither.
    """
    if len(values) != 1:
        return None
    value = values[0].strip()
    if not value or "," in value or any(ch.isspace() for ch in value):
        return None
    return value


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def presented_email() -> SignIn:
    """The identity this request presents, before looking it up."""
    cfg = settings()
    if cfg.auth_mode == "local":
        return SignIn(actor=None, email=cfg.local_admin_email)
    if cfg.auth_mode == "proxy":
        values = st.context.headers.get_all(cfg.auth_proxy_header)
        return SignIn(actor=None, email=email_from_proxy_header(values))
    if not st.user.get("is_logged_in"):
        if importlib.util.find_spec("authlib") is None:
            # Without it st.login shows Streamlit's own error page; say what to run instead.
            return SignIn(
                actor=None,
                email=None,
                misconfigured="OIDC sign-in needs Authlib: run `uv sync` (streamlit[auth]).",
            )
        if not _oidc_configured():
            return SignIn(
                actor=None,
                email=None,
                misconfigured="OIDC sign-in needs an [auth] section in .streamlit/secrets.toml.",
            )
        return SignIn(actor=None, email=None, needs_login=True)
    email = str(st.user.get("email") or "").strip() or None
    # An identity provider that says the address is unverified does not vouch for it: the
    # address is shown (so the person knows which one), never looked up.
    if st.user.get("email_verified") is False:
        return SignIn(actor=None, email=email, unverified=True)
    return SignIn(actor=None, email=email)


def sign_in() -> SignIn:
    """The signed-in, active user for this rerun (``actor`` is None when refused)."""
    presented = presented_email()
    db = database()
    if settings().auth_mode == "local":
        actor: Actor | None = ensure_local_admin(db, settings().local_admin_email)
    else:
        actor = None if presented.unverified else resolve_identity(db, presented.email)
    st.session_state[ACTOR_KEY] = actor
    return SignIn(
        actor=actor,
        email=presented.email,
        needs_login=presented.needs_login,
        misconfigured=presented.misconfigured,
        unverified=presented.unverified,
    )


def current_actor() -> Actor | None:
    """The signed-in, active user, or None. Never cached: a deactivation applies at once."""
    return sign_in().actor


def require_actor() -> Actor:
    """The actor for a page script (set by app.py on this rerun); stops when there is none."""
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        st.error("Not signed in.")
        st.stop()
    empty_cleared_pickers()
    return actor
