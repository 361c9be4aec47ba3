"""`opsdesk report obligations|incidents` and `opsdesk export annex-iv MODEL`.

Every computed legal date is guidance, not legal advice; each row says so in its ``guidance``
column, and the incidents report gives every deadline as ISO 8601 with the workspace offset.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from services.access.access import Actor
from services.core import clock
from services.core.export import render
from services.governance import GUIDANCE
from services.governance.annex_iv import annex_iv_pack
from services.governance.annex_iv_render import to_markdown, to_pdf
from services.governance.incident_views import list_incidents
from services.governance.obligations import STATE_LABELS, list_obligations
from settings import get_settings

OBLIGATION_COLUMNS = (
    "id",
    "model",
    "article",
    "title",
    "applies_from",
    "due_date",
    "owner",
    "owner_email",
    "status",
    "state",
    "evidence_count",
    "evidence_until",
    "retention_months",
    "guidance",
)
INCIDENT_COLUMNS = (
    "id",
    "title",
    "model",
    "models",
    "vendors",
    "category",
    "severity",
    "status",
    "aware_at",
    "causal_link_at",
    "provider_notice_due_at",
    "provider_notified_at",
    "report_due_at",
    "report_rule",
    "initial_report_due_at",
    "initial_report_at",
    "complete_report_at",
    "evidence_hold",
    "closed_at",
    "guidance",
)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(get_settings().tz).isoformat() if value else None


def obligation_rows() -> list[dict[str, Any]]:
    import cli

    db = cli.open_database()
    rows = list_obligations(db, Actor.cli(), today=clock.today(db))
    return [
        {
            "id": r.id,
            "model": r.model,
            "article": r.article,
            "title": r.title,
            "applies_from": r.applies_from.isoformat(),
            "due_date": r.due_date.isoformat(),
            "owner": r.owner,
            "owner_email": r.owner_email,
            "status": r.status,
            "state": STATE_LABELS[r.state],
            "evidence_count": r.evidence_count,
            "evidence_until": r.evidence_until.isoformat() if r.evidence_until else None,
            "retention_months": r.retention_months,
            "guidance": GUIDANCE,
        }
        for r in rows
    ]


def incident_rows() -> list[dict[str, Any]]:
    import cli

    out = []
    for v in list_incidents(cli.open_database(), Actor.cli(), tz=get_settings().tz):
        by_key = {d.key: d for d in v.deadlines}
        notice, initial = by_key.get("provider_notice"), by_key.get("initial_report")
        complete = by_key.get("complete_report")
        out.append(
            {
                "id": v.id,
                "title": v.title,
                "model": v.models[0] if v.models else None,
                "models": "; ".join(v.models),
                "vendors": "; ".join(v.vendors),
                "category": v.category,
                "severity": v.severity,
                "status": v.status,
                "aware_at": _iso(v.aware_at),
                "causal_link_at": _iso(v.causal_link_at),
                "provider_notice_due_at": _iso(notice.due_at) if notice else None,
                "provider_notified_at": _iso(notice.done_at) if notice else None,
                "report_due_at": _iso(v.report_due_at),
                "report_rule": initial.rule if initial else None,
                "initial_report_due_at": _iso(initial.due_at) if initial else None,
                "initial_report_at": _iso(initial.done_at) if initial else None,
                "complete_report_at": _iso(complete.done_at) if complete else None,
                "evidence_hold": v.held,
                "closed_at": _iso(v.closed_at),
                "guidance": GUIDANCE,
            }
        )
    return out


def _report_obligations(args: argparse.Namespace) -> int:
    sys.stdout.write(render(obligation_rows(), OBLIGATION_COLUMNS, args.format))
    return 0


def _report_incidents(args: argparse.Namespace) -> int:
    sys.stdout.write(render(incident_rows(), INCIDENT_COLUMNS, args.format))
    return 0


def _export_annex_iv(args: argparse.Namespace) -> int:
    import cli

    model: str | int = int(args.model) if args.model.isdigit() else args.model
    db = cli.open_database()
    pack = annex_iv_pack(db, Actor.cli(), model, now=clock.now(db), tz=get_settings().tz)
    data = to_pdf(pack) if args.format == "pdf" else to_markdown(pack).encode("utf-8")
    Path(args.output).write_bytes(data)
    print(f"wrote the Annex IV pack of {pack.system} ({len(pack.gaps())} gaps) to {args.output}")
    return 0


def export_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The `export` command's sub-commands, shared with other areas that export documents."""
    existing = commands._name_parser_map.get("export")
    parser = existing or commands.add_parser("export", help="export documents")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="export", required=True)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    reports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    for name, handler, what in (
        ("obligations", _report_obligations, "EU AI Act obligations per system, with states"),
        ("incidents", _report_incidents, "incidents with their Article 73 deadlines"),
    ):
        cmd = reports.add_parser(name, help=f"{what} (guidance, not legal advice)")
        cmd.add_argument("--format", choices=("csv", "json"), default="csv")
        cmd.set_defaults(handler=handler)
    annex = export_parser(commands).add_parser(
        "annex-iv", help="a system's Annex IV documentation pack (guidance, not legal advice)"
    )
    annex.add_argument("model", help="the model's name (or id)")
    annex.add_argument("--format", choices=("md", "pdf"), default="md")
    annex.add_argument("--output", required=True, type=Path, help="file to write")
    annex.set_defaults(handler=_export_annex_iv)
