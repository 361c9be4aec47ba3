"""`opsdesk report actions`: action items as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from db.models import ACTION_STATUSES
from services.access.access import Actor
from services.coordination.actions import list_actions
from services.core import clock
from services.core.export import render

COLUMNS = (
    "id",
    "title",
    "owner",
    "owner_email",
    "team",
    "due_date",
    "status",
    "priority",
    "overdue",
    "meeting",
    "vendor",
    "carry_count",
)


def report_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    import cli

    db = cli.open_database()
    rows = list_actions(
        db,
        Actor.cli(),
        owner_email=args.owner,
        status=args.status,
        overdue=args.overdue,
        today=clock.today(db),
    )
    return [
        {
            "id": r.id,
            "title": r.title,
            "owner": r.owner,
            "owner_email": r.owner_email,
            "team": r.team,
            "due_date": r.due_date.isoformat() if r.due_date else None,
            "status": r.status,
            "priority": r.priority,
            "overdue": r.overdue,
            "meeting": r.meeting,
            "vendor": r.vendor,
            "carry_count": r.carry_count,
        }
        for r in rows
    ]


def _report_actions(args: argparse.Namespace) -> int:
    sys.stdout.write(render(report_rows(args), COLUMNS, args.format))
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    reports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    cmd = reports.add_parser("actions", help="action items, one row each")
    cmd.add_argument("--owner", metavar="EMAIL", help="only this owner's items")
    cmd.add_argument("--status", choices=ACTION_STATUSES)
    cmd.add_argument(
        "--overdue", action="store_true", help="only items not done or dropped and due before today"
    )
    cmd.add_argument("--format", choices=("csv", "json"), default="csv")
    cmd.set_defaults(handler=_report_actions)
