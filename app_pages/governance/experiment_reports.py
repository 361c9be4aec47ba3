"""Experiment reports: runs side by side against production, saved, signed off, put on a
meeting's agenda and exported as Markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from integrations.bootstrap import build_mlflow
from services.access.access import can
from services.coordination import meetings
from services.core.clock import now
from services.governance import experiments, inventory
from ui.auth import require_actor
from ui.forms import new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.report_forms import notes_and_sign_off
from ui.state import database, settings
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
st.title("Experiment reports")
with allowed():
    reports = experiments.list_reports(db, actor)


def _attach(picked: int) -> None:
    upcoming = meetings.list_meetings(db, actor, since=now(db), limit=50)
    if upcoming:
        options = {m.id: f"{m.title} · {m.local_start:%Y-%m-%d %H:%M}" for m in upcoming}
        meeting = st.selectbox(
            "Meeting",
            list(options),
            format_func=options.__getitem__,
            key=f"report_meeting_{picked}",
        )
        if st.button("Put on the meeting's agenda", key=f"report_attach_{picked}"):
            save_and_rerun(
                lambda: experiments.attach_to_meeting(db, actor, picked, meeting),
                "Added to the agenda as an experiment review",
            )
    else:
        st.caption("No meetings ahead: create one on the Meetings page.")


if not reports:
    st.info(
        "No experiment reports yet. Make one below from an MLflow experiment's runs or "
        "from a CSV of runs (run_id, run_name, params.*, metrics.*)."
    )
else:
    titles = {r.id or 0: f"{r.title} ({r.status.replace('_', ' ')})" for r in reports}
    picked = st.selectbox(
        "Report", list(titles), format_func=titles.__getitem__, key="reports_pick"
    )
    c = experiments.get_comparison(db, actor, picked)
    r = c.report
    st.caption(
        f"Made by {r.created_by} on {r.created_at:%Y-%m-%d}"
        + (f" · signed off by {r.signed_off_by}" if r.signed_off_by else " · draft")
    )
    st.dataframe(
        pd.DataFrame(
            [[m.metric, *experiments.value_texts(m), m.best_run] for m in c.metrics],
            columns=["Metric", *c.columns, "Best"],
        ),
        hide_index=True,
        width="stretch",
    )
    baseline = next((i for i, run in enumerate(c.runs) if run.is_baseline), None)
    if baseline is not None:
        st.caption(f"In brackets: the change against {c.columns[baseline]}.")
    st.dataframe(
        pd.DataFrame([[k, *vs] for k, vs in c.params], columns=["Parameter", *c.columns]),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "Download report (Markdown)",
        experiments.report_markdown(c),
        file_name=f"experiment-report-{picked}.md",
        key=f"report_md_{picked}",
    )
    notes_and_sign_off(db, actor, r)
    if can(actor, "meetings.edit"):
        lazy_expander(
            "Put on a meeting's agenda", lambda: _attach(picked), key=f"report_attach_open_{picked}"
        )


def _new_report() -> None:
    models = {m.id: m.name for m in inventory.list_models(db, actor)}
    gateway = build_mlflow(settings())
    with st.form(new_form_key("report_new")):
        title = st.text_input("Title")
        model_id = st.selectbox(
            "Compare against production of",
            [None, *models],
            format_func=lambda i: "(no model)" if i is None else models[i],
        )
        experiment = st.text_input("MLflow experiment (name or id)", disabled=gateway is None)
        run_ids = st.text_input(
            "Only these run ids (comma separated; blank: the newest 200)", disabled=gateway is None
        )
        upload = st.file_uploader("…or a CSV of runs", type=["csv"])
        if st.form_submit_button("Make report", type="primary"):

            def _make() -> int:
                if upload is not None:
                    runs = experiments.runs_from_csv(upload.getvalue(), upload.name)
                    source = "csv"
                elif gateway is not None and experiment.strip():
                    runs, source = (
                        experiments.fetch_runs(
                            gateway,
                            experiment,
                            [r.strip() for r in run_ids.split(",") if r.strip()],
                        ),
                        "mlflow",
                    )
                else:
                    raise ValueError("give an MLflow experiment or a CSV of runs")
                return experiments.create_report(
                    db,
                    actor,
                    title=title,
                    runs=runs,
                    now=now(db),
                    model_id=model_id,
                    experiment=experiment,
                    source=source,
                )

            save_new("report_new", _make, "Report saved")


if can(actor, "reports.edit"):
    lazy_expander("New report", _new_report, key="reports_new_open", expanded=not reports)
