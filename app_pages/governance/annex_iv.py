"""Annex IV pack: a system's technical documentation from live records, its gaps, and exports."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.core import clock
from services.governance import GUIDANCE, obligations
from services.governance.annex_iv import annex_iv_pack
from services.governance.annex_iv_render import Item, to_markdown, to_pdf
from ui.auth import require_actor
from ui.data_memo import billing_memo
from ui.guard import allowed
from ui.state import database, settings
from ui.text import md_escape, md_table
from ui.widgets import select_one

actor = require_actor()
db = database()

st.title("Annex IV documentation pack")
st.caption(GUIDANCE)
with allowed():
    models = obligations.model_choices(db, actor)
if not models:
    st.info("No AI systems yet. Add models on the Models page to build their pack.")
    st.stop()
model_id = select_one("System", models, key="annex_iv_model")
with allowed():
    pack = annex_iv_pack(
        db, actor, model_id, now=clock.now(db), tz=settings().tz, memo=billing_memo(db)
    )

gaps = pack.gaps()
st.metric("Gaps", len(gaps))
if gaps:
    st.dataframe(
        pd.DataFrame(
            [
                {"Section": n, "Missing": item.label, "Owner": item.owner or "nobody assigned"}
                for n, item in gaps
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.success("Every section is filled from the records.")


def _item(item: Item) -> str:
    """One field as markdown: its text (or Missing), and its table (versions, metrics per
    slice) under it, as the exports have them."""
    text = md_escape(item.text) if item.text else ("" if item.table else "Missing")
    line = f"**{md_escape(item.label)}:** {text}"
    if not item.table:
        return line
    header, *rows = item.table
    return f"{line}\n\n{md_table([dict(zip(header, r, strict=True)) for r in rows], header)}\n\n"


# The pack reads as the document it exports, in one element: a collapsed expander per section
# still mounted its content, and each element costs the browser a mount on every visit.
st.markdown(
    "\n\n".join(
        f"#### {section.number}. {md_escape(section.title)}\n\n"
        + "  \n".join(_item(item) for item in section.items)
        for section in pack.sections
    )
)
name = pack.system.replace(" ", "_")
c1, c2 = st.columns(2)
c1.download_button(
    "Download Markdown",
    to_markdown(pack),
    file_name=f"annex_iv_{name}.md",
    mime="text/markdown",
    key="annex_iv_md",
)
c2.download_button(
    "Download PDF",
    lambda: to_pdf(pack),
    file_name=f"annex_iv_{name}.pdf",
    mime="application/pdf",
    key="annex_iv_pdf",
)
