"""The empty-workspace offer to load the demo workspace."""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.demo import demo


def offer_demo(db: Database, actor: Actor) -> None:
    st.info(
        "This workspace is empty. Load the demo workspace to look around, or start adding "
        "your own vendors, people and meetings."
    )
    if not can(actor, "settings.manage"):
        st.caption("Only an admin can load the demo workspace.")
        return
    if st.button("Load the demo workspace", type="primary"):
        with st.spinner("Loading the demo workspace…"):
            demo.load(db, actor)
        st.rerun()
