"""`opsdesk report renewals`: contracts with their term end and cancellation deadline."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from services.access.access import Actor
from services.core import clock
from services.core.export import render
from services.vendors.renewals import list_renewals

COLUMNS = (
    "contract_id",
    "vendor",
    "title",
    "renewal_type",
    "renewal_period_months",
    "notice_days",
    "current_term_end",
    "cancellation_deadline",
    "days_to_deadline",
    "band",
    "value",
    "currency",
    "owner_email",
    "decision",
)


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if days < 0:
        raise argparse.ArgumentTypeError("--within must be zero or more days")
    return days


def report_rows(args: argparse.Namespace) -> list[dict[str, Any]]:
    import cli

    db = cli.open_database()
    as_of = args.as_of or clock.today(db)
    rows = list_renewals(db, Actor.cli(), as_of=as_of, within_days=args.within)
    out = []
    for r in rows:
        c = r.contract
        out.append(
            {
                "contract_id": c.id,
                "vendor": c.vendor_name,
                "title": c.title,
                "renewal_type": c.renewal_type,
                "renewal_period_months": c.renewal_period_months,
                "notice_days": c.notice_days,
                "current_term_end": c.current_term_end.isoformat(),
                "cancellation_deadline": c.cancellation_deadline.isoformat(),
                "days_to_deadline": c.days_to_deadline,
                "band": r.band,
                "value": c.value,
                "currency": c.currency,
                "owner_email": c.owner_email,
                "decision": r.decision.decision if r.decision else None,
            }
        )
    return out


def _report_renewals(args: argparse.Namespace) -> int:
    sys.stdout.write(render(report_rows(args), COLUMNS, args.format))
    return 0


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    reports: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    cmd = reports.add_parser(
        "renewals", help="contracts by cancellation deadline, with term end and days left"
    )
    cmd.add_argument(
        "--within",
        type=_days,
        metavar="DAYS",
        help="only deadlines from the as-of date up to DAYS days ahead",
    )
    cmd.add_argument(
        "--as-of",
        type=_as_of,
        metavar="YYYY-MM-DD",
        help="compute terms for this date (default: today in the workspace time zone)",
    )
    cmd.add_argument("--format", choices=("csv", "json"), default="csv")
    cmd.set_defaults(handler=_report_renewals)
