"""The contract form shared by adding and editing a contract on the renewals page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.vendors import contracts, vendors
from services.vendors.contracts import ContractInput, ContractView
from ui.guard import allowed
from ui.widgets import select_one


def contract_form(
    db: Database,
    actor: Actor,
    prefix: str,
    current: ContractView | None,
    *,
    as_of: date,
    others: list[ContractView],
) -> ContractInput | None:
    """The contract fields inside the caller's form; None when a value does not parse.

    ``others`` are the contracts a new or edited one may renew (the edited one is left out).
    """
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
        for c in others
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
        start_date=start,
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
        **values,
    )
