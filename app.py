"""Opsdesk entry point: page config, the sign-in gate, and the role-aware navigation.

Streamlit runs this script on every rerun before the page, so the identity is resolved and
checked on every click. The menu lists only the pages the role may open; every other page is
still registered, hidden, with a body that refuses (and audits) a visit by URL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from services.access.access import Actor, can
from settings import get_settings
from ui.auth import sign_in
from ui.guard import DatabaseBusy, refuse_page, show_busy
from ui.links import switch_to
from ui.navigation import PAGES, PAGES_DIR, SECTIONS, PageSpec
from ui.state import freeze_imported_heap
from ui.text import md_escape

ROLE_LABELS = {
    "va": "VA",
    "lead": "Team lead",
    "finance": "Finance",
    "admin": "Admin",
    "engineer": "ML engineer",
}

freeze_imported_heap()
st.set_page_config(page_title="Opsdesk", page_icon=":material/work:", layout="wide")

settings = get_settings()
if settings.env == "development":
    # .streamlit/config.toml shows users no error details; a developer wants all of them.
    st.set_option("client.showErrorDetails", "full")
gate = sign_in()
actor = gate.actor


def _gate_page() -> None:
    """All a refused identity sees, whatever URL it opened."""
    st.title("Opsdesk")
    if gate.misconfigured:
        st.error(gate.misconfigured)
    elif gate.needs_login:
        st.write("Sign in with your company account to continue.")
        st.button("Sign in", on_click=st.login, type="primary")
    elif gate.email is None and settings.auth_mode == "proxy":
        # Nothing says who this is: the request did not come through the sign-in proxy.
        st.warning(
            "Opsdesk could not tell who you are: your request did not come through the "
            "company sign-in. Open Opsdesk from its usual address (the one behind single "
            "sign-on). If you did, ask an Opsdesk admin to check that the sign-in proxy sends "
            f"the {md_escape(settings.auth_proxy_header)} header."
        )
    elif gate.unverified:
        st.warning(
            f"Your sign-in provider has not verified the address {md_escape(gate.email or '')}, "
            "so Opsdesk cannot let you in with it. Verify it with your provider (or ask its "
            "admin to), then sign out and sign in again."
        )
        st.button("Sign out", on_click=st.logout)
    else:
        who = f" as {md_escape(gate.email)}" if gate.email else ""
        st.warning(
            f"You are signed in{who}, but you are not registered in Opsdesk, or your account "
            "is deactivated. Ask an Opsdesk admin to add you."
        )
        if settings.auth_mode == "oidc":
            st.button("Sign out", on_click=st.logout)


if actor is None:
    # A navigation with no visible page replaces any menu the browser still shows from before
    # a deactivation; every known URL lands on the gate instead of "page not found".
    gate_pages = [st.Page(_gate_page, title="Opsdesk", url_path="sign-in", default=True)]
    gate_pages += [
        st.Page(_gate_page, title=spec.title, url_path=spec.url_path, visibility="hidden")
        for spec in PAGES
    ]
    st.navigation(gate_pages, position="hidden").run()
    st.stop()


def _refusal(spec: PageSpec) -> Callable[[], None]:
    def body() -> None:
        refuse_page(spec.permission, spec.url_path)

    return body


with st.sidebar:
    if settings.auth_mode == "local":
        st.caption("Local admin (single-user mode: no sign-in)")
    else:
        st.caption(
            f"Signed in as {md_escape(actor.name or actor.email)} · "
            f"{ROLE_LABELS.get(actor.role, md_escape(actor.role))}"
        )
        if settings.auth_mode == "oidc":
            st.button("Sign out", on_click=st.logout)


MENU_KEY = "_menu"


def _menu(actor: Actor) -> dict[str, list[st.Page]]:
    """The navigation a role sees, built once per session and role: building two dozen pages
    (each resolving and checking its script's path) was a share of every rerun. Pages that
    role may not open stay registered, hidden, with a body that refuses."""
    kept = st.session_state.get(MENU_KEY)
    if kept is not None and kept[0] == actor.role:
        return kept[1]  # type: ignore[no-any-return]
    sections: dict[str, list[st.Page]] = {name: [] for name in SECTIONS}
    hidden: list[st.Page] = []
    for spec in PAGES:
        if can(actor, spec.permission):
            page = st.Page(
                str(PAGES_DIR / spec.script),
                title=spec.title,
                icon=spec.icon,
                # Streamlit serves the default page at "/" only, yet wants its own path unique.
                url_path=f"{spec.url_path}-home" if spec.default else spec.url_path,
                default=spec.default,
                visibility="visible" if spec.in_menu else "hidden",
            )
            sections[spec.section].append(page)
            if spec.default:
                # "/today" (a bookmark, a link someone shared) would otherwise say "Page not found".
                hidden.append(
                    st.Page(
                        partial(switch_to, spec.url_path, {}),
                        title=spec.title,
                        url_path=spec.url_path,
                        visibility="hidden",
                    )
                )
        else:
            hidden.append(
                st.Page(
                    _refusal(spec), title=spec.title, url_path=spec.url_path, visibility="hidden"
                )
            )
    menu = {name: pages for name, pages in sections.items() if pages}
    # Hidden pages go last in the first section, so no section header shows for them alone.
    menu[next(iter(menu))].extend(hidden)
    st.session_state[MENU_KEY] = (actor.role, menu)
    return menu


# Expanded: an admin's seventeen pages would otherwise fold the Admin section behind "View more".
try:
    st.navigation(_menu(actor), expanded=True).run()
except DatabaseBusy as exc:  # a write outside ui.guard.allowed(): still no crash page
    show_busy(exc)
