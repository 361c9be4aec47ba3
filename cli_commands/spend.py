"""`opsdesk import-billing` and `opsdesk report spend`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integrations.billing import FORMATS
from services.access.access import Actor
from services.core.export import render
from services.spend import billing_import, spend


def register(commands: argparse._SubParsersAction, reports: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cmd = commands.add_parser(
        "import-billing",
        help="import billing files (FOCUS, AWS CUR 2.0, Google Cloud, or mapped CSV)",
        description="Import billing files in one transaction: a file that cannot be imported "
        "writes nothing and exits non-zero with the file, row and column.",
    )
    cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    cmd.add_argument("--format", default="auto", choices=["auto", *FORMATS], dest="fmt")
    cmd.add_argument("--mapping", default=None, metavar="NAME", help="a saved column mapping")
    cmd.add_argument(
        "--lenient",
        action="store_true",
        help="accept 1,234.56, $12.00, (12.34), 1.2E-07 and US dates (M/D/YYYY, M/D/YY); skip rows "
        "still unreadable (an import of no row at all exits 2)",
    )
    cmd.set_defaults(handler=_import_billing)

    rep = reports.add_parser("spend", help="spend totals per group and currency")
    rep.add_argument(
        "--group-by",
        required=True,
        help=f"comma separated fields: {', '.join(spend.GROUP_FIELDS)}; or model[,month]",
    )
    rep.add_argument("--from", dest="from_month", metavar="YYYY-MM")
    rep.add_argument("--to", dest="to_month", metavar="YYYY-MM")
    rep.add_argument("--format", choices=["csv", "json"], default="csv", dest="out_format")
    rep.set_defaults(handler=_report_spend)


def _import_billing(args: argparse.Namespace) -> int:
    from cli import open_database

    result = billing_import.import_files(
        open_database(),
        Actor.cli(),
        args.paths,
        fmt=args.fmt,
        mapping_name=args.mapping,
        lenient=args.lenient,
    )
    for item in result.files:
        print(item.message)
        for problem in item.problems:
            print(f"  rejected {problem}")
    print(", ".join(f"{name}: {count}" for name, count in result.summary.items()))
    return 0


def _report_spend(args: argparse.Namespace) -> int:
    from cli import open_database

    fields = [f.strip() for f in args.group_by.split(",") if f.strip()]
    if "model" in fields:
        return _report_spend_by_model(args, fields)
    rows = spend.report(
        open_database(), Actor.cli(), fields, from_month=args.from_month, to_month=args.to_month
    )
    columns = [f for f in fields if f != "currency"] + ["currency", "billed_cost", "effective_cost"]
    sys.stdout.write(render(rows, columns, args.out_format))
    return 0


def _report_spend_by_model(args: argparse.Namespace, fields: list[str]) -> int:
    """Cost per model (the attribution rule is in services/governance/operations.py)."""
    from cli import open_database
    from services.governance import operations

    if set(fields) - {"model", "month", "currency"}:
        raise ValueError("--group-by model combines only with month and currency")
    by_month = "month" in fields
    rows = operations.spend_report(
        open_database(),
        Actor.cli(),
        start=spend.parse_month(args.from_month),
        end=spend.parse_month(args.to_month, end=True),
        by_month=by_month,
    )
    columns = [
        "model",
        *(["month"] if by_month else []),
        "currency",
        "effective_cost",
        "inferences",
        "cost_per_million_inferences",
    ]
    sys.stdout.write(render(rows, columns, args.out_format))
    return 0
