"""Today: what needs attention now, each figure linking to where it is handled."""

from __future__ import annotations

import streamlit as st

from services import today as today_service
from services.clock import today
from services.money import format_money
from ui.auth import require_actor
from ui.demo import offer_demo
from ui.state import database
from ui.text import md_escape

actor = require_actor()
db = database()
data = today_service.summary(db, actor, today=today())

st.title("Today")
if data.empty_workspace:
    offer_demo(db, actor)
    st.stop()

cols = st.columns(4)
if data.overdue_actions is not None:
    cols[0].metric("Overdue action items", data.overdue_actions)
if data.deadlines is not None:
    cols[1].metric("Cancellation deadlines, next 30 days", len(data.deadlines))
if data.open_tickets is not None:
    cols[2].metric("Open vendor tickets", data.open_tickets)
if data.spend_mtd is not None and data.budget_month is not None:
    currencies = sorted(set(data.spend_mtd) | set(data.budget_month)) or ["USD"]
    for currency in currencies:
        spent = data.spend_mtd.get(currency)
        budget = data.budget_month.get(currency)
        cols[3].metric(
            f"Spend this month ({currency})",
            format_money(spent, currency) if spent is not None else f"{currency} 0.00",
            delta=f"budget {format_money(budget, currency)}" if budget is not None else None,
            delta_color="off",
        )

if data.deadlines:
    st.subheader("Cancellation deadlines in the next 30 days")
    for item in data.deadlines:
        st.markdown(
            f"- **{md_escape(item.vendor)}** · {md_escape(item.contract)}: "
            f"{item.deadline.isoformat()} ({item.days_left} days)"
        )
