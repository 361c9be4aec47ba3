"""Contracts & renewals: the renewal calendar, deadlines in order, decisions, and contract edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from services import contracts, reminders, renewals, vendors
from services.access import can
from services.clock import today
from services.contracts import ContractInput, ContractView
from services.money import format_money
from ui.auth import require_actor
from ui.charts_vendors import TimelineRow, renewal_timeline
from ui.guard import allowed, save_and_rerun
from ui.state import database
from ui.text import safe_link
from ui.widgets import select_one

actor = require_actor()
db = database()
as_of = today()
TIMELINE_CAP = 150  # bars drawn; more is unreadable and slow in the browser


def _money(value: Decimal | None, currency: str, hidden: bool) -> str:
    if hidden:
        return "hidden"
    return "" if value is None else format_money(value, currency)


st.title("Contracts & renewals")
with allowed():
    all_contracts = contracts.list_contracts(db, actor, as_of=as_of)
    rows = renewals.list_renewals(db, actor, as_of=as_of, views=all_contracts)

calendar_tab, contracts_tab = st.tabs(["Renewals", "Contracts"])

with calendar_tab:
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


def _contract_form(prefix: str, current: ContractView | None) -> ContractInput | None:
    with allowed():
        vendor_rows = vendors.list_vendors(db, actor)
        owners = vendors.owner_choices(db, actor)
    if not vendor_rows:
        st.caption("Add a vendor first.")
        return None
    vendor_names = {v.id: v.name for v in vendor_rows}
    owner_names: dict[int | None, str] = {None: "(nobody)"} | {
        o.id: f"{o.name} <{o.email}>" for o in owners
    }
    vendor_id = select_one(
        "Vendor",
        vendor_names,
        current=current.vendor_id if current else None,
        key=f"{prefix}_vendor",
    )
    title = st.text_input("Title", value=current.title if current else "", key=f"{prefix}_title")
    c1, c2, c3, c4 = st.columns(4)
    start = c1.date_input(
        "Start date",
        value=current.start_date if current else as_of,
        min_value=date(1990, 1, 1),
        key=f"{prefix}_start",
    )
    initial = c2.number_input(
        "Initial term (months)",
        min_value=1,
        step=1,
        value=current.initial_term_months if current else 12,
        key=f"{prefix}_initial",
    )
    renewal_type = c3.selectbox(
        "Renewal type",
        contracts.RENEWAL_TYPES,
        index=contracts.RENEWAL_TYPES.index(current.renewal_type) if current else 0,
        key=f"{prefix}_rtype",
    )
    period = c4.number_input(
        "Renewal period (months, 0 = none)",
        min_value=0,
        step=1,
        value=(current.renewal_period_months or 0) if current else 12,
        key=f"{prefix}_period",
    )
    c5, c6, c7 = st.columns(3)
    notice = c5.number_input(
        "Notice period (days)",
        min_value=0,
        step=1,
        value=current.notice_days if current else 30,
        key=f"{prefix}_notice",
    )
    billing = c6.selectbox(
        "Billing period",
        contracts.BILLING_PERIODS,
        index=contracts.BILLING_PERIODS.index(current.billing_period) if current else 2,
        key=f"{prefix}_billing",
    )
    currency = c7.text_input(
        "Currency", value=current.currency if current else "USD", key=f"{prefix}_currency"
    )
    values: dict[str, Decimal | None] = {}
    if can(actor, "contracts.values"):
        v1, v2, v3 = st.columns(3)
        for col_, key, label in (
            (v1, "value", "Value"),
            (v2, "committed_amount", "Committed amount"),
            (v3, "prepaid_amount", "Prepaid amount"),
        ):
            shown = getattr(current, key) if current else None
            text = col_.text_input(
                label, value="" if shown is None else format(shown, "f"), key=f"{prefix}_{key}"
            )
            try:
                values[key] = Decimal(text.strip()) if text.strip() else None
            except InvalidOperation:
                st.error(f"{label} is not a number.")
                return None
    owner_id = select_one(
        "Owner",
        owner_names,
        current=current.owner_id if current else None,
        key=f"{prefix}_owner",
    )
    s1, s2 = st.columns(2)
    sla = s1.number_input(
        "Support SLA (hours, 0 = none)",
        min_value=0,
        step=1,
        value=(current.sla_hours or 0) if current else 0,
        key=f"{prefix}_sla",
    )
    document_url = s2.text_input(
        "Document link (http or https)",
        value=(current.document_url or "") if current else "",
        key=f"{prefix}_doc",
    )
    escalation = st.text_input(
        "Escalation path",
        value=(current.escalation_path or "") if current else "",
        key=f"{prefix}_escalation",
    )
    previous_options: dict[int | None, str] = {None: "(none)"} | {
        c.id: f"{c.vendor_name} · {c.title} (from {c.start_date})"
        for c in all_contracts
        if not current or c.id != current.id
    }
    previous = select_one(
        "Renews previous contract",
        previous_options,
        current=current.previous_contract_id if current else None,
        key=f"{prefix}_previous",
    )
    cancelled = st.checkbox(
        "Cancelled", value=current.cancelled if current else False, key=f"{prefix}_cancelled"
    )
    notes = st.text_area("Notes", value=current.notes if current else "", key=f"{prefix}_notes")
    return ContractInput(
        vendor_id=vendor_id,
        title=title,
        start_date=start,  # type: ignore[arg-type]
        initial_term_months=int(initial),
        renewal_type=renewal_type,
        renewal_period_months=int(period) or None,
        notice_days=int(notice),
        currency=currency,
        billing_period=billing,
        owner_id=owner_id,
        document_url=document_url or None,
        sla_hours=int(sla) or None,
        escalation_path=escalation or None,
        previous_contract_id=previous,
        cancelled=cancelled,
        notes=notes,
        **values,  # type: ignore[arg-type]
    )


with contracts_tab:
    if all_contracts:
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
        by_id = {c.id: c for c in all_contracts}
        pick = st.selectbox(
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
    else:
        pick = None
        st.caption("No contracts yet.")

    if can(actor, "contracts.edit"):
        add, edit, amend = st.tabs(["Add a contract", "Edit", "Record an amendment"])
        with add, st.form("contracts_add", clear_on_submit=True):
            data = _contract_form("contracts_add", None)
            if st.form_submit_button("Add contract", type="primary") and data is not None:
                save_and_rerun(lambda: contracts.create_contract(db, actor, data), "Contract added")
        with edit:
            if pick is None:
                st.caption("No contract to edit.")
            else:
                current = by_id[pick]
                with st.form(f"contracts_edit_{pick}_{current.version}"):
                    data = _contract_form(f"contracts_edit_{pick}_{current.version}", current)
                    if st.form_submit_button("Save changes") and data is not None:
                        save_and_rerun(
                            lambda: contracts.update_contract(
                                db, actor, pick, data, expected_version=current.version
                            ),
                            "Saved",
                        )
        with amend:
            if pick is None:
                st.caption("No contract to amend.")
            else:
                with st.form(f"contracts_amend_{pick}", clear_on_submit=True):
                    effective = st.date_input(
                        "Effective date", value=as_of, key="contracts_amend_date"
                    )
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
                                effective_date=effective,  # type: ignore[arg-type]
                                summary=summary,
                                value_change=change or None,
                            ),
                            "Amendment recorded",
                        )

    if pick is not None and can(actor, "settings.manage"):
        with st.expander("Reminder recipients for this contract"):
            with allowed():
                override = next(
                    (
                        r
                        for r in reminders.list_rules(db, actor)
                        if r.kind == "contract"
                        and r.record_type == "contract"
                        and r.record_id == pick
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
