"""Twelve months of demo billing, written as FOCUS 1.0 CSV exports and imported for real.

The files go through the same importer as a user's upload (one export per billing month), so the
demo exercises parsing, rollups, vendor matching and budget thresholds. Deterministic: a fixed
seed and dates relative to ``today``. One visible spike: a GPU burst on Lambda nine days ago. One
name matches no vendor ("Modal Labs"), to show the Imports page's one-click mapping.
"""

from __future__ import annotations

import csv
import json
import random
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from db.engine import Database
from db.models import Team, Vendor
from services.access.access import Actor
from services.spend import billing_import
from services.spend.billing_import import SourceFile
from services.spend.spend import add_months

SEED = 5_2026
SPIKE_VENDOR = "Lambda"
SPIKE_DAYS_AGO = 9
SPIKE_FACTOR = 6
COLUMNS = [
    "BilledCost", "EffectiveCost", "ListCost", "BillingAccountId", "BillingCurrency",
    "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
    "ChargeCategory", "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceName",
    "SubAccountId", "RegionId", "ResourceId", "SkuId", "Tags",
]  # fmt: skip


@dataclass(frozen=True)
class Stream:
    """How one vendor bills: daily usage or a monthly invoice, split across teams."""

    vendor: str
    publisher: str  # the name on the bill, matched to the vendor through aliases
    service: str
    daily: Decimal  # typical cost per day (or per month for monthly invoices)
    teams: tuple[tuple[str, Decimal], ...]
    monthly: bool = False
    account: str = ""


STREAMS = [
    Stream("OpenAI", "OpenAI, L.L.C.", "GPT API", Decimal(620),
           (("Applied ML", Decimal("0.6")), ("Research", Decimal("0.4"))), account="0071234501"),
    Stream("Anthropic", "Anthropic PBC", "Claude API", Decimal(410),
           (("Applied ML", Decimal("0.5")), ("Research", Decimal("0.5"))), account="0089912007"),
    Stream("Databricks", "Databricks Inc.", "Databricks SQL and Jobs", Decimal(980),
           (("ML Platform", Decimal(1)),), account="004410020"),
    Stream("CoreWeave", "CoreWeave", "GPU instances", Decimal(1150),
           (("ML Platform", Decimal("0.7")), ("Research", Decimal("0.3"))), account="0200333"),
    Stream("Lambda", "Lambda Labs", "On-demand GPU cloud", Decimal(700),
           (("Research", Decimal(1)),), account="0555123"),
    Stream("Snowflake", "Snowflake Inc.", "Snowflake compute", Decimal(430),
           (("Operations", Decimal("0.3")), ("ML Platform", Decimal("0.7"))),
           account="0099887766"),
    Stream("Scale AI", "Scale AI, Inc.", "Data labeling", Decimal(6400),
           (("Applied ML", Decimal(1)),), monthly=True, account="0001239"),
    Stream("Weights & Biases", "wandb", "Experiment tracking seats", Decimal(4200),
           (("ML Platform", Decimal("0.5")), ("Research", Decimal("0.5"))), monthly=True,
           account="0042"),
    Stream("Labelbox", "Labelbox", "Labeling platform", Decimal(2500),
           (("Applied ML", Decimal(1)),), monthly=True, account="0007001"),
    Stream("Arize AI", "Arize", "Model monitoring", Decimal(1800),
           (("ML Platform", Decimal(1)),), monthly=True, account="0310"),
    Stream("Pinecone", "Pinecone", "Serverless vector index", Decimal(38),
           (("Applied ML", Decimal(1)),), account="0800111"),
    Stream("Hugging Face", "HuggingFace", "Inference endpoints", Decimal(95),
           (("Research", Decimal(1)),), account="0660066"),
    Stream("Modal Labs", "Modal Labs", "Serverless GPU", Decimal(60),
           (("Research", Decimal(1)),), account="0777"),
]  # fmt: skip


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _rows_for_month(
    rng: random.Random, first: date, last: date, today: date, vendors: set[str], teams: set[str]
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    period_end = add_months(first, 1)
    day = first
    while day <= last:
        age_months = (today.year - day.year) * 12 + today.month - day.month
        growth = Decimal(1) + Decimal(11 - min(age_months, 11)) * Decimal("0.03")
        for stream in STREAMS:
            if stream.vendor not in vendors and stream.vendor != "Modal Labs":
                continue
            if stream.monthly and day != first:
                continue
            base = stream.daily * growth * Decimal(str(round(rng.uniform(0.85, 1.15), 3)))
            if stream.vendor == SPIKE_VENDOR and day == today - timedelta(days=SPIKE_DAYS_AGO):
                base *= SPIKE_FACTOR
            for team, share in stream.teams:
                if team not in teams:
                    continue
                cost = _cents(base * share)
                rows.append(_row(stream, team, day, first, period_end, cost, "Usage"))
        if stream_credit_day(day, first):
            openai = STREAMS[0]
            if openai.vendor in vendors and "Applied ML" in teams:
                rows.append(
                    _row(openai, "Applied ML", day, first, period_end, Decimal("-250.00"), "Credit")
                )
        day += timedelta(days=1)
    return rows


def stream_credit_day(day: date, first: date) -> bool:
    """A promotional credit from OpenAI on the 15th of every third month."""
    return day.day == 15 and first.month % 3 == 0


def _row(
    stream: Stream,
    team: str,
    day: date,
    period: date,
    period_end: date,
    cost: Decimal,
    category: str,
) -> dict[str, str]:
    return {
        "BilledCost": str(cost),
        "EffectiveCost": str(cost),
        "ListCost": str(cost if cost < 0 else _cents(cost * Decimal("1.1"))),
        "BillingAccountId": stream.account,
        "BillingCurrency": "USD",
        "BillingPeriodStart": f"{period.isoformat()}T00:00:00Z",
        "BillingPeriodEnd": f"{period_end.isoformat()}T00:00:00Z",
        "ChargePeriodStart": f"{day.isoformat()}T00:00:00Z",
        "ChargePeriodEnd": f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z",
        "ChargeCategory": category,
        "ProviderName": stream.publisher,
        "PublisherName": stream.publisher,
        "InvoiceIssuerName": stream.publisher,
        "ServiceName": stream.service,
        "SubAccountId": f"{stream.account}-{team.lower().replace(' ', '-')}",
        "RegionId": "us-east-1",
        "ResourceId": "",
        "SkuId": "",
        "Tags": json.dumps({"team": team, "env": "prod"}),
    }


def write_exports(folder: Path, today: date, vendors: set[str], teams: set[str]) -> list[Path]:
    """One FOCUS CSV per billing month, the last one running up to ``today``."""
    rng = random.Random(SEED)
    paths: list[Path] = []
    first = add_months(today.replace(day=1), -11)
    for _ in range(12):
        last = min(add_months(first, 1) - timedelta(days=1), today)
        rows = _rows_for_month(rng, first, last, today, vendors, teams)
        path = folder / f"focus-export-{first:%Y-%m}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
        first = add_months(first, 1)
    return paths


def seed(db: Database, actor: Actor, today: date) -> int:
    """Import twelve months of demo billing through the real importer; returns rows imported."""
    with db.read() as session:
        vendors = {v.name for v in session.exec(select(Vendor)).all()}
        teams = {t.name for t in session.exec(select(Team)).all()}
    with tempfile.TemporaryDirectory(prefix="opsdesk-demo-billing-") as folder:
        paths = write_exports(Path(folder), today, vendors, teams)
        result = billing_import.import_files(db, actor, [SourceFile(p, p.name) for p in paths])
    return result.total("rows_imported")
