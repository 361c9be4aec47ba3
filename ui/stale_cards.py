"""Stale model cards on Today (all of them) and in My follow-ups (the ones I keep)."""

from __future__ import annotations

import streamlit as st

from services.access.access import Actor, can
from services.core.clock import today
from services.governance import documentation
from ui.links import link_to_page
from ui.state import database
from ui.text import md_table


def show_stale_cards(actor: Actor, *, mine: bool) -> None:
    """A table of stale cards with their owners and why; nothing when there are none."""
    if not can(actor, "models.read"):
        return
    db = database()
    day = today(db)
    if mine:
        items = documentation.my_stale_cards(db, actor, today=day)
    else:
        items = documentation.stale_cards(db, actor, today=day)
    if not items:
        return
    st.subheader(
        ("Model cards for you to refresh" if mine else "Stale model cards") + f" ({len(items)})"
    )
    # A short list: a markdown table mounts in a fraction of a dataframe's time.
    rows = [{"Model": s.model, "Why": s.reason, "Documentation owner": s.owner} for s in items]
    # In My follow-ups every card is the reader's own: the owner column would repeat their name.
    columns = ["Model", "Why"] if mine else ["Model", "Why", "Documentation owner"]
    st.markdown(md_table(rows, columns))
    link_to_page("models", "Models", actor)
