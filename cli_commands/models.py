"""`opsdesk sync mlflow`, `opsdesk export card`, `opsdesk report deployments`."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from cli_commands.governance import export_parser
from services.access.access import Actor
from services.core.export import render
from services.governance import deployments, sync
from services.governance.card_export import export_card
from settings import get_settings


def register(commands: argparse._SubParsersAction, reports: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync_cmd = commands.add_parser("sync", help="sync with an outside system once and exit")
    systems = sync_cmd.add_subparsers(dest="system", required=True)
    systems.add_parser(
        "mlflow", help="read models, versions, aliases and run metrics from MLflow"
    ).set_defaults(handler=_sync_mlflow)

    card = export_parser(commands).add_parser(
        "card", help="a published model card as Markdown with YAML metadata"
    )
    card.add_argument("model", metavar="MODEL")
    card.add_argument("--version", type=int, default=None, metavar="N", help="default: newest")
    card.set_defaults(handler=_export_card)

    rep = reports.add_parser("deployments", help="a model's deployment history")
    rep.add_argument("--model", required=True, metavar="NAME")
    rep.add_argument(
        "--as-of",
        dest="as_of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="only what was live on that day (workspace time zone)",
    )
    rep.add_argument("--format", choices=["csv", "json"], default="csv", dest="out_format")
    rep.set_defaults(handler=_report_deployments)


def _sync_mlflow(_args: argparse.Namespace) -> int:
    from cli import open_database
    from integrations.bootstrap import build_mlflow

    gateway = build_mlflow(get_settings())
    if gateway is None:
        print("opsdesk: set OPSDESK_MLFLOW_TRACKING_URI to sync with MLflow", file=sys.stderr)
        return 2
    db = open_database()
    result = sync.sync(db, gateway, Actor.cli(), db.clock.now())
    print(result)
    return 1 if result.error else 0


def _export_card(args: argparse.Namespace) -> int:
    from cli import open_database

    sys.stdout.write(export_card(open_database(), Actor.cli(), args.model, args.version))
    return 0


def _report_deployments(args: argparse.Namespace) -> int:
    from cli import open_database

    rows = deployments.report_rows(
        open_database(), Actor.cli(), args.model, as_of=args.as_of, tz=get_settings().tz
    )
    sys.stdout.write(render(rows, deployments.REPORT_COLUMNS, args.out_format))
    return 0
