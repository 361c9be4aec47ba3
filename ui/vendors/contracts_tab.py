"""The contracts tab of Contracts & renewals: the table, one contract's history, and its forms."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.delivery import reminders
from services.vendors import contract_history as history_service
from services.vendors import contracts
from services.vendors.choices import RENEWAL_TYPE
from services.vendors.contracts import ContractView
from ui.contract_form import contract_form
from ui.forms import edit_form, new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.text import safe_link
from ui.vendors.money import money_cell


def contracts_table(all_contracts: list[ContractView]) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Vendor": c.vendor_name,
                    "Title": c.title,
                    "Cancel by": c.cancellation_deadline,
                    "Term ends": c.current_term_end,
                    "Renewal": RENEWAL_TYPE.label(c.renewal_type),
                    "Value": money_cell(c),
                    "Owner": c.owner_name,
                    "Start": c.start_date,
                    "Initial months": c.initial_term_months,
                    "Renewal months": c.renewal_period_months,
                    "Notice days": c.notice_days,
                    "SLA hours": c.sla_hours,
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


def contract_history(db: Database, actor: Actor, pick: int, as_of: date) -> None:
    with allowed():
        history = history_service.contract_history(db, actor, pick, as_of=as_of)
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
        if not history.amendments:
            st.caption("No amendments.")
            return
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


def add_contract(db: Database, actor: Actor, as_of: date, others: list[ContractView]) -> None:
    with st.form(key := new_form_key("contracts_add")):
        data = contract_form(db, actor, key, None, as_of=as_of, others=others)
        if st.form_submit_button("Add contract", type="primary") and data is not None:
            save_new(
                "contracts_add",
                lambda: contracts.create_contract(db, actor, data),
                "Contract added",
            )


def edit_contract(
    db: Database, actor: Actor, current: ContractView, as_of: date, others: list[ContractView]
) -> None:
    edit_form(
        "contracts_edit",
        current.id,
        current.version,
        lambda prefix: contract_form(db, actor, prefix, current, as_of=as_of, others=others),
        lambda data, opened: contracts.update_contract(
            db, actor, current.id, data, expected_version=opened
        ),
    )


def amend_contract(db: Database, actor: Actor, pick: int, as_of: date) -> None:
    with st.form(key := new_form_key(form := f"contracts_amend_{pick}")):
        effective = st.date_input("Effective date", value=as_of, key=f"{key}_date")
        summary = st.text_area("What changed", key=f"{key}_summary")
        change = (
            st.text_input("Value change (e.g. -250.00)", key=f"{key}_value")
            if can(actor, "contracts.values")
            else ""
        )
        if st.form_submit_button("Record amendment"):
            save_new(
                form,
                lambda: history_service.add_amendment(
                    db,
                    actor,
                    pick,
                    effective_date=effective,
                    summary=summary,
                    value_change=change or None,
                ),
                "Amendment recorded",
            )


def contract_recipients(db: Database, actor: Actor, pick: int) -> None:
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
