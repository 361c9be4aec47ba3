"""Adding, changing and archiving budgets. A refused value keeps every field as typed."""

from __future__ import annotations

from datetime import date

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.spend import budgets
from services.spend.budget_fields import DEFAULT_THRESHOLDS
from services.spend.budgets import BudgetStatus
from services.spend.choices import BUDGET_PERIOD, BUDGET_SCOPE, COST_BASIS, COST_BASIS_HELP
from ui.dialogs import confirm_button
from ui.forms import edit_form, new_form_key, save_new
from ui.guard import allowed
from ui.widgets import select_optional

BASES = {b: COST_BASIS[b] for b in ("billed", "effective")}
BASIS_HELP = " · ".join(f"{COST_BASIS[b]}: {COST_BASIS_HELP[b]}" for b in BASES)


def add_budget(db: Database, actor: Actor, day: date) -> None:
    with allowed():
        teams, vendors = budgets.budget_targets(db, actor)
    st.subheader("Add a budget")
    scope = st.radio(
        "For",
        BUDGET_SCOPE.values,
        format_func=BUDGET_SCOPE.label,
        horizontal=True,
        key="budget_scope",
    )
    with st.form(key := new_form_key("budget_add")):
        name = st.text_input("Name", key=f"{key}_name")
        targets = teams if scope == "team" else vendors
        target = select_optional(
            BUDGET_SCOPE.label(scope),
            targets,
            key=f"{key}_{scope}",
            placeholder=f"Choose a {scope}",
        )
        cols = st.columns(4)
        period = cols[0].selectbox(
            "Period", BUDGET_PERIOD.values, format_func=BUDGET_PERIOD.label, key=f"{key}_period"
        )
        amount = cols[1].text_input("Amount", placeholder="10,000.00", key=f"{key}_amount")
        currency = cols[2].text_input("Currency", value="USD", max_chars=3, key=f"{key}_currency")
        basis = cols[3].selectbox(
            "Compares",
            list(BASES),
            format_func=BASES.__getitem__,
            help=BASIS_HELP,
            key=f"{key}_basis",
        )
        thresholds = st.text_input("Thresholds (%)", value=DEFAULT_THRESHOLDS, key=f"{key}_thr")
        starts_on = st.date_input(
            "Starts on (the first of that month)", value=day.replace(day=1), key=f"{key}_start"
        )
        if st.form_submit_button("Add budget", type="primary"):
            save_new(
                "budget_add",
                lambda: budgets.create_budget(
                    db,
                    actor,
                    name=name,
                    scope=scope,
                    period=period,
                    amount=amount,
                    currency=currency,
                    thresholds=thresholds,
                    starts_on=starts_on,
                    cost_basis=basis,
                    **({"team_id": target} if scope == "team" else {"vendor_id": target}),
                ),
                "Budget added",
            )


def change_budget(db: Database, actor: Actor, statuses: list[BudgetStatus]) -> None:
    st.subheader("Change or archive a budget")
    editable = {s.budget.id: s.budget for s in statuses}
    picked = select_optional(
        "Budget",
        {i: b.name for i, b in editable.items()},
        key="budget_edit",
        placeholder="Choose a budget",
    )
    if picked is None:
        return
    current = editable[picked]

    def fields(prefix: str) -> dict[str, str]:
        cols = st.columns(3)
        return {
            "amount": cols[0].text_input(
                "Amount", value=format(current.amount, ",f"), key=f"{prefix}_amount"
            ),
            "thresholds": cols[1].text_input(
                "Thresholds (%)", value=current.thresholds, key=f"{prefix}_thresholds"
            ),
            "cost_basis": cols[2].selectbox(
                "Compares",
                list(BASES),
                index=list(BASES).index(current.cost_basis),
                format_func=BASES.__getitem__,
                help=BASIS_HELP,
                key=f"{prefix}_basis",
            ),
        }

    edit_form(
        "budget_change",
        picked,
        current.version,
        fields,
        lambda values, opened: budgets.update_budget(db, actor, picked, opened, **values),
        done="Budget saved",
    )
    confirm_button(
        "Archive budget",
        key=f"budget_archive_{picked}",
        title="Archive this budget?",
        message=f"{current.name} stops being checked and alerting.",
        confirm_label="Archive",
        change=lambda: budgets.archive_budget(db, actor, picked),
        done="Budget archived",
        clear=("budget_edit",),
    )
