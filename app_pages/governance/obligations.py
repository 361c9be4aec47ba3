"""Obligations: the EU AI Act duties of each system, a calendar of dues, and their evidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.governance import GUIDANCE, obligations
from services.governance.obligations import STATE_LABELS
from ui.auth import require_actor
from ui.charts_governance import dues_calendar
from ui.guard import allowed, save_and_rerun
from ui.obligation_forms import evidence_section, obligation_form
from ui.state import database, settings
from ui.widgets import lazy_expander, select_one

actor = require_actor()
db = database()
now = clock.now(db)
today = now.astimezone(settings().tz).date()

st.title("Obligations")
st.caption(GUIDANCE)
with allowed():
    models = obligations.model_choices(db, actor)
if not models:
    st.info(
        "No AI systems yet. Add models on the Models page (or `opsdesk import-records "
        "models FILE`); each gets the obligations its risk class and role imply."
    )
    st.stop()
scope: dict[int | None, str] = {None: "All systems"} | dict(models)
picked = select_one("System", scope, key="obligations_system")
with allowed():
    rows = obligations.list_obligations(db, actor, today=today, model_id=picked)

if not rows:
    st.info(
        "No obligations for this selection: the system's risk class may be unassessed. "
        "Set it on the Models page, or assign the catalogue below."
    )
else:
    late = [r for r in rows if r.state in ("overdue", "missing_evidence", "evidence_expired")]
    if late:
        st.warning(f"{len(late)} obligation(s) overdue or missing evidence.")
    st.plotly_chart(dues_calendar(rows), width="stretch", key="obligations_calendar")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "System": r.model,
                    "Article": r.article,
                    "Obligation": r.title,
                    "Applies from": r.applies_from,
                    "Due": r.due_date,
                    "State": STATE_LABELS[r.state],
                    "Owner": r.owner,
                    "Evidence": r.evidence_count,
                    "Evidence until": r.evidence_until,
                    "Keep for (months)": r.retention_months,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )

if not can(actor, "obligations.edit"):
    st.stop()

if picked is not None and st.button("Assign obligations from the catalogue", key="ob_assign"):
    model_id = picked
    save_and_rerun(
        lambda: obligations.assign_obligations(db, actor, model_id), "Obligations assigned"
    )
if not rows:
    st.stop()

by_id = {r.id: r for r in rows}
choice = st.selectbox(
    "Obligation",
    list(by_id),
    key="ob_pick",
    format_func=lambda i: f"{by_id[i].model}: Art. {by_id[i].article} {by_id[i].title}",
)
current = by_id[choice]
lazy_expander(
    "Update status, owner or due date",
    lambda: obligation_form(db, actor, current),
    key="ob_update_open",
)
lazy_expander(
    "Evidence", lambda: evidence_section(db, actor, current.id, now), key="ob_evidence_open"
)
