"""Today: what needs attention now, each figure linking to where it is handled."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from services.coordination import today as today_service
from services.core import clock
from services.core.money import format_money
from ui.auth import require_actor
from ui.demo import offer_demo
from ui.links import link_to_page
from ui.stale_cards import show_stale_cards
from ui.state import database
from ui.text import md_escape

actor = require_actor()
db = database()
data = today_service.summary(db, actor, today=clock.today(db))

st.title("Today")
if data.empty_workspace:
    offer_demo(db, actor)
    st.stop()

cols = st.columns(4)
if data.overdue_actions is not None:
    with cols[0]:
        st.metric("Overdue action items", data.overdue_actions, border=True)
        link_to_page("follow-ups", "My follow-ups", actor)
        link_to_page("review", "Review board", actor)
if data.deadlines is not None:
    with cols[1]:
        st.metric("Deadlines within 30 days", len(data.deadlines), border=True)
        link_to_page("renewals", "Contracts & renewals", actor)
if data.open_tickets is not None:
    with cols[2]:
        st.metric("Open vendor tickets", data.open_tickets, border=True)
        link_to_page("tickets", "Vendor tickets", actor)
if data.spend_mtd is not None and data.budget_month is not None:
    with cols[3]:
        for currency in sorted(set(data.spend_mtd) | set(data.budget_month)) or ["USD"]:
            spent = data.spend_mtd.get(currency, Decimal("0"))
            budget = data.budget_month.get(currency)
            st.metric(
                f"Spend this month ({md_escape(currency)})",
                format_money(spent, currency, places=0),
                border=True,
            )
            if budget:
                st.caption(
                    f"{(spent / budget * 100):.0f}% of the monthly team budgets "
                    f"({format_money(budget, currency)})"
                )
        link_to_page("spend", "Spend", actor)
        link_to_page("budgets", "Budgets", actor)

if data.deadlines:
    st.subheader("Cancellation deadlines in the next 30 days")
    st.dataframe(
        [
            {
                "Vendor": item.vendor,
                "Contract": item.contract,
                "Cancellation deadline": item.deadline,
                "Days left": item.days_left,
            }
            for item in data.deadlines
        ],
        hide_index=True,
        width="stretch",
    )

show_stale_cards(actor, mine=False)
