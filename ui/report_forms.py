"""An experiment report's notes and its sign-off (Experiment reports page)."""

from __future__ import annotations

import streamlit as st

from db.engine import Database
from db.models import ExperimentReport
from services.access.access import Actor, can
from services.core.clock import now
from services.governance import experiments
from ui.guard import save_and_rerun
from ui.widgets import forget_opened, opened_version


def notes_and_sign_off(db: Database, actor: Actor, report: ExperimentReport) -> None:
    """The notes form and the sign-off button act on the report as this person opened it
    (``opened_version``; the button is keyed under the same prefix, for a role that only signs
    off): a save or sign-off after someone else's change is refused with a message, where a
    form keyed by the version read on each run was redrawn and its save dropped without a word.
    """
    picked = report.id or 0
    form = f"report_notes_{picked}"
    opened = opened_version(form, report.version)
    prefix = f"{form}_{opened}"
    editable = report.status == "draft" and can(actor, "reports.edit")
    with st.form(prefix):
        notes = st.text_area("Notes", report.notes, disabled=not editable, key=f"{prefix}_text")
        if st.form_submit_button("Save notes", disabled=not editable):
            forget_opened(form)
            save_and_rerun(
                lambda: experiments.save_notes(db, actor, picked, notes, expected_version=opened),
                "Saved",
            )
    if (
        report.status == "draft"
        and can(actor, "reports.sign_off")
        and st.button("Sign off", key=f"{prefix}_sign")
    ):
        forget_opened(form)
        save_and_rerun(
            lambda: experiments.sign_off(db, actor, picked, expected_version=opened, now=now(db)),
            "Report signed off",
        )
