"""Small builders for billing tests: FOCUS rows with valid defaults, written as real files."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import BillingImport, CostLine, CostRollup

FOCUS_COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "BillingAccountId", "BillingCurrency",
    "BillingPeriodStart", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
    "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceName", "SubAccountId", "Tags",
]  # fmt: skip


def focus_row(**overrides: Any) -> dict[str, str]:
    row = {
        "BilledCost": "10.00",
        "EffectiveCost": "10.00",
        "ListCost": "12.00",
        "BillingAccountId": "012345678910",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2026-09-01T00:00:00Z",
        "ChargePeriodStart": "2026-09-05T00:00:00Z",
        "ChargePeriodEnd": "2026-09-06T00:00:00Z",
        "ChargeCategory": "Usage",
        "ProviderName": "OpenAI",
        "PublisherName": "OpenAI",
        "InvoiceIssuerName": "OpenAI",
        "ServiceName": "GPT API",
        "SubAccountId": "proj-1",
        "Tags": '{"team": "Research"}',
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def focus_text(
    rows: list[dict[str, str]], columns: list[str] | None = None, delimiter: str = ","
) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=columns or FOCUS_COLUMNS,
        delimiter=delimiter,
        lineterminator="\r\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_focus(path: Path, rows: list[dict[str, str]], **kwargs: Any) -> Path:
    path.write_text(focus_text(rows, **kwargs), encoding="utf-8", newline="")
    return path


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            "imports": s.execute(select(func.count()).select_from(BillingImport)).scalar_one(),
            "lines": s.execute(select(func.count()).select_from(CostLine)).scalar_one(),
            "rollups": s.execute(select(func.count()).select_from(CostRollup)).scalar_one(),
        }


def make_vendor(db: Database, name: str, *aliases: str) -> int:
    from db.models import Vendor, VendorAlias

    with db.write() as s:
        vendor = Vendor(name=name)
        s.add(vendor)
        s.flush()
        assert vendor.id is not None
        for alias in aliases:
            s.add(VendorAlias(vendor_id=vendor.id, alias=alias.casefold()))
        return vendor.id


def make_team(db: Database, name: str) -> int:
    from db.models import Team

    with db.write() as s:
        team = Team(name=name)
        s.add(team)
        s.flush()
        assert team.id is not None
        return team.id
