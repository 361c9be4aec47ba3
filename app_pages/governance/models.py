"""Models: the inventory with filters, and one model's page (card, versions, deployments,
operations and cost, the contract behind it)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core.clock import today
from services.governance import choices, inventory, sync
from services.governance.choices import label
from services.governance.inventory import ModelFilter
from ui import model_page
from ui.auth import require_actor
from ui.guard import allowed
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
    picked = st.selectbox(
        "Open a model",
        list(names),
        format_func=names.__getitem__,
        index=list(names).index(current) if current else 0,
        key="models_pick",
    )
    st.query_params["model"] = str(picked)
    with allowed():
        detail = inventory.get_model(db, actor, picked, today=today(db))
    model = detail.model
    st.header(model.name)
    st.text(model.purpose or model.description or "No purpose written yet.")
    facts = st.columns(4)
    facts[0].metric("Status", label(choices.STATUS_LABELS, model.status))
    facts[1].metric("EU AI Act risk", label(choices.RISK_LABELS, model.risk_class))
    facts[2].metric("Our role", label(choices.ROLE_LABELS, model.ai_act_role))
    facts[3].metric("Versions", len(detail.versions))
    if detail.contract is not None:
        c = detail.contract
        st.caption(
            f"Covered by {c.vendor} · {c.title}: term ends {c.current_term_end}, "
            f"cancellation deadline {c.cancellation_deadline}"
        )
    # Only the open tab runs (switching tabs reruns the page); the card's draft form alone
    # was most of this page's time. The open tab is kept in the URL (?tab=...).
    parts: dict[str, Callable[[], None]] = {
        "Card": lambda: model_page.card_tab(actor, detail),
        "Versions": lambda: model_page.versions_tab(detail),
        "Deployments": lambda: model_page.deployments_tab(actor, detail),
        "Operations and cost": lambda: model_page.operations_tab(actor, detail),
    }
    for tab, draw in zip(
        st.tabs(list(parts), key="tab", bind="query-params"), parts.values(), strict=True
    ):
        if tab.open:
            with tab:
                draw()

if can(actor, "models.edit"):
    model_page.add_model_form(actor)
