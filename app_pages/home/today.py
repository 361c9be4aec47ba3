"""Today: what needs attention now, each figure linking to where it is handled."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from services.coordination import today as today_service
from services.core import clock
from services.core.money import format_money
from ui.auth import require_actor
from ui.data_memo import contracts_memo
from ui.demo import offer_demo
from ui.links import link_to_page
from ui.stale_cards import show_stale_cards
from ui.state import database, settings
from ui.text import md_escape, md_table
from ui.times import local

SHOWN = 10  # rows of each list on Today

actor = require_actor()
db = database()
tz = settings().tz
data = today_service.summary(db, actor, today=clock.today(db), tz=tz, memo=contracts_memo(db))

st.title("Today")
if data.empty_workspace:
    offer_demo(db, actor)
    st.stop()

cols = st.columns(4)
if data.overdue_actions is not None:
    with cols[0]:
        # Mine first, linking to my queue; the team's links to where the team's are worked.
        st.metric("My overdue action items", data.my_overdue_actions or 0, border=True)
        link_to_page("follow-ups", "My follow-ups", actor)
        st.metric("Team's overdue action items", data.overdue_actions, border=True)
        link_to_page("actions", "All action items", actor)
        link_to_page("review", "Review board", actor)
if data.deadlines is not None:
    with cols[1]:
        st.metric("Deadlines within 30 days", len(data.deadlines), border=True)
        st.metric("Passed without a decision", len(data.undecided_passed or []), border=True)
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
                f"Billed this month ({md_escape(currency)})",
                format_money(spent, currency, places=0),
                border=True,
                help="Billed cost: what the invoices charge, the cost budgets compare.",
            )
            if budget:
                st.caption(
                    f"{(spent / budget * 100):.0f}% of the monthly team budgets "
                    f"({format_money(budget, currency)})"
                )
        link_to_page("spend", "Spend", actor)
        link_to_page("budgets", "Budgets", actor)


def _short_table(rows: list[dict[str, object]], what: str) -> None:
    # A glance, not a grid: a markdown table costs the browser a fraction of a dataframe's
    # mount; the full, sortable lists are one click away on the linked pages.
    st.markdown(md_table(rows[:SHOWN], list(rows[0])))
    if len(rows) > SHOWN:
        st.caption(f"and {len(rows) - SHOWN:,} more {what}")


if data.meetings_today is not None:
    st.subheader("Today's meetings")
    if data.meetings_today:
        _short_table(
            [
                {"Starts": f"{local(m.starts_at, tz):%H:%M}", "Meeting": m.title}
                for m in data.meetings_today
            ],
            "meetings",
        )
    else:
        st.caption("No meetings today.")
    link_to_page("meetings", "Meetings", actor)


def _deadlines(title: str, rows: list[today_service.Deadline], days: str) -> None:
    st.subheader(title)
    _short_table(
        [
            {
                "Vendor": item.vendor,
                "Contract": item.contract,
                "Cancellation deadline": item.deadline,
                days: abs(item.days_left),
            }
            for item in rows
        ],
        "deadlines",
    )


if data.undecided_passed:
    _deadlines("Deadlines passed without a decision", data.undecided_passed, "Days ago")
if data.deadlines:
    _deadlines("Cancellation deadlines in the next 30 days", data.deadlines, "Days left")

show_stale_cards(actor, mine=False)
