"""Contracts & renewals: the renewal calendar, deadlines in order, decisions, and contract edits."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.core.money import format_money
from services.delivery import reminders
from services.vendors import contracts, renewals
from ui.auth import require_actor
from ui.charts_vendors import TimelineRow, renewal_timeline
from ui.contract_form import contract_form
from ui.guard import allowed, save_and_rerun
from ui.state import database
from ui.text import safe_link
from ui.widgets import forget_opened, opened_version

actor = require_actor()
db = database()
as_of = clock.today(db)
TIMELINE_CAP = 150  # bars drawn; more is unreadable and slow in the browser


def _money(value: Decimal | None, currency: str, hidden: bool) -> str:
    if hidden:
        return "hidden"
    return "" if value is None else format_money(value, currency)


st.title("Contracts & renewals")
with allowed():
    all_contracts = contracts.list_contracts(db, actor, as_of=as_of)
    rows = renewals.list_renewals(db, actor, as_of=as_of, views=all_contracts)


def _calendar() -> None:
    if not rows:
        st.info(
            "No live contracts yet. Add one under Contracts, or import a spreadsheet with "
            "`opsdesk import-records contracts FILE`."
        )
    else:
        window = st.select_slider(
            "Show deadlines up to",
            options=[14, 30, 60, 90, 120, 365, 3650],
            value=365,
            format_func=lambda d: "all" if d == 3650 else f"{d} days",
            key="renewals_window",
        )
        shown = [r for r in rows if r.contract.days_to_deadline <= window]
        if len(shown) > TIMELINE_CAP:
            st.caption(
                f"The timeline shows the first {TIMELINE_CAP} of {len(shown):,} deadlines in this "
                "window; the table below lists them all."
            )
        st.plotly_chart(
            renewal_timeline(
                [
                    TimelineRow(
                        r.contract.vendor_name,
                        r.contract.title,
                        r.contract.cancellation_deadline,
                        r.contract.current_term_end,
                        r.band,
                        r.decision.decision if r.decision else None,
                    )
                    for r in shown[:TIMELINE_CAP]
                ],
                as_of,
            ),
            width="stretch",
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Cancel by": r.contract.cancellation_deadline,
                        "Days left": r.contract.days_to_deadline,
                        "Band": r.band,
                        "Vendor": r.contract.vendor_name,
                        "Contract": r.contract.title,
                        "Renewal": r.contract.renewal_type,
                        "Term ends": r.contract.current_term_end,
                        "Value": _money(
                            r.contract.value, r.contract.currency, r.contract.values_hidden
                        ),
                        "Owner": r.contract.owner_name,
                        "Decision": r.decision.decision if r.decision else "",
                        "Decided by": r.decision.decided_by if r.decision else "",
                    }
                    for r in shown
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        if can(actor, "renewals.decide"):
            open_rows = {r.contract.id: r for r in rows if r.decision is None}
            st.subheader("Decide a renewal")
            if not open_rows:
                st.caption("Every renewal has a decision.")
            else:
                with st.form("renewals_decide"):
                    pick = st.selectbox(
                        "Contract",
                        list(open_rows),
                        format_func=lambda i: (
                            f"{open_rows[i].contract.vendor_name} · {open_rows[i].contract.title}"
                            f" (cancel by {open_rows[i].contract.cancellation_deadline})"
                        ),
                        key="renewals_decide_pick",
                    )
                    decision = st.radio(
                        "Decision",
                        renewals.DECISIONS,
                        horizontal=True,
                        key="renewals_decide_choice",
                    )
                    note = st.text_area("Note", key="renewals_decide_note")
                    if st.form_submit_button("Record decision", type="primary"):
                        save_and_rerun(
                            lambda: renewals.decide_renewal(
                                db, actor, pick, decision=decision, note=note, as_of=as_of
                            ),
                            "Decision recorded; follow-up action items created",
                        )


def _contracts_table() -> int | None:
    """The contracts table and the picked contract's history; returns the picked id."""
    if not all_contracts:
        st.caption("No contracts yet.")
        return None
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Vendor": c.vendor_name,
                    "Title": c.title,
                    "Start": c.start_date,
                    "Initial months": c.initial_term_months,
                    "Renewal": c.renewal_type,
                    "Renewal months": c.renewal_period_months,
                    "Notice days": c.notice_days,
                    "Term ends": c.current_term_end,
                    "Cancel by": c.cancellation_deadline,
                    "Value": _money(c.value, c.currency, c.values_hidden),
                    "SLA hours": c.sla_hours,
                    "Owner": c.owner_name,
                    "Document": safe_link(c.document_url),
                    "Cancelled": c.cancelled,
                }
                for c in all_contracts
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"Document": st.column_config.LinkColumn("Document")},
    )
    pick: int = st.selectbox(
        "Contract",
        list(by_id),
        format_func=lambda i: f"{by_id[i].vendor_name} · {by_id[i].title}",
        key="contracts_pick",
    )
    with allowed():
        history = contracts.contract_history(db, actor, pick, as_of=as_of)
    with st.expander("Renewal history and amendments"):
        chain = [*history.renewed_by, history.contract, *history.previous]
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Title": c.title,
                        "Start": c.start_date,
                        "Term ends": c.current_term_end,
                        "This one": c.id == pick,
                    }
                    for c in chain
                ]
            ),
            hide_index=True,
        )
        if history.amendments:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Effective": a.effective_date,
                            "Summary": a.summary,
                            "Value change": a.value_change,
                            "By": a.created_by,
                        }
                        for a in history.amendments
                    ]
                ),
                hide_index=True,
            )
        else:
            st.caption("No amendments.")
    return pick


def _add_contract() -> None:
    with st.form("contracts_add", clear_on_submit=True):
        data = contract_form(db, actor, "contracts_add", None, as_of=as_of, others=all_contracts)
        if st.form_submit_button("Add contract", type="primary") and data is not None:
            save_and_rerun(lambda: contracts.create_contract(db, actor, data), "Contract added")


def _edit_contract(pick: int | None) -> None:
    if pick is None:
        st.caption("No contract to edit.")
        return
    current = by_id[pick]
    opened = opened_version(f"contracts_edit_{pick}", current.version)
    prefix = f"contracts_edit_{pick}_{opened}"
    with st.form(prefix):
        data = contract_form(db, actor, prefix, current, as_of=as_of, others=all_contracts)
        if st.form_submit_button("Save changes") and data is not None:
            forget_opened(f"contracts_edit_{pick}")
            save_and_rerun(
                lambda: contracts.update_contract(db, actor, pick, data, expected_version=opened),
                "Saved",
            )


def _amend_contract(pick: int | None) -> None:
    if pick is None:
        st.caption("No contract to amend.")
        return
    with st.form(f"contracts_amend_{pick}", clear_on_submit=True):
        effective = st.date_input("Effective date", value=as_of, key="contracts_amend_date")
        summary = st.text_area("What changed", key="contracts_amend_summary")
        change = (
            st.text_input("Value change (e.g. -250.00)", key="contracts_amend_value")
            if can(actor, "contracts.values")
            else ""
        )
        if st.form_submit_button("Record amendment"):
            save_and_rerun(
                lambda: contracts.add_amendment(
                    db,
                    actor,
                    pick,
                    effective_date=effective,
                    summary=summary,
                    value_change=change or None,
                ),
                "Amendment recorded",
            )


def _recipients(pick: int) -> None:
    with allowed():
        override = next(
            (
                r
                for r in reminders.list_rules(db, actor)
                if r.kind == "contract" and r.record_type == "contract" and r.record_id == pick
            ),
            None,
        )
    st.caption(
        "Deadline reminders go to the contract owner by default. Emails here replace "
        "them for this contract; a Slack channel id also posts there."
    )
    with st.form(f"contract_recipients_{pick}"):
        emails = st.text_input(
            "Recipients (emails, comma separated)",
            value=override.recipients if override else "",
            key=f"contract_recipients_emails_{pick}",
        )
        channel = st.text_input(
            "Slack channel id (optional)",
            value=(override.channel_target or "") if override else "",
            key=f"contract_recipients_channel_{pick}",
        )
        if st.form_submit_button("Save recipients"):
            save_and_rerun(
                lambda: reminders.set_record_recipients(
                    db,
                    actor,
                    "contract",
                    "contract",
                    pick,
                    emails,
                    channel_target=channel.strip() or None,
                ),
                "Recipients saved",
            )


def _contracts() -> None:
    pick = _contracts_table()
    if can(actor, "contracts.edit"):
        forms = st.tabs(
            ["Add a contract", "Edit", "Record an amendment"],
            key="contracts_form",
            on_change="rerun",
        )
        draws: tuple[Callable[[], None], ...] = (
            _add_contract,
            lambda: _edit_contract(pick),
            lambda: _amend_contract(pick),
        )
        for tab, draw in zip(forms, draws, strict=True):
            if tab.open:
                with tab:
                    draw()
    if pick is not None and can(actor, "settings.manage"):
        with st.expander("Reminder recipients for this contract"):
            _recipients(pick)


by_id = {c.id: c for c in all_contracts}
# Only the open tab runs (switching tabs reruns the page): with thousands of contracts, drawing
# both tables and both contract forms on every load was most of the page's time. The open tab
# is kept in the URL (?tab=...).
for tab, draw in zip(
    st.tabs(["Renewals", "Contracts"], key="tab", bind="query-params"),
    (_calendar, _contracts),
    strict=True,
):
    if tab.open:
        with tab:
            draw()
