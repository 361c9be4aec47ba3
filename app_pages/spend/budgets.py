"""Budgets: per team or vendor, monthly or yearly, with thresholds that alert in Slack."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.core.money import format_money
from services.spend import budgets
from services.spend.budgets import DEFAULT_THRESHOLDS
from ui import charts_spend
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database
from ui.text import md_escape

actor = require_actor()
db = database()
day = clock.today(db)

st.title("Budgets")
with allowed():
    statuses = budgets.budget_statuses(db, actor, today=day)

st.caption(
    "Actual = effective cost in the budget's currency for the current period. Forecast to "
    "period end = spend so far ÷ days elapsed × days in the period. Crossing a threshold "
    "queues one Slack notification per budget, period and threshold."
)
if statuses:
    st.plotly_chart(charts_spend.budget_vs_actual(statuses))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "budget": s.budget.name,
                    "for": f"{s.budget.scope}: {s.target}",
                    "period": f"{s.budget.period} from {s.period_start.isoformat()}",
                    "amount": format_money(s.budget.amount, s.budget.currency),
                    "actual": format_money(s.actual, s.budget.currency),
                    "forecast": format_money(s.forecast, s.budget.currency),
                    "used %": str(s.percent),
                    "thresholds crossed": ", ".join(f"{t}%" for t in s.crossed),
                }
                for s in statuses
            ]
        ),
        hide_index=True,
    )
else:
    st.info("No budgets yet." + (" Add one below." if can(actor, "budgets.edit") else ""))

if not can(actor, "budgets.edit"):
    st.stop()

with allowed():
    teams, vendors = budgets.budget_targets(db, actor)

st.subheader("Add a budget")
scope = st.radio("For", ["team", "vendor"], horizontal=True, key="budget_scope")
with st.form("budget_add", clear_on_submit=True):
    name = st.text_input("Name")
    if scope == "team":
        target = st.selectbox("Team", list(teams), format_func=lambda t: teams[t])
    else:
        target = st.selectbox("Vendor", list(vendors), format_func=lambda v: vendors[v])
    cols = st.columns(3)
    period = cols[0].selectbox("Period", ["monthly", "yearly"])
    amount = cols[1].text_input("Amount", placeholder="10000.00")
    currency = cols[2].text_input("Currency", value="USD", max_chars=3)
    thresholds = st.text_input("Thresholds (%)", value=DEFAULT_THRESHOLDS)
    starts_on = st.date_input("Starts on (the first of that month)", value=day.replace(day=1))
    if st.form_submit_button("Add budget", type="primary"):
        with allowed():
            try:
                budgets.create_budget(
                    db,
                    actor,
                    name=name,
                    scope=scope,
                    period=period,
                    amount=amount,
                    currency=currency,
                    thresholds=thresholds,
                    starts_on=starts_on,
                    **({"team_id": target} if scope == "team" else {"vendor_id": target}),
                )
            except ValueError as exc:
                st.error(md_escape(exc))
            else:
                st.toast("Budget added")
                st.rerun()

if statuses:
    st.subheader("Change a budget")
    editable = {s.budget.id: s.budget for s in statuses}
    picked = st.selectbox(
        "Budget", list(editable), format_func=lambda b: editable[b].name, key="budget_edit"
    )
    if picked is not None:
        current = editable[picked]
        with st.form("budget_change"):
            new_amount = st.text_input("New amount", value=format(current.amount, "f"))
            new_thresholds = st.text_input("New thresholds (%)", value=current.thresholds)
            if st.form_submit_button("Save changes"):
                with allowed():
                    try:
                        budgets.update_budget(
                            db,
                            actor,
                            picked,
                            current.version,
                            amount=new_amount,
                            thresholds=new_thresholds,
                        )
                    except ValueError as exc:
                        st.error(md_escape(exc))
                    else:
                        st.toast("Budget saved")
                        st.rerun()

    st.subheader("Archive a budget")
    by_id = {s.budget.id: s.budget for s in statuses}
    chosen = st.selectbox(
        "Budget", list(by_id), format_func=lambda b: by_id[b].name, key="budget_archive"
    )
    if st.button("Archive budget") and chosen is not None:
        with allowed():
            budgets.archive_budget(db, actor, chosen)
        st.toast("Budget archived")
        st.rerun()
