"""Contracts & renewals: the renewal calendar, deadlines in order, decisions, and contract edits."""

from __future__ import annotations

import streamlit as st

from services.access.access import can
from services.core import clock
from services.vendors import contracts, renewals
from ui.auth import require_actor
from ui.charts_vendors import TIMELINE_KEY, TimelineRow, renewal_timeline
from ui.data_memo import contracts_memo
from ui.guard import allowed
from ui.record_import import import_expander
from ui.state import database
from ui.vendors import contracts_tab
from ui.vendors.renewals import decide_panel, decided_panel, renewal_table
from ui.widgets import lazy_expander, lazy_tabs

actor = require_actor()
db = database()
as_of = clock.today(db)
# Bars drawn: the table below lists every deadline; 150 bars made a chart 4,200 px tall that
# nobody could read and the browser redrew on every visit.
TIMELINE_CAP = 40
TABLE_CAP = 200  # rows listed until asked for all: thousands of rows cost each visit ~0.2 s

st.title("Contracts & renewals")
with allowed():
    # Kept while contracts, names and decisions stay as they are: terms for thousands of
    # contracts were most of each visit's server time.
    memo = contracts_memo(db)
    all_contracts = contracts.list_contracts(db, actor, as_of=as_of, memo=memo)
    rows = renewals.list_renewals(db, actor, as_of=as_of, views=all_contracts, memo=memo)
by_id = {c.id: c for c in all_contracts}


def _calendar() -> None:
    if not rows:
        st.info("No live contracts yet. Add one under Contracts, or import a spreadsheet there.")
        return
    window = st.select_slider(
        "Show deadlines up to",
        options=[14, 30, 60, 90, 120, 365, 3650],
        value=365,
        format_func=lambda d: "all" if d == 3650 else f"{d} days",
        key="renewals_window",
    )
    shown = renewals.window_rows(rows, window)
    if len(shown) > TIMELINE_CAP:
        st.caption(
            f"The timeline shows the first {TIMELINE_CAP} of {len(shown):,} deadlines in this "
            "window."
        )
    timeline = [
        TimelineRow(
            r.contract.vendor_name,
            r.contract.title,
            r.contract.cancellation_deadline,
            r.contract.current_term_end,
            r.band,
            r.decision.decision if r.decision else None,
        )
        for r in shown[:TIMELINE_CAP]
    ]
    st.plotly_chart(renewal_timeline(timeline, as_of), width="stretch")
    st.caption(TIMELINE_KEY)
    if len(shown) > TABLE_CAP and not st.toggle(
        f"List all {len(shown):,} deadlines in this window", key="renewals_all"
    ):
        st.caption(f"The {TABLE_CAP} soonest deadlines of {len(shown):,}.")
        renewal_table(shown[:TABLE_CAP])
    else:
        renewal_table(shown)
    if can(actor, "renewals.decide"):
        lazy_expander(
            "Decide a renewal",
            lambda: decide_panel(db, actor, rows, as_of),
            key="renewals_decide_open",
        )
        lazy_expander(
            "Change or withdraw a decision",
            lambda: decided_panel(db, actor, rows, as_of),
            key="renewals_decided_open",
        )


def _contracts() -> None:
    if can(actor, "contracts.edit"):
        import_expander(db, actor, "contracts")
    if not all_contracts:
        st.info("No contracts yet. Add one below, or import a spreadsheet above.")
        pick = None
    else:
        contracts_tab.contracts_table(all_contracts)
        pick = st.selectbox(
            "Contract",
            list(by_id),
            format_func=lambda i: f"{by_id[i].vendor_name} · {by_id[i].title}",
            key="contracts_pick",
        )
        contracts_tab.contract_history(db, actor, pick, as_of)
    if can(actor, "contracts.edit"):
        lazy_tabs(
            {
                "Add a contract": lambda: contracts_tab.add_contract(
                    db, actor, as_of, all_contracts
                ),
                "Edit": lambda: (
                    contracts_tab.edit_contract(db, actor, by_id[pick], as_of, all_contracts)
                    if pick is not None
                    else st.caption("No contract to edit.")
                ),
                "Record an amendment": lambda: (
                    contracts_tab.amend_contract(db, actor, pick, as_of)
                    if pick is not None
                    else st.caption("No contract to amend.")
                ),
            },
            key="contracts_form",
        )
    if pick is not None and can(actor, "settings.manage"):
        with st.expander("Reminder recipients for this contract"):
            contracts_tab.contract_recipients(db, actor, pick)


lazy_tabs({"Renewals": _calendar, "Contracts": _contracts}, key="tab", bind_query=True)
