"""Models: the inventory with filters, and one model's page (card, versions, deployments,
operations and cost, the contract behind it)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.governance import choices, inventory, sync
from services.governance.choices import label
from services.governance.inventory import ModelFilter
from ui import model_page
from ui.auth import require_actor
from ui.guard import allowed
from ui.model_form import add_model_form
from ui.state import database

actor = require_actor()
db = database()
st.title("Models")

cols = st.columns([2, 2, 3])
statuses = cols[0].multiselect(
    "Status",
    list(choices.STATUS_LABELS),
    format_func=choices.STATUS_LABELS.__getitem__,
    key="models_status",
)
risks = cols[1].multiselect(
    "Risk class",
    list(choices.RISK_LABELS),
    format_func=choices.RISK_LABELS.__getitem__,
    key="models_risk",
)
search = cols[2].text_input("Name contains", key="models_search")
with allowed():
    rows = inventory.list_models(
        db, actor, ModelFilter(tuple(statuses), tuple(risks), None, search)
    )
    runs = sync.last_runs(db, actor, limit=1)

if runs:
    last = runs[0]
    st.caption(
        f"Last MLflow sync {last.started_at:%Y-%m-%d %H:%M} UTC: {last.status}"
        + (f" ({last.error})" if last.error else f", {last.changes} changes")
    )

if not rows:
    st.info(
        "No models match. Add one below, import a spreadsheet with "
        "`opsdesk import-records models FILE`, or connect MLflow "
        "(OPSDESK_MLFLOW_TRACKING_URI) and run `opsdesk sync mlflow`."
    )
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Model": r.name,
                    "Status": label(choices.STATUS_LABELS, r.status),
                    "Risk": label(choices.RISK_LABELS, r.risk_class),
                    "Our role": label(choices.ROLE_LABELS, r.ai_act_role),
                    "Source": label(choices.SOURCE_LABELS, r.source),
                    "Vendor": r.vendor,
                    "Owner": r.owner,
                    "Documentation owner": r.documentation_owner,
                    "Latest version": r.latest_version,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )

    names = {r.id: r.name for r in rows}
    wanted = st.query_params.get("model", "")
    current = int(wanted) if wanted.isdigit() and int(wanted) in names else None
    # A model opens on a pick (or ?model=ID): its card, versions and charts drawn under the
    # inventory on every visit were most of what this page cost the browser.
    picked = st.selectbox(
        "Open a model",
        list(names),
        format_func=names.__getitem__,
        index=list(names).index(current) if current is not None else None,
        placeholder="Choose a model: its card, versions, deployments and cost",
        key="models_pick",
    )
    if picked is None:
        st.query_params.pop("model", None)
    else:
        st.query_params["model"] = str(picked)
        model_page.model_detail(actor, picked)

if can(actor, "models.edit"):
    add_model_form(actor)
