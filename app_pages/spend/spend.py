"""Spend: ML vendor spend by month, vendor, team and service; budgets, anomalies, commitments."""

from __future__ import annotations

from functools import partial

import streamlit as st

from services.core import clock
from services.core.export import to_csv
from services.core.money import format_money
from services.spend import spend, views
from services.spend.choices import COST_BASIS, COST_BASIS_HELP
from ui.auth import require_actor
from ui.data_memo import billing_memo, billing_version
from ui.guard import allowed
from ui.links import link_to_page
from ui.spend.spend_tabs import TABS, SpendContext
from ui.spend_data import spend_view
from ui.state import database
from ui.text import md_escape
from ui.widgets import lazy_tabs

actor = require_actor()
db = database()
day = clock.today(db)

st.title("Spend")
version = billing_version(db)  # read once: the options and the view are kept under it
with allowed():
    options = spend.filter_options(db, actor, memo=billing_memo(db, version))

if not options["currencies"]:
    st.info("No billing data yet. Import a FOCUS, AWS, Google Cloud or mapped CSV export first.")
    link_to_page("imports", "Go to Imports", actor)
    st.stop()

months = spend.month_range(options["first_day"][0], max(options["last_day"][0], day))
vendor_names = {vid: name for vid, name in options["vendors"]}

with st.container(horizontal=True):
    from_month = st.selectbox("From", months, index=max(0, len(months) - 12))
    to_month = st.selectbox("To", months, index=len(months) - 1)
    currency = st.selectbox("Currency", options["currencies"])
    basis = (
        st.segmented_control(
            "Cost",
            views.COST_BASES,
            default="billed",
            required=True,
            format_func=COST_BASIS.__getitem__,
            help=" · ".join(f"{COST_BASIS[b]}: {COST_BASIS_HELP[b]}" for b in views.COST_BASES),
            key="cost",
            bind="query-params",
        )
        or "billed"
    )
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
view = spend_view(db, actor, flt, version)
totals = views.totals(view.monthly, basis)
cols = st.columns(max(len(totals), 1))
for column, (code, amount) in zip(cols, totals.items(), strict=False):
    column.metric(
        f"{COST_BASIS[basis]}, {from_month} to {to_month} ({md_escape(code)})",
        format_money(amount, code),
    )
if not view.monthly:
    st.info(
        "No spend matches these filters. Widen the period or clear the vendor and team filters."
    )

context = SpendContext(db, actor, day, flt, view, currency, basis, vendor_names)
lazy_tabs(
    {label: partial(draw, context) for label, draw in TABS.items()}, key="tab", bind_query=True
)


def _export_csv() -> str:
    fields = ["month", "vendor", "team", "service"]
    columns = [*fields, "currency", "billed_cost", "effective_cost"]
    return to_csv(spend.group_spend(view.monthly, fields), columns)


st.download_button(
    "Download CSV (month, vendor, team, service; billed and effective cost)",
    # Built on click, not on every load: the rows are already this actor's filtered view.
    data=_export_csv,
    file_name=f"spend-{from_month}-to-{to_month}.csv",
    mime="text/csv",
    icon=":material/download:",
)
