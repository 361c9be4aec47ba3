"""Links between pages that respect the page registry and the signed-in role."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from services.access.access import Actor, can
from ui.navigation import PAGES, PAGES_DIR


def link_to_page(url_path: str, label: str, actor: Actor) -> None:
    """A link to the registered page at ``url_path``; nothing when the role may not open it."""
    spec = next((p for p in PAGES if p.url_path == url_path), None)
    if spec is None or not can(actor, spec.permission):
        return
    try:
        st.page_link(str(PAGES_DIR / spec.script), label=label, icon=spec.icon)
    except StreamlitAPIException:
        # A page script run on its own (AppTest, no st.navigation) knows no other pages.
        st.caption(label)
