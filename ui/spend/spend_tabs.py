"""The Spend page's tabs. Each takes the page's filter and cost basis and draws one view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.core.money import format_money
from services.spend import budgets, commitments, spend, views
from services.spend.choices import COST_BASIS
from services.spend.spend import SpendFilter
from ui import charts_spend
from ui.data_memo import billing_memo
from ui.guard import allowed
from ui.spend_data import SpendView
from ui.text import md_escape

BURN_CHARTS = 12


@dataclass(frozen=True)
class SpendContext:
    db: Database
    actor: Actor
    day: date
    flt: SpendFilter
    view: SpendView
    currency: str
    basis: str
    vendor_names: dict[int, str]

    def titled(self, what: str) -> str:
        return f"{COST_BASIS[self.basis]} {what}"


def by_vendor(c: SpendContext) -> None:
    title = c.titled("by month and vendor")
    st.plotly_chart(
        c.view.chart(
            ("vendor", c.currency, c.basis),
            lambda: charts_spend.monthly_by(c.view.monthly, c.currency, "vendor", title, c.basis),
        )
    )


def by_team(c: SpendContext) -> None:
    title = c.titled("by month and team")
    st.plotly_chart(
        c.view.chart(
            ("team", c.currency, c.basis),
            lambda: charts_spend.monthly_by(c.view.monthly, c.currency, "team", title, c.basis),
        )
    )


def by_service(c: SpendContext) -> None:
    title = c.titled("by service")
    st.plotly_chart(
        c.view.chart(
            ("service", c.currency, c.basis),
            lambda: charts_spend.totals_by(c.view.monthly, c.currency, "service", title, c.basis),
        )
    )


def budget_tab(c: SpendContext) -> None:
    with allowed():
        statuses = budgets.budget_statuses(c.db, c.actor, today=c.day, memo=billing_memo(c.db))
    shown = [s for s in views.budgets_in(statuses, c.flt) if s.budget.currency == c.currency]
    st.caption(
        "Each budget's current period, in the cost it compares (billed unless the budget says "
        f"effective), whatever the period above. {views.applies(c.flt)}"
    )
    if shown:
        st.plotly_chart(charts_spend.budget_vs_actual(shown))
    else:
        st.info("No budgets for this selection and currency. Add one on the Budgets page.")


def anomalies(c: SpendContext) -> None:
    found = c.view.anomalies
    st.caption(
        f"Effective cost. A day is an anomaly when one vendor's cost is more than "
        f"{spend.ANOMALY_FACTOR}× the median of its previous {spend.ANOMALY_WINDOW_DAYS} days "
        f"(missing days count as zero) and at least {spend.ANOMALY_FLOOR} above it."
    )
    st.plotly_chart(
        c.view.chart(
            ("anomalies", c.currency),
            lambda: charts_spend.daily_with_anomalies(c.view.daily, found, c.currency),
        )
    )
    if not found:
        st.success("No anomalies in this selection.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Day": a.day,
                    "Vendor": a.vendor,
                    "Effective cost": format_money(a.cost, a.currency),
                    "Usual (median)": format_money(a.baseline, a.currency),
                    "Times usual": str(a.factor),
                }
                for a in found
            ]
        ),
        hide_index=True,
    )


def commitments_tab(c: SpendContext) -> None:
    with allowed():
        burns = views.by_vendor_in(
            commitments.burn_downs(c.db, c.actor, today=c.day), c.flt, c.vendor_names
        )
    st.caption(
        f"Effective cost matched to the contract's vendor since the contract start. The "
        f"exhaustion date extends the average daily spend of the last {commitments.BURN_RATE_DAYS} "
        f"days. {views.applies(c.flt)}"
    )
    if not burns:
        st.info("No contract with a committed or prepaid amount in this selection.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Vendor": b.vendor,
                    "Contract": b.contract,
                    "Kind": b.kind.capitalize(),
                    "Amount": format_money(b.amount, b.currency),
                    "Remaining": format_money(max(b.remaining, commitments.ZERO), b.currency),
                    "Over": format_money(max(-b.remaining, commitments.ZERO), b.currency),
                    "Runs out": b.exhaustion,
                }
                for b in burns
            ]
        ),
        hide_index=True,
    )
    charted = sorted(burns, key=lambda b: (b.exhaustion is None, b.exhaustion or c.day))
    for burn in charted[:BURN_CHARTS]:
        st.markdown(f"**{md_escape(burn.vendor)} · {md_escape(burn.contract)}** ({burn.kind})")
        st.plotly_chart(charts_spend.burn_down(burn), key=f"burn_{burn.contract_id}_{burn.kind}")


def unused_seats(c: SpendContext) -> None:
    with allowed():
        waste = views.by_vendor_in(commitments.unused_seats(c.db, c.actor), c.flt, c.vendor_names)
    st.caption(
        "Seats purchased minus seats active in the last 30 days, at the unit price, per month. "
        + views.applies(c.flt)
    )
    if not waste:
        st.success("Every paid seat in this selection was used in the last 30 days.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Vendor": w.vendor,
                    "Product": w.product,
                    "Purchased": w.seats_purchased,
                    "Active 30d": w.seats_active,
                    "Unused": w.unused,
                    "Monthly cost": format_money(w.monthly_cost, w.currency),
                }
                for w in waste
            ]
        ),
        hide_index=True,
    )


TABS = {
    "By vendor": by_vendor,
    "By team": by_team,
    "By service": by_service,
    "Budgets": budget_tab,
    "Anomalies": anomalies,
    "Commitments": commitments_tab,
    "Unused seats": unused_seats,
}
