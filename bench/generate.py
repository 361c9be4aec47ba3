"""Data generators for the benchmarks: FOCUS 1.0 CSV files and scaled-up workspaces.

Nothing generated is committed: files go to a scratch folder (``BENCH_WORK``, default
``/tmp/opsdesk-bench``) and are rebuilt from a fixed seed, so every run sees the same data.

- ``write_focus_csv`` streams a FOCUS 1.0 cost export with the same 44 columns, in the same order,
  as the FinOps Foundation sample (``/work/shared/fixtures/focus/focus_1.0_sample.csv``): ML
  vendors as ProviderName / PublisherName, their services, one charge per resource per day over
  twelve months, Tags JSON with a ``team``, exact decimal amounts (integer micro-units written as
  text, never a float). Memory is constant in the number of rows.
- ``build_workspace`` loads the demo workspace (``services.demo.load``) and then tops it up to the
  requested number of cost lines (through the real importer, from a generated CSV), action items
  and contracts (copies of the demo's own rows, bulk inserted with core ``executemany``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

FOCUS_COLUMNS = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus",
    "CommitmentDiscountType", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory",
    "Id", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
]  # fmt: skip
NULL = "NULL"
MICRO = 1_000_000
BATCH = 5_000

# (provider, publisher, invoice issuer, weight, [(service, category, unit, micro-USD per unit)])
VENDORS: list[tuple[str, str, str, int, list[tuple[str, str, str, int]]]] = [
    ("OpenAI", "OpenAI", "OpenAI, L.L.C.", 8, [
        ("GPT-4o API", "AI and Machine Learning", "1M tokens", 2_500_000),
        ("Embeddings API", "AI and Machine Learning", "1M tokens", 20_000),
        ("Batch API", "AI and Machine Learning", "1M tokens", 1_250_000),
    ]),
    ("Anthropic", "Anthropic", "Anthropic PBC", 6, [
        ("Claude API", "AI and Machine Learning", "1M tokens", 3_000_000),
        ("Message Batches", "AI and Machine Learning", "1M tokens", 1_500_000),
    ]),
    ("AWS", "Amazon Web Services, Inc.", "Amazon Web Services, Inc.", 14, [
        ("Amazon SageMaker", "AI and Machine Learning", "Hrs", 4_096_000),
        ("Amazon Elastic Compute Cloud", "Compute", "Hrs", 32_770_000),
        ("Amazon Simple Storage Service", "Storage", "GB-Mo", 23_000),
        ("Amazon Bedrock", "AI and Machine Learning", "1K tokens", 3_000),
    ]),
    ("Microsoft", "Microsoft", "Microsoft", 5, [
        ("Azure OpenAI Service", "AI and Machine Learning", "1K tokens", 5_000),
        ("Virtual Machines", "Compute", "Hours", 27_200_000),
    ]),
    ("Google Cloud", "Google", "Google LLC", 5, [
        ("Vertex AI", "AI and Machine Learning", "Node hours", 2_300_000),
        ("Compute Engine", "Compute", "Hours", 2_480_000),
    ]),
    ("Databricks", "Databricks", "Databricks Inc.", 8, [
        ("Jobs Compute", "Compute", "DBU", 150_000),
        ("Model Serving", "AI and Machine Learning", "DBU", 70_000),
        ("SQL Warehouse", "Databases", "DBU", 700_000),
    ]),
    ("CoreWeave", "CoreWeave", "CoreWeave", 6, [
        ("GPU Compute H100", "Compute", "GPU-Hours", 4_250_000),
        ("Object Storage", "Storage", "GB-Mo", 30_000),
    ]),
    ("Lambda", "Lambda", "Lambda Labs", 4, [
        ("On-Demand GPU Cloud", "Compute", "GPU-Hours", 2_490_000),
    ]),
    ("Snowflake", "Snowflake", "Snowflake Inc.", 5, [
        ("Warehouse Compute", "Databases", "Credits", 3_000_000),
        ("Storage", "Storage", "TB-Mo", 23_000_000),
    ]),
    ("Weights & Biases", "Weights & Biases", "Weights & Biases, Inc.", 2, [
        ("Models Seats", "Developer Tools", "Seat-Days", 1_650_000),
        ("Weave Tracing", "AI and Machine Learning", "GB", 100_000),
    ]),
    ("Scale AI", "Scale AI", "Scale AI, Inc.", 2, [
        ("Data Engine Labeling", "AI and Machine Learning", "Tasks", 80_000),
    ]),
    ("Pinecone", "Pinecone", "Pinecone Systems, Inc.", 2, [
        ("Serverless Read Units", "Databases", "1M RU", 16_000_000),
        ("Serverless Storage", "Storage", "GB-Mo", 330_000),
    ]),
    ("Hugging Face", "Hugging Face", "Hugging Face, Inc.", 2, [
        ("Inference Endpoints", "AI and Machine Learning", "Hours", 4_500_000),
    ]),
]  # fmt: skip
TEAMS = [
    "ML Platform", "Research", "Applied ML", "Operations", "Data", "Search", "Recommendations",
    "Ads Ranking",
]  # fmt: skip
ENVIRONMENTS = ["prod", "staging", "dev"]
REGIONS = [
    ("us-east-1", "US East (N. Virginia)"), ("us-west-2", "US West (Oregon)"),
    ("eu-west-1", "Europe (Ireland)"), ("eu-central-1", "Europe (Frankfurt)"),
]  # fmt: skip
RESOURCES_PER_SERVICE = 40


@dataclass(frozen=True)
class _Combo:
    """The columns of one (vendor, service, resource, team) that do not change from day to day."""

    account: str
    account_name: str
    description: str
    provider: str
    publisher: str
    issuer: str
    unit: str
    unit_price: int
    region: tuple[str, str]
    resource_id: str
    resource_name: str
    resource_type: str
    category: str
    service: str
    sku: str
    sub_account: tuple[str, str]
    tags: str


def _slug(text: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-")


def _micro(units: int) -> str:
    """Integer micro-units as an exact decimal string (6 places), negative allowed."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), MICRO)
    return f"{sign}{whole}.{frac:06d}"


def _combos(rng: random.Random) -> tuple[list[_Combo], list[int]]:
    combos: list[_Combo] = []
    weights: list[int] = []
    for v_index, (provider, publisher, issuer, weight, services) in enumerate(VENDORS):
        account = f"77{v_index:02d}{rng.randrange(10**7, 10**8)}"  # digit strings, kept as text
        account_name = f"{provider} ML account"
        for service, category, unit, price in services:
            sku = f"SKU-{_slug(service).upper()[:12]}-{rng.randrange(1000, 9999)}"
            for r in range(RESOURCES_PER_SERVICE):
                team = TEAMS[(r * 7 + v_index) % len(TEAMS)]
                env = ENVIRONMENTS[r % len(ENVIRONMENTS)]
                region = REGIONS[(r + v_index) % len(REGIONS)]
                name = f"{_slug(team)}-{_slug(service)}-{r:02d}"
                sub = (f"{account}{r % 4}", f"{team} {env}")
                tags = json.dumps(
                    {"team": team, "environment": env, "project": f"proj-{(r * 13) % 17:02d}"},
                    separators=(", ", ": "),
                )
                combos.append(
                    _Combo(
                        account=account,
                        account_name=account_name,
                        description=f"{service} usage, {unit}",
                        provider=provider,
                        publisher=publisher,
                        issuer=issuer,
                        unit=unit,
                        unit_price=price,
                        region=region,
                        resource_id=f"{_slug(provider)}:{region[0]}:{account}:{name}",
                        resource_name=name,
                        resource_type=category,
                        category=category,
                        service=service,
                        sku=sku,
                        sub_account=sub,
                        tags=tags,
                    )
                )
                weights.append(weight)
    return combos, weights


def twelve_months_before(today: date) -> date:
    """The first day of the month twelve months before ``today``'s month."""
    month = today.month - 12
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def focus_rows(
    rows: int, *, seed: int = 20261122, start: date | None = None, accounts: int = 1
) -> Iterator[list[str]]:
    """``rows`` FOCUS 1.0 rows (lists of cells), charge days spread evenly over twelve months.

    ``accounts``: billing accounts per provider (a reseller's export); rows take them in turn,
    so each account and month is its own slice.
    """
    rng = random.Random(seed)
    first = start or twelve_months_before(date.today())
    last = date(first.year + 1, first.month, 1)
    days = (last - first).days
    combos, weights = _combos(rng)
    cumulative: list[int] = []
    total = 0
    for w in weights:
        total += w
        cumulative.append(total)
    day_cells: dict[int, tuple[str, str, str, str]] = {}
    for d in range(days):
        day = first + timedelta(days=d)
        month = date(day.year, day.month, 1)
        day_cells[d] = (
            f"{day:%Y-%m-%d} 00:00:00",
            f"{day + timedelta(days=1):%Y-%m-%d} 00:00:00",
            f"{month:%Y-%m-%d} 00:00:00",
            f"{_month_after(month):%Y-%m-%d} 00:00:00",
        )
    choose = rng.choices
    randrange = rng.randrange
    rand = rng.random
    population = range(len(combos))
    for i in range(rows):
        d = i * days // rows
        start_cell, end_cell, period_start, period_end = day_cells[d]
        combo = combos[choose(population, cum_weights=cumulative)[0]]
        # Quantity in micro-units; cost = quantity x unit price, exact in integer micro-USD.
        quantity = randrange(1, 50 * MICRO)
        billed = quantity * combo.unit_price // MICRO
        category, frequency, description = "Usage", "Usage-Based", combo.description
        roll = rand()
        if roll < 0.004:
            category, description = "Credit", f"{combo.service} promotional credit"
            billed = -billed
            frequency = "One-Time"
        elif roll < 0.006:
            category, description, frequency = "Tax", "Sales tax", "One-Time"
        effective = billed
        commit = [NULL, NULL, NULL, NULL, NULL]
        if roll > 0.85 and category == "Usage":
            effective = billed - billed // 5  # a 20 % commitment discount, exact
            commit = [
                "Spend",
                f"{combo.account}-commit-2026",
                f"{combo.provider} committed spend",
                "Used",
                "Committed Use",
            ]
        listed = billed + billed // 10
        account = combo.account if accounts == 1 else f"{combo.account}-{i % accounts:05d}"
        cells = [
            NULL,
            _micro(billed),
            account,
            combo.account_name,
            "USD",
            period_end,
            period_start,
            category,
            NULL,
            description,
            frequency,
            end_cell,
            start_cell,
            *commit,
            _micro(quantity),
            combo.unit,
            _micro(effective),
            _micro(combo.unit_price),
            _micro(effective),
            combo.issuer,
            _micro(listed),
            _micro(combo.unit_price + combo.unit_price // 10),
            "Committed" if commit[0] != NULL else "Standard",
            _micro(quantity),
            combo.unit,
            combo.provider,
            combo.publisher,
            combo.region[0],
            combo.region[1],
            combo.resource_id,
            combo.resource_name,
            combo.resource_type,
            combo.category,
            str(i + 1),
            combo.service,
            combo.sku,
            f"{combo.sku}.{combo.region[0]}",
            combo.sub_account[0],
            combo.sub_account[1],
            combo.tags,
        ]
        yield cells


def write_focus_csv(
    path: Path, rows: int, *, seed: int = 20261122, start: date | None = None, accounts: int = 1
) -> Path:
    """Write a FOCUS 1.0 CSV of ``rows`` rows to ``path``, streaming (constant memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FOCUS_COLUMNS)
        chunk: list[list[str]] = []
        for cells in focus_rows(rows, seed=seed, start=start, accounts=accounts):
            chunk.append(cells)
            if len(chunk) >= BATCH:
                writer.writerows(chunk)
                chunk = []
        writer.writerows(chunk)
    return path


def focus_file(folder: Path, rows: int, *, seed: int = 20261122, accounts: int = 1) -> Path:
    """A cached generated file for ``rows`` rows (rebuilt when missing)."""
    many = f"-{accounts}accounts" if accounts != 1 else ""
    path = folder / f"focus-{rows}-{seed}{many}-{twelve_months_before(date.today()):%Y%m}.csv"
    if not path.is_file():
        tmp = path.with_suffix(f".{os.getpid()}.part")
        write_focus_csv(tmp, rows, seed=seed, accounts=accounts)
        tmp.rename(path)
    return path


# --- scaled workspaces -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Sizes of a workspace: the demo (x1) is topped up to these totals."""

    name: str
    cost_lines: int
    action_items: int
    contracts: int


# The x100: 1,000,000 cost lines, 50,000 action items, 2,000 contracts.
SCALES = {
    "x10": Scale("x10", 100_000, 5_000, 200),
    "x100": Scale("x100", 1_000_000, 50_000, 2_000),
    "reminders": Scale("reminders", 0, 100_000, 10_000),
}


def scaled(scale: Scale, factor: float) -> Scale:
    """A smaller (or larger) version of ``scale`` for development runs."""
    return Scale(
        scale.name,
        int(scale.cost_lines * factor),
        int(scale.action_items * factor),
        int(scale.contracts * factor),
    )


def _copies(
    templates: list[dict[str, Any]], count: int, rng: random.Random, mutate: Any
) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for n in range(count):
        row = dict(templates[n % len(templates)])
        mutate(row, n, rng)
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def load_demo(url: str, *, today: date | None = None) -> None:
    """Migrate ``url`` and load the demo workspace into it (``services.demo.load``)."""
    from db.engine import Database
    from db.migrate import upgrade
    from services.access.access import Actor
    from services.demo import demo

    upgrade(url)
    db = Database.from_url(url)
    try:
        demo.load(db, Actor.cli(), reset=True, today=today)
    finally:
        db.dispose()


def counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from db.engine import Database
    from db.models import ActionItem, Contract, CostLine

    db = Database.from_url(url)
    try:
        with db.read() as session:
            return {
                name: int(session.execute(select(func.count()).select_from(model)).scalar_one())
                for name, model in (
                    ("cost lines", CostLine),
                    ("action items", ActionItem),
                    ("contracts", Contract),
                )
            }
    finally:
        db.dispose()


def top_up(
    url: str, scale: Scale, folder: Path, *, today: date | None = None, seed: int = 7
) -> dict[str, int]:
    """Bring a demo workspace up to ``scale``: cost lines through the real importer (from a
    generated FOCUS file), action items and contracts as copies of the demo's rows with spread
    dates, bulk inserted with core ``executemany``. Returns the final counts."""
    from sqlalchemy import insert, select

    from db.engine import Database
    from db.models import ActionItem, Contract
    from services.access.access import Actor
    from services.spend import billing_import

    day = today or date.today()
    rng = random.Random(seed)
    have = counts(url)
    db = Database.from_url(url)
    try:
        with db.read() as session:
            actions = [
                a.model_dump(exclude={"id"}) for a in session.execute(select(ActionItem)).scalars()
            ]
            contracts = [
                c.model_dump(exclude={"id"}) for c in session.execute(select(Contract)).scalars()
            ]
        extra_lines = scale.cost_lines - have["cost lines"]
        if extra_lines > 0:
            path = focus_file(folder, extra_lines, seed=seed)
            billing_import.import_files(db, Actor.cli(), [path])

        statuses = ["done"] * 11 + ["open"] * 5 + ["in_progress", "waiting", "blocked", "dropped"]

        def action(row: dict[str, Any], n: int, r: random.Random) -> None:
            row["title"] = f"{row['title'][:270]} (copy {n + 1})"
            row["due_date"] = day + timedelta(days=r.randint(-150, 60))
            row["status"] = r.choice(statuses)
            row["carried_from_meeting_id"] = None
            row["agenda_item_id"] = None
            row["completed_at"] = None
            row["snoozed_until"] = None

        def contract(row: dict[str, Any], n: int, r: random.Random) -> None:
            row["title"] = f"{row['title'][:180]} #{n + 1}"
            row["start_date"] = day - timedelta(days=r.randint(0, 3 * 365))
            row["previous_contract_id"] = None

        table: Any
        with db.write() as session:
            conn = session.connection()
            table = ActionItem.__table__  # type: ignore[attr-defined]
            for batch in _copies(actions, scale.action_items - have["action items"], rng, action):
                conn.execute(insert(table), batch)
            table = Contract.__table__  # type: ignore[attr-defined]
            for batch in _copies(contracts, scale.contracts - have["contracts"], rng, contract):
                conn.execute(insert(table), batch)
    finally:
        db.dispose()
    return counts(url)


def build_workspace(
    url: str, scale: Scale, folder: Path, *, today: date | None = None, seed: int = 7
) -> dict[str, int]:
    """The demo workspace at ``url``, topped up to ``scale``; returns the final counts."""
    load_demo(url, today=today)
    return top_up(url, scale, folder, today=today, seed=seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write a generated FOCUS 1.0 CSV")
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    write_focus_csv(args.path, args.rows, seed=args.seed)
    print(f"wrote {args.rows} rows to {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
