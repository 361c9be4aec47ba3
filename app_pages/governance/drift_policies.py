"""Drift policies: what each model is watched on, the thresholds, the action and who owns it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.governance import drift, obligations
from services.governance.drift_rules import ACTION_LABELS
from services.vendors import vendors
from ui.auth import require_actor
from ui.drift_forms import change_policy_form, new_policy_form, reading_form
from ui.guard import allowed
from ui.state import database, settings
from ui.times import local
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
now = clock.now(db)
tz = settings().tz

st.title("Drift policies")
with allowed():
    rows = drift.list_policies(db, actor)
if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Model": p.model,
                    "Metric": p.metric,
                    "Bad when": p.direction,
                    "Warning": p.warning_threshold,
                    "Critical": p.critical_threshold,
                    "Action": ACTION_LABELS[p.action],
                    "Owner": p.owner,
                    "Approver": p.approver,
                    "Runbook": p.runbook_url,
                    "Review by": p.review_by,
                    "Last breach": local(p.last_breach_at, tz),
                    "Level": p.last_breach_level,
                    "Value": p.last_breach_value,
                }
                for p in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Runbook": st.column_config.LinkColumn(),
            "Last breach": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
else:
    st.info(
        "No drift policies yet. Write one down below (or `opsdesk import-records "
        "drift-policies FILE`): the metric, thresholds, the action and its owner."
    )
if not can(actor, "drift.edit"):
    st.stop()

with allowed():
    models = obligations.model_choices(db, actor)
    people: dict[int | None, str] = {None: "(nobody)"} | {
        p.id: p.name for p in vendors.owner_choices(db, actor, may="governance.read")
    }


if rows:
    lazy_expander(
        "Record a reading",
        lambda: reading_form(db, actor, rows, now, tz),
        key="drift_reading_open",
    )
if models:
    lazy_expander(
        "New drift policy",
        lambda: new_policy_form(db, actor, models, people),
        key="drift_add_open",
        expanded=not rows,
    )
if rows:
    lazy_expander(
        "Change or archive a policy",
        lambda: change_policy_form(db, actor, rows, models, people, now),
        key="drift_edit_open",
    )
