"""Drift policies: what each model is watched on, the thresholds, the action and who owns it."""

from __future__ import annotations

from datetime import datetime, time

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.governance import drift, obligations
from services.governance.drift import PolicyInput
from services.governance.drift_rules import ACTION_LABELS, DRIFT_ACTIONS
from services.vendors import vendors
from ui.auth import require_actor
from ui.forms import new_form_key, save_new
from ui.guard import allowed
from ui.state import database, settings
from ui.times import local
from ui.widgets import lazy_expander, select_one

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


def _reading() -> None:
    by_id = {p.id: p for p in rows}
    with st.form(new_form_key("drift_reading")):
        pid = st.selectbox(
            "Policy", list(by_id), format_func=lambda i: f"{by_id[i].model}: {by_id[i].metric}"
        )
        # Empty until typed: a default of 0 was itself a reading, and under a "below" policy
        # one click recorded a critical breach (an urgent action item, or a suspension).
        value = st.number_input("Value", value=None, format="%.4f", placeholder="the value read")
        c1, c2 = st.columns(2)
        day = c1.date_input("Observed on", value=now.astimezone(tz).date())
        at = c2.time_input("at", value=time(9, 0))
        if st.form_submit_button("Record reading"):
            if value is None:
                st.error("Enter the value read. Nothing was recorded.")
                return
            save_new(
                "drift_reading",
                lambda: drift.record_reading(
                    db, actor, pid, value, datetime.combine(day, at, tzinfo=tz), tz=tz
                ),
                "Reading recorded",
            )


def _new_policy() -> None:
    with st.form(key := new_form_key("drift_add")):
        model = select_one("Model", models, key=f"{key}_model")
        metric = st.text_input("Metric (as the monitoring tool names it)")
        direction = st.radio("Bad when the value is", ["above", "below"], horizontal=True)
        c1, c2 = st.columns(2)
        warning = c1.number_input("Warning threshold", value=None, format="%.4f")
        critical = c2.number_input("Critical threshold", value=None, format="%.4f")
        action = st.selectbox(
            "Action on a critical breach", DRIFT_ACTIONS, format_func=lambda a: ACTION_LABELS[a]
        )
        owner = select_one("Owner", people, key=f"{key}_owner")
        approver = select_one("Approver", people, key=f"{key}_approver")
        runbook = st.text_input("Runbook link")
        review_by = st.date_input("Review by", value=None)
        if st.form_submit_button("Save policy", type="primary"):
            if warning is None or critical is None:
                st.error("Enter both thresholds. Nothing was saved.")
                return
            data = PolicyInput(
                model_id=model,
                metric=metric,
                warning_threshold=warning,
                critical_threshold=critical,
                direction=direction,
                action=action,
                owner_id=owner,
                approver_id=approver,
                runbook_url=runbook or None,
                review_by=review_by,
            )
            save_new(
                "drift_add", lambda: drift.create_policy(db, actor, data), "Drift policy saved"
            )


if rows:
    lazy_expander("Record a reading", _reading, key="drift_reading_open")
if models:
    lazy_expander("New drift policy", _new_policy, key="drift_add_open", expanded=not rows)
