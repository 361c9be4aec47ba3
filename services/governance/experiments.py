"""Experiment reports: chosen runs side by side against the production version's run, with
deltas, the best run per metric and notes; saved, signed off, put on a meeting's agenda as an
experiment review, exported as Markdown.

Runs are frozen into the report when it is made (MLflow runs can be deleted or re-logged), so a
signed-off report keeps saying what was reviewed.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from db.engine import Database
from db.models import AgendaItem, ExperimentReport, ExperimentRun, Meeting, ModelVersion
from integrations.mlflow import MlflowError, MlflowGateway, Run
from services.access import audit
from services.access.access import Actor, require
from services.governance.deployments import PRODUCTION, live_in
from services.governance.inventory import GovernanceError, StaleEdit, check_text, dumps, loads

MAX_RUNS = 50
# Metrics where lower is better, by name fragment; every other metric counts higher as better.
LOWER_IS_BETTER = ("loss", "error", "rmse", "mae", "mse", "latency", "perplexity", "cost", "wer")


@dataclass(frozen=True)
class RunSnapshot:
    run_id: str
    run_name: str = ""
    params: dict[str, str] | None = None
    metrics: dict[str, float] | None = None
    started_at: datetime | None = None
    is_baseline: bool = False


def from_mlflow(run: Run) -> RunSnapshot:
    return RunSnapshot(
        run.run_id, run.run_name, dict(run.params), dict(run.metrics), run.started_at
    )


def runs_from_csv(data: bytes, filename: str) -> list[RunSnapshot]:
    """A CSV of runs: ``run_id``, optional ``run_name``, ``params.X`` and ``metrics.Y`` columns
    (the layout of MLflow's own "Download CSV")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GovernanceError(f"{filename} is not UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if "run_id" not in header:
        raise GovernanceError(f"{filename}: missing required column run_id")
    reader.fieldnames = header
    runs: list[RunSnapshot] = []
    for row_number, row in enumerate(reader, start=2):
        run_id = (row.get("run_id") or "").strip()
        if not run_id:
            raise GovernanceError(f"{filename}, row {row_number}: run_id is blank")
        metrics: dict[str, float] = {}
        params: dict[str, str] = {}
        for key, value in row.items():
            value = (value or "").strip()
            if key.startswith("metrics.") and value:
                try:
                    number = float(value)
                except ValueError as exc:
                    raise GovernanceError(
                        f"{filename}, row {row_number}, column {key!r}: not a number: {value!r}"
                    ) from exc
                if not math.isfinite(number):
                    raise GovernanceError(
                        f"{filename}, row {row_number}, column {key!r}: not finite"
                    )
                metrics[key.removeprefix("metrics.")] = number
            elif key.startswith("params."):
                params[key.removeprefix("params.")] = value
        runs.append(RunSnapshot(run_id, (row.get("run_name") or "").strip(), params, metrics))
    if not runs:
        raise GovernanceError(f"{filename} has a header but no runs")
    return runs


def fetch_runs(
    gateway: MlflowGateway, experiment: str, run_ids: list[str] | None = None
) -> list[RunSnapshot]:
    """Runs of an MLflow experiment: the ones named in ``run_ids``, or the newest 200."""
    try:
        found = gateway.runs(run_ids) if run_ids else gateway.experiment_runs(experiment)
    except MlflowError as exc:
        raise GovernanceError(f"could not read runs from MLflow: {exc}") from exc
    if not found:
        raise GovernanceError(f"MLflow has no such runs in experiment {experiment!r}")
    missing = sorted(set(run_ids or ()) - {r.run_id for r in found})
    if missing:
        raise GovernanceError(f"MLflow does not know run(s) {', '.join(missing)}")
    return [from_mlflow(r) for r in found]


def create_report(
    db: Database,
    actor: Actor,
    *,
    title: str,
    runs: list[RunSnapshot],
    now: datetime,
    model_id: int | None = None,
    experiment: str = "",
    source: str = "manual",
    notes: str = "",
) -> int:
    """Save a report; the production version's run of ``model_id`` becomes the baseline."""
    require(db, actor, "reports.edit", record_type="experimentreport")
    title = check_text(title, "title", max_chars=300, required=True)
    if not runs:
        raise GovernanceError("pick at least one run")
    if len(runs) > MAX_RUNS:
        raise GovernanceError(f"a report compares at most {MAX_RUNS} runs")
    with db.write() as session:
        baseline = None
        if model_id is not None:
            live = live_in(session, model_id, PRODUCTION)
            version = session.get(ModelVersion, live.model_version_id) if live else None
            if version is not None:
                baseline = RunSnapshot(
                    version.run_id or f"v{version.number}",
                    f"production v{version.number}",
                    loads(version.params),
                    loads(version.metrics),
                    is_baseline=True,
                )
        report = ExperimentReport(
            title=title,
            model_id=model_id,
            experiment=experiment[:300],
            source=source,
            baseline_run_id=baseline.run_id if baseline else None,
            notes=check_text(notes, "notes", max_chars=20_000),
            created_by=actor.email,
            created_at=now,
            updated_at=now,
        )
        session.add(report)
        session.flush()
        chosen = [r for r in runs if baseline is None or r.run_id != baseline.run_id]
        for position, run in enumerate(([baseline] if baseline else []) + chosen):
            session.add(
                ExperimentRun(
                    report_id=report.id or 0,
                    position=position,
                    run_id=run.run_id[:64],
                    run_name=run.run_name[:300],
                    is_baseline=run.is_baseline,
                    params=dumps(run.params or {}),
                    metrics=dumps(run.metrics or {}),
                    started_at=run.started_at,
                )
            )
        audit.record(
            session, actor, "create", "experimentreport", report.id, after=audit.snapshot(report)
        )
        assert report.id is not None
        return report.id


@dataclass(frozen=True)
class MetricLine:
    metric: str
    values: list[float | None]  # one per run, in column order
    deltas: list[float | None]  # against the baseline, when there is one
    best_run: str  # run name or id of the best value
    lower_is_better: bool


@dataclass(frozen=True)
class Comparison:
    report: ExperimentReport
    runs: list[ExperimentRun]
    columns: list[str]
    params: list[tuple[str, list[str]]]
    metrics: list[MetricLine]


def lower_is_better(metric: str) -> bool:
    name = metric.lower()
    return any(part in name for part in LOWER_IS_BETTER)


def compare_runs(report: ExperimentReport, runs: list[ExperimentRun]) -> Comparison:
    """Parameters and metrics side by side, deltas to the baseline, the best run per metric."""
    columns = [r.run_name or r.run_id for r in runs]
    params = [loads(r.params) for r in runs]
    metrics = [loads(r.metrics) for r in runs]
    baseline = next((i for i, r in enumerate(runs) if r.is_baseline), None)
    param_rows = [
        (key, [str(p.get(key, "")) for p in params])
        for key in sorted({k for p in params for k in p})
    ]
    lines: list[MetricLine] = []
    for key in sorted({k for m in metrics for k in m}):
        values = [float(m[key]) if key in m else None for m in metrics]
        base = values[baseline] if baseline is not None else None
        deltas = [None if v is None or base is None else v - base for v in values]
        lower = lower_is_better(key)
        present = [(v, i) for i, v in enumerate(values) if v is not None]
        best = (min if lower else max)(present)[1] if present else 0
        lines.append(MetricLine(key, values, deltas, columns[best], lower))
    return Comparison(report, runs, columns, param_rows, lines)


def get_comparison(db: Database, actor: Actor, report_id: int) -> Comparison:
    require(db, actor, "reports.read", record_type="experimentreport", record_id=report_id)
    with db.read() as session:
        report = session.get(ExperimentReport, report_id)
        if report is None:
            raise GovernanceError(f"no experiment report {report_id}")
        runs = session.exec(
            select(ExperimentRun)
            .where(ExperimentRun.report_id == report_id)
            .order_by(col(ExperimentRun.position))
        ).all()
    return compare_runs(report, list(runs))


def list_reports(db: Database, actor: Actor, model_id: int | None = None) -> list[ExperimentReport]:
    require(db, actor, "reports.read", record_type="experimentreport")
    query = select(ExperimentReport).order_by(col(ExperimentReport.created_at).desc())
    if model_id is not None:
        query = query.where(ExperimentReport.model_id == model_id)
    with db.read() as session:
        return list(session.exec(query).all())


def save_notes(
    db: Database, actor: Actor, report_id: int, notes: str, *, expected_version: int
) -> None:
    require(db, actor, "reports.edit", record_type="experimentreport", record_id=report_id)
    notes = check_text(notes, "notes", max_chars=20_000)
    with db.write() as session:
        report = _editable(session.get(ExperimentReport, report_id), expected_version)
        audit.apply_change(
            session,
            actor,
            report,
            "experimentreport",
            {"notes": notes},
        )


def _editable(report: ExperimentReport | None, expected_version: int) -> ExperimentReport:
    if report is None:
        raise GovernanceError("no such experiment report")
    if report.version != expected_version:
        raise StaleEdit("experiment report")
    if report.status == "signed_off":
        raise GovernanceError("a signed-off report is not changed; make a new one")
    return report


def sign_off(
    db: Database, actor: Actor, report_id: int, *, expected_version: int, now: datetime
) -> None:
    require(db, actor, "reports.sign_off", record_type="experimentreport", record_id=report_id)
    with db.write() as session:
        report = _editable(session.get(ExperimentReport, report_id), expected_version)
        audit.apply_change(
            session,
            actor,
            report,
            "experimentreport",
            {"status": "signed_off", "signed_off_by": actor.email, "signed_off_at": now},
            action="sign_off",
        )


def attach_to_meeting(db: Database, actor: Actor, report_id: int, meeting_id: int) -> int:
    """Put the report on a meeting's agenda as an experiment review; returns the agenda item."""
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    comparison = get_comparison(db, actor, report_id)
    with db.write() as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise GovernanceError(f"no meeting {meeting_id}")
        report = session.get(ExperimentReport, report_id)
        assert report is not None
        if report.meeting_id == meeting_id and report.agenda_item_id is not None:
            on_agenda = session.get(AgendaItem, report.agenda_item_id)
            if on_agenda is not None and on_agenda.id is not None:
                return on_agenda.id  # a second click: the item is there once
        last = session.exec(
            select(AgendaItem.position)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(col(AgendaItem.position).desc())
        ).first()
        item = AgendaItem(
            meeting_id=meeting_id,
            position=(last if last is not None else -1) + 1,
            title=f"Experiment review: {report.title}"[:300],
            details=summary_text(comparison),
        )
        session.add(item)
        session.flush()
        before = audit.snapshot(report)
        report.meeting_id, report.agenda_item_id = meeting_id, item.id
        session.add(report)
        audit.record(
            session,
            actor,
            "attach",
            "experimentreport",
            report.id,
            before=before,
            after=audit.snapshot(report),
        )
        assert item.id is not None
        return item.id


def summary_text(c: Comparison) -> str:
    """Plain text for an agenda item: the best run per metric and the deltas to production."""
    lines = [
        f"{len(c.runs)} runs compared"
        + (f" on {c.report.experiment}" if c.report.experiment else "")
        + "."
    ]
    for line in c.metrics:
        direction = "lower" if line.lower_is_better else "higher"
        lines.append(f"Best {line.metric} ({direction} is better): {line.best_run}")
    return "\n".join(lines)


def _fmt(value: float | None, signed: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:+.4g}" if signed else f"{value:.4g}"


def value_texts(line: MetricLine) -> list[str]:
    """Each run's value of one metric, with its change against the baseline in brackets (none
    for the baseline itself, or where the value did not move): as the page and the export
    show them."""
    out = []
    for value, delta in zip(line.values, line.deltas, strict=True):
        text = _fmt(value)
        if delta is not None and delta != 0:
            text += f" ({_fmt(delta, signed=True)})"
        out.append(text)
    return out


def _cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_markdown(c: Comparison) -> str:
    r = c.report
    out = [f"# {_cell(r.title)}\n"]
    status = (
        f"signed off by {r.signed_off_by} on {r.signed_off_at:%Y-%m-%d}"
        if r.signed_off_at
        else "draft"
    )
    out.append(
        f"Experiment: {_cell(r.experiment or '-')} · Status: {status} · "
        f"Made by {r.created_by} on {r.created_at:%Y-%m-%d}\n"
    )
    head = "| | " + " | ".join(_cell(col_) for col_ in c.columns) + " |"
    rule = "| --- |" + " --- |" * len(c.columns)
    out += ["## Metrics\n", head, rule]
    for line in c.metrics:
        out.append(f"| {_cell(line.metric)} | " + " | ".join(value_texts(line)) + " |")
    out += [
        "",
        "Best run per metric: " + "; ".join(f"{m.metric}: {_cell(m.best_run)}" for m in c.metrics),
        "",
    ]
    out += ["## Parameters\n", head, rule]
    out += [f"| {_cell(k)} | " + " | ".join(_cell(v) for v in vs) + " |" for k, vs in c.params]
    out += ["", "## Notes\n", r.notes.strip() or "None.", ""]
    return "\n".join(out)
