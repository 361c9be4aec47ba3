"""The Drift policies page's forms: a reading, a new policy, and a change to or the archive of
one (the same fields, filled from the policy)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from db.engine import Database
from services.access.access import Actor
from services.governance import drift
from services.governance.drift import PolicyInput, PolicyRow
from services.governance.drift_rules import ACTION_LABELS, DRIFT_ACTIONS
from ui.dialogs import confirm_button
from ui.forms import add_form, edit_form, new_form_key, save_new
from ui.widgets import keeping, select_one

DIRECTIONS = ["above", "below"]
NO_THRESHOLDS = "Enter both thresholds. Nothing was saved."


def reading_form(
    db: Database, actor: Actor, rows: list[PolicyRow], now: datetime, tz: ZoneInfo
) -> None:
    by_id = {p.id: p for p in rows}
    with st.form(new_form_key("drift_reading")):
        pid = st.selectbox(
            "Policy", list(by_id), format_func=lambda i: f"{by_id[i].model}: {by_id[i].metric}"
        )
        # Empty until typed: a default of 0 was itself a reading, and under a "below" policy
        # one click recorded a critical breach (an urgent action item, or a suspension).
        value = st.number_input("Value", value=None, format="%.4f", placeholder="the value read")
        c1, c2 = st.columns(2)
        day = c1.date_input("Observed on", value=now.astimezone(tz).date())
        at = c2.time_input("at", value=time(9, 0))
        if st.form_submit_button("Record reading"):
            if value is None:
                st.error("Enter the value read. Nothing was recorded.")
                return
            save_new(
                "drift_reading",
                lambda: drift.record_reading(
                    db, actor, pid, value, datetime.combine(day, at, tzinfo=tz), tz=tz
                ),
                "Reading recorded",
            )


def _fields(
    prefix: str,
    models: dict[int, str],
    people: dict[int | None, str],
    current: PolicyRow | None,
) -> PolicyInput | None:
    """The policy's fields (empty for a new one); None while a threshold is missing."""
    model = select_one(
        "Model", models, current=current.model_id if current else None, key=f"{prefix}_model"
    )
    metric = st.text_input(
        "Metric (as the monitoring tool names it)",
        value=current.metric if current else "",
        key=f"{prefix}_metric",
    )
    direction = st.radio(
        "Bad when the value is",
        DIRECTIONS,
        index=DIRECTIONS.index(current.direction) if current else 0,
        horizontal=True,
        key=f"{prefix}_direction",
    )
    c1, c2 = st.columns(2)
    warning = c1.number_input(
        "Warning threshold",
        value=current.warning_threshold if current else None,
        format="%.4f",
        key=f"{prefix}_warning",
    )
    critical = c2.number_input(
        "Critical threshold",
        value=current.critical_threshold if current else None,
        format="%.4f",
        key=f"{prefix}_critical",
    )
    action = st.selectbox(
        "Action on a critical breach",
        DRIFT_ACTIONS,
        index=DRIFT_ACTIONS.index(current.action) if current else 0,
        format_func=lambda a: ACTION_LABELS[a],
        key=f"{prefix}_action",
    )
    owner = select_one(
        "Owner", people, current=current.owner_id if current else None, key=f"{prefix}_owner"
    )
    approver = select_one(
        "Approver",
        people,
        current=current.approver_id if current else None,
        key=f"{prefix}_approver",
    )
    runbook = st.text_input(
        "Runbook link",
        value=(current.runbook_url or "") if current else "",
        key=f"{prefix}_runbook",
    )
    review_by = st.date_input(
        "Review by", value=current.review_by if current else None, key=f"{prefix}_review"
    )
    if warning is None or critical is None:
        return None
    return PolicyInput(
        model_id=model,
        metric=metric,
        warning_threshold=warning,
        critical_threshold=critical,
        direction=direction,
        action=action,
        owner_id=owner,
        approver_id=approver,
        runbook_url=runbook.strip() or None,
        review_by=review_by,
    )


def new_policy_form(
    db: Database, actor: Actor, models: dict[int, str], people: dict[int | None, str]
) -> None:
    add_form(
        "drift_add",
        lambda key: _fields(key, models, people, None),
        lambda data: drift.create_policy(db, actor, data),
        submit="Save policy",
        done="Drift policy saved",
        missing=NO_THRESHOLDS,
    )


def change_policy_form(
    db: Database,
    actor: Actor,
    rows: list[PolicyRow],
    models: dict[int, str],
    people: dict[int | None, str],
    now: datetime,
) -> None:
    """Pick a policy, change any field (refused if someone saved it since), or archive it."""
    by_id = {p.id: p for p in rows}
    chosen = select_one(
        "Policy",
        {p.id: f"{p.model}: {p.metric}" for p in rows},
        key="drift_edit_pick",
    )
    current = by_id[chosen]
    choices = keeping(people, current.owner_id, current.owner)
    choices = keeping(choices, current.approver_id, current.approver)

    def fields(prefix: str) -> PolicyInput | None:
        data = _fields(prefix, models, choices, current)
        if data is None:
            st.caption(NO_THRESHOLDS)
        return data

    edit_form(
        "drift_edit",
        current.id,
        current.version,
        fields,
        lambda data, opened: drift.update_policy(
            db, actor, current.id, data, expected_version=opened
        ),
        submit="Save changes",
        done="Drift policy saved",
    )
    confirm_button(
        "Archive policy",
        key=f"drift_archive_{current.id}",
        title="Archive this drift policy?",
        message=(
            f"{current.model}: {current.metric} is no longer watched: new readings cannot be "
            "recorded against it. Its breaches, and the action items and incidents they "
            "opened, are kept; a new policy on the same metric brings it back."
        ),
        confirm_label="Archive",
        change=lambda: drift.archive_policy(db, actor, current.id, now),
        done="Drift policy archived",
    )
