"""The renewals tab: the deadline table, deciding a renewal, and changing or withdrawing one.

Forms are keyed by the contract and term they decide, and nothing is preselected: a decision
is only recorded for a contract and an outcome the person picked.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.vendors import renewals
from services.vendors.choices import DECISION, RENEWAL_TYPE
from services.vendors.renewals import RenewalRow
from ui.dialogs import confirm_button
from ui.forms import new_form_key, save_new
from ui.guard import save_and_rerun
from ui.vendors.money import money_cell

PICK_KEY = "renewals_decide_pick"
DECIDED_KEY = "renewals_decided_pick"


def renewal_table(rows: list[RenewalRow]) -> None:
    contracts = [r.contract for r in rows]
    decisions = [r.decision for r in rows]
    # Built column by column: a dict per row cost more than the table at thousands of rows.
    st.dataframe(
        pd.DataFrame(
            {
                # What a decision needs first, so it stays on screen at 1440 px.
                "Cancel by": [c.cancellation_deadline for c in contracts],
                "Days left": [c.days_to_deadline for c in contracts],
                "Vendor": [c.vendor_name for c in contracts],
                "Contract": [c.title for c in contracts],
                "Decision": [DECISION.label(d.decision) if d else "" for d in decisions],
                "Owner": [c.owner_name for c in contracts],
                "Value": [money_cell(c) for c in contracts],
                "Renewal": [RENEWAL_TYPE.label(c.renewal_type) for c in contracts],
                "Term ends": [c.current_term_end for c in contracts],
                "Band": [r.band for r in rows],
                "Decided by": [d.decided_by if d else "" for d in decisions],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def decide_panel(db: Database, actor: Actor, rows: list[RenewalRow], as_of: date) -> None:
    waiting = {r.contract.id: r for r in renewals.awaiting_decision(rows)}
    if not waiting:
        st.caption("Every renewal has a decision.")
        return
    pick = st.selectbox(
        "Contract",
        list(waiting),
        index=None,
        placeholder="Choose a contract to decide",
        format_func=lambda i: renewals.decision_choice_label(waiting[i]),
        key=PICK_KEY,
    )
    if pick is None:
        return
    row = waiting[pick]
    form = f"renewals_decide_{pick}_{row.contract.decision_key}"
    with st.form(key := new_form_key(form)):
        decision = st.radio(
            "Decision",
            DECISION.values,
            index=None,
            format_func=DECISION.label,
            horizontal=True,
            key=f"{key}_decision",
        )
        note = st.text_area("Note (why; the follow-up items carry it)", key=f"{key}_note")
        if st.form_submit_button("Record decision", type="primary"):
            if decision is None:
                st.error("Choose renew, renegotiate or cancel.")
                return
            save_new(
                form,
                lambda: renewals.decide_renewal(
                    db, actor, pick, decision=decision, note=note, as_of=as_of
                ),
                f"{DECISION.label(decision)} recorded; follow-up action items created",
                clear=[PICK_KEY],
            )


def decided_panel(db: Database, actor: Actor, rows: list[RenewalRow], as_of: date) -> None:
    """Change a decision (its follow-ups follow) or withdraw it; the audit keeps each version."""
    decided = {r.decision.id: r for r in rows if r.decision is not None}
    if not decided:
        st.caption("No decision recorded yet.")
        return
    pick = st.selectbox(
        "Decided renewal",
        list(decided),
        index=None,
        placeholder="Choose a decided renewal",
        format_func=lambda i: (
            f"{renewals.decision_choice_label(decided[i])}: "
            f"{DECISION.label(decided[i].decision.decision)}"  # type: ignore[union-attr]
        ),
        key=DECIDED_KEY,
    )
    if pick is None:
        return
    current = decided[pick].decision
    assert current is not None
    with st.form(f"renewals_change_{pick}_{current.decided_at}"):
        decision = st.radio(
            "Decision",
            DECISION.values,
            index=DECISION.values.index(current.decision),
            format_func=DECISION.label,
            horizontal=True,
        )
        note = st.text_area("Note", value=current.note)
        if st.form_submit_button("Save change"):
            save_and_rerun(
                lambda: renewals.change_decision(
                    db, actor, pick, decision=decision, note=note, as_of=as_of
                ),
                "Decision changed",
                clear=[DECIDED_KEY],
            )
    confirm_button(
        "Withdraw decision",
        key=f"renewals_withdraw_{pick}",
        title="Withdraw this decision?",
        message=(
            f"{renewals.decision_choice_label(decided[pick])}\n\nThe renewal is open again and "
            "its open follow-up items are dropped. The audit trail keeps the decision."
        ),
        confirm_label="Withdraw",
        change=lambda: renewals.withdraw_decision(db, actor, pick),
        done="Decision withdrawn",
        clear=(DECIDED_KEY,),
    )
