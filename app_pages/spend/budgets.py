"""Budgets: per team or vendor, monthly or yearly, with thresholds that alert in Slack."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.core.money import format_money
from services.spend import budgets
from services.spend.choices import BUDGET_PERIOD, BUDGET_SCOPE, COST_BASIS
from ui import charts_spend
from ui.auth import require_actor
from ui.data_memo import billing_memo
from ui.guard import allowed
from ui.spend.budget_forms import add_budget, change_budget
from ui.state import database
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
day = clock.today(db)

st.title("Budgets")
with allowed():
    statuses = budgets.budget_statuses(db, actor, today=day, memo=billing_memo(db))

st.caption(
    "Actual = billed cost (what the invoices charge) in the budget's currency for the current "
    "period, unless a budget compares effective cost. The forecast column says how each forecast "
    "was made. Crossing a threshold queues one Slack notification per budget, period and "
    "threshold."
)
if statuses:
    st.plotly_chart(charts_spend.budget_vs_actual(statuses))
    st.caption("Forecasts made from: " + "; ".join(budgets.forecast_methods(statuses)) + ".")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Budget": s.budget.name,
                    "For": f"{BUDGET_SCOPE.label(s.budget.scope)}: {s.target}",
                    "Compares": COST_BASIS.label(s.budget.cost_basis),
                    "Amount": format_money(s.budget.amount, s.budget.currency),
                    "Actual": format_money(s.actual, s.budget.currency),
                    "Used %": str(s.percent),
                    "Forecast": format_money(s.forecast, s.budget.currency),
                    "Forecast made from": s.forecast_method,
                    "Period": f"{BUDGET_PERIOD.label(s.budget.period)} from {s.period_start}",
                    "Thresholds crossed": ", ".join(f"{t}%" for t in s.crossed),
                }
                for s in statuses
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No budgets yet." + (" Add one below." if can(actor, "budgets.edit") else ""))

if not can(actor, "budgets.edit"):
    st.stop()
lazy_expander(
    "Add a budget",
    lambda: add_budget(db, actor, day),
    key="budgets_add_open",
    expanded=not statuses,
)
if statuses:
    lazy_expander(
        "Change or archive a budget",
        lambda: change_budget(db, actor, statuses),
        key="budgets_change_open",
    )
