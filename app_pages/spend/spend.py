"""Spend: ML vendor spend by month, vendor, team and service; budgets, anomalies, commitments."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from services.core import clock
from services.core.export import to_csv
from services.core.money import format_money
from services.spend import budgets, commitments, spend
from ui import charts_spend
from ui.auth import require_actor
from ui.guard import allowed
from ui.links import link_to_page
from ui.spend_data import spend_view
from ui.state import database
from ui.text import md_escape

BURN_CHARTS = 12

actor = require_actor()
db = database()
day = clock.today(db)

st.title("Spend")
with allowed():
    options = spend.filter_options(db, actor)

if not options["currencies"]:
    st.info("No billing data yet. Import a FOCUS, AWS, Google Cloud or mapped CSV export first.")
    link_to_page("imports", "Go to Imports", actor)
    st.stop()


def _months(first: date, last: date) -> list[str]:
    out, cursor = [], first.replace(day=1)
    while cursor <= last:
        out.append(f"{cursor:%Y-%m}")
        cursor = spend.add_months(cursor, 1)
    return out


months = _months(options["first_day"][0], max(options["last_day"][0], day))
default_from = months[max(0, len(months) - 12)]
vendor_names = {vid: name for vid, name in options["vendors"]}

with st.container(horizontal=True):
    from_month = st.selectbox("From", months, index=months.index(default_from))
    to_month = st.selectbox("To", months, index=len(months) - 1)
    currency = st.selectbox("Currency", options["currencies"])
with st.container(horizontal=True):
    picked_vendors = st.multiselect(
        "Vendors", list(vendor_names), format_func=lambda v: vendor_names[v]
    )
    picked_teams = st.multiselect("Teams", options["teams"], format_func=lambda t: t or "(none)")

flt = spend.SpendFilter(
    start=spend.parse_month(from_month),
    end=spend.parse_month(to_month, end=True),
    vendor_ids=frozenset(picked_vendors) if picked_vendors else None,
    teams=frozenset(picked_teams) if picked_teams else None,
)
view = spend_view(db, actor, flt)
rows = view.monthly
totals = spend.totals(rows)
cols = st.columns(max(len(totals), 1))
for column, (code, amount) in zip(cols, totals.items(), strict=False):
    column.metric(
        f"Spend {from_month} to {to_month} ({md_escape(code)})", format_money(amount, code)
    )
if not rows:
    st.info(
        "No spend matches these filters. Widen the period or clear the vendor and team filters."
    )


def _by_vendor() -> None:
    st.plotly_chart(charts_spend.monthly_by(rows, currency, "vendor", "Spend by month and vendor"))


def _by_team() -> None:
    st.plotly_chart(charts_spend.monthly_by(rows, currency, "team", "Spend by month and team"))


def _by_service() -> None:
    st.plotly_chart(charts_spend.totals_by(rows, currency, "service", "Spend by service"))


def _budgets() -> None:
    with allowed():
        statuses = budgets.budget_statuses(db, actor, today=day)
    statuses = [s for s in statuses if s.budget.currency == currency]
    st.caption(
        "Forecast to period end = spend so far ÷ days elapsed × days in the period "
        "(a straight run rate). Only spend in the budget's currency counts."
    )
    if statuses:
        st.plotly_chart(charts_spend.budget_vs_actual(statuses))
    else:
        st.info("No budgets in this currency. Add one on the Budgets page.")


def _anomalies() -> None:
    anomalies = view.anomalies
    st.caption(
        f"A day is an anomaly when one vendor's cost is more than {spend.ANOMALY_FACTOR}× the "
        f"median of its previous {spend.ANOMALY_WINDOW_DAYS} days (missing days count as zero) "
        f"and at least {spend.ANOMALY_FLOOR} above it."
    )
    st.plotly_chart(charts_spend.daily_with_anomalies(view.daily, anomalies, currency))
    if not anomalies:
        st.success("No anomalies in this selection.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "day": a.day,
                    "vendor": a.vendor,
                    "currency": a.currency,
                    "cost": str(a.cost),
                    "usual (median)": str(a.baseline),
                    "times usual": str(a.factor),
                }
                for a in anomalies
            ]
        ),
        hide_index=True,
    )


def _commitments() -> None:
    with allowed():
        burns = commitments.burn_downs(db, actor, today=day)
    st.caption(
        "Spend matched to the contract's vendor since the contract start. The exhaustion date "
        f"extends the average daily spend of the last {commitments.BURN_RATE_DAYS} days; for an "
        "amount already used up it is the day spend reached it."
    )
    if not burns:
        st.info("No contract with a committed or prepaid amount.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "vendor": b.vendor,
                    "contract": b.contract,
                    "kind": b.kind,
                    "amount": format_money(b.amount, b.currency),
                    "remaining": format_money(max(b.remaining, spend.ZERO), b.currency),
                    "over": format_money(max(-b.remaining, spend.ZERO), b.currency),
                    "exhaustion": b.exhaustion,
                    "used up": b.remaining <= 0,
                }
                for b in burns
            ]
        ),
        hide_index=True,
    )
    # One chart per commitment is unreadable (and slow) past a few: chart the soonest to run out.
    charted = sorted(burns, key=lambda b: (b.exhaustion is None, b.exhaustion or day))
    charted = charted[:BURN_CHARTS]
    if len(burns) > len(charted):
        st.caption(f"Charts for the {len(charted)} commitments projected to run out soonest.")
    for burn in charted:
        of = format_money(burn.amount, burn.currency)
        if burn.remaining <= 0:
            over = format_money(-burn.remaining, burn.currency)
            state = f"used up on {burn.exhaustion}; {over} over {of}"
        else:
            when = burn.exhaustion.isoformat() if burn.exhaustion else "not at the current rate"
            left = format_money(burn.remaining, burn.currency)
            state = f"{left} left of {of}; projected exhaustion {when}"
        st.markdown(
            f"**{md_escape(burn.vendor)} · {md_escape(burn.contract)}** ({burn.kind}): "
            f"{md_escape(state)}"
        )
        st.plotly_chart(charts_spend.burn_down(burn), key=f"burn_{burn.contract_id}_{burn.kind}")


def _unused_seats() -> None:
    with allowed():
        waste = commitments.unused_seats(db, actor)
    st.caption(
        "Seats purchased minus seats active in the last 30 days, at the unit price, per month."
    )
    if not waste:
        st.success("Every paid seat was used in the last 30 days.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "vendor": w.vendor,
                    "product": w.product,
                    "purchased": w.seats_purchased,
                    "active 30d": w.seats_active,
                    "unused": w.unused,
                    "monthly cost": format_money(w.monthly_cost, w.currency),
                }
                for w in waste
            ]
        ),
        hide_index=True,
    )


TABS = {
    "By vendor": _by_vendor,
    "By team": _by_team,
    "By service": _by_service,
    "Budgets": _budgets,
    "Anomalies": _anomalies,
    "Commitments": _commitments,
    "Unused seats": _unused_seats,
}
# Only the open tab runs (switching tabs reruns the page): drawing all seven on every load was
# most of this page's time over a large workspace. The open tab is kept in the URL (?tab=...).
for tab, draw in zip(
    st.tabs(list(TABS), key="tab", bind="query-params"), TABS.values(), strict=True
):
    if tab.open:
        with tab:
            draw()


def _export_csv() -> str:
    fields = ["month", "vendor", "team", "service"]
    columns = [*fields, "currency", "billed_cost", "effective_cost"]
    return to_csv(spend.group_spend(rows, fields), columns)


st.download_button(
    "Download CSV (month, vendor, team, service)",
    # Built on click, not on every load: ``rows`` is already this actor's filtered view.
    data=_export_csv,
    file_name=f"spend-{from_month}-to-{to_month}.csv",
    mime="text/csv",
    icon=":material/download:",
)
