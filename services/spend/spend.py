"""Spend figures for finance: always from the daily rollups, never from raw cost lines.

Every total is per ISO currency and never summed across currencies. Amounts are Decimals summed
in Python (SQLite keeps money as text). Billing names are matched to vendors by the one rule in
``vendor_matching`` when read, so a new alias changes every chart at once.

Documented rules (also shown on the Spend page):
- Forecast to period end: spend so far ÷ days elapsed × days in the period (a straight run rate).
- Anomaly: a day whose cost for one vendor and currency is more than ``ANOMALY_FACTOR`` × the
  median of that vendor's daily cost over the previous ``ANOMALY_WINDOW_DAYS`` calendar days
  (days without cost count as zero, the median must be above zero) and at least
  ``ANOMALY_FLOOR`` above that median.
- Commitment burn-down and unused seats: see ``commitments``.

Sums use ``services.core.money.EXACT``, so totals keep every digit at any size.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Hashable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import CostRollup, Vendor
from services.access.access import Actor, require
from services.core.money import EXACT, round_to, totals_by_currency
from services.core.vendor_matching import match_vendor, vendor_names

ANOMALY_FACTOR = Decimal(3)
ANOMALY_WINDOW_DAYS = 28
ANOMALY_FLOOR = Decimal(100)
GROUP_FIELDS = ("month", "vendor", "provider", "service", "team", "currency")
UNMATCHED = "(unmatched)"
ZERO = Decimal(0)


@dataclass(frozen=True)
class SpendFilter:
    start: date | None = None  # inclusive
    end: date | None = None  # exclusive
    vendor_ids: frozenset[int] | None = None
    teams: frozenset[str] | None = None
    currencies: frozenset[str] | None = None


@dataclass(frozen=True)
class SpendRow:
    day: date
    vendor_id: int | None
    vendor: str  # matched vendor name, or the billing name when unmatched
    matched: bool
    source_name: str
    provider: str
    service: str
    team: str
    currency: str
    billed_cost: Decimal
    effective_cost: Decimal

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"


def _read_rows(session: Session, flt: SpendFilter) -> list[SpendRow]:
    query = sa_select(
        col(CostRollup.day),
        col(CostRollup.source_name),
        col(CostRollup.provider),
        col(CostRollup.invoice_issuer),
        col(CostRollup.service_name),
        col(CostRollup.team),
        col(CostRollup.currency),
        col(CostRollup.billed_cost),
        col(CostRollup.effective_cost),
    )
    if flt.start is not None:
        query = query.where(col(CostRollup.day) >= flt.start)
    if flt.end is not None:
        query = query.where(col(CostRollup.day) < flt.end)
    if flt.currencies:
        query = query.where(col(CostRollup.currency).in_(sorted(flt.currencies)))
    if flt.teams:
        query = query.where(col(CostRollup.team).in_(sorted(flt.teams)))
    names = vendor_names(session)
    # Few distinct billing names, many rows: match each (source, provider, issuer) once.
    matches: dict[tuple[str, str, str], tuple[int, str] | None] = {}
    out: list[SpendRow] = []
    result = session.execute(query)
    for day, source, provider, issuer, service, team, currency, billed, effective in result:
        names_key = (source, provider, issuer)
        if names_key in matches:
            found = matches[names_key]
        else:
            found = matches[names_key] = match_vendor(names, source, provider, issuer)
        vendor_id = found[0] if found else None
        if flt.vendor_ids is not None and vendor_id not in flt.vendor_ids:
            continue
        out.append(
            SpendRow(
                day,
                vendor_id,
                found[1] if found else source,
                found is not None,
                source,
                provider,
                service,
                team,
                currency,
                billed,
                effective,
            )
        )
    return out


def spend_rows(db: Database, actor: Actor, flt: SpendFilter | None = None) -> list[SpendRow]:
    """Daily spend rows in the filter, each matched to its vendor."""
    require(db, actor, "spend.read", record_type="spend")
    with db.read() as session:
        return _read_rows(session, flt or SpendFilter())


def group_spend(rows: Iterable[SpendRow], fields: Sequence[str]) -> list[dict[str, Any]]:
    """Totals per group and currency: one dict per group with billed and effective cost."""
    unknown = [f for f in fields if f not in GROUP_FIELDS]
    if unknown:
        raise ValueError(f"unknown group-by field {unknown[0]!r}; use {', '.join(GROUP_FIELDS)}")
    keys = [f for f in fields if f != "currency"]
    totals: dict[tuple[str, ...], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    add = EXACT.add
    for row in rows:
        key = (*(_field(row, f) for f in keys), row.currency)
        pair = totals[key]
        pair[0] = add(pair[0], row.billed_cost)
        pair[1] = add(pair[1], row.effective_cost)
    out: list[dict[str, Any]] = []
    for key, (billed, effective) in sorted(totals.items()):
        item: dict[str, Any] = dict(zip(keys, key[:-1], strict=True))
        item["currency"] = key[-1]
        item["billed_cost"] = billed
        item["effective_cost"] = effective
        out.append(item)
    return out


def condense(rows: Iterable[SpendRow], *, by_month: bool, detail: bool = True) -> list[SpendRow]:
    """The same spend in fewer rows, for charts and totals (exact: Decimals summed per group).

    ``by_month``: one row per month (its ``day`` is the first of the month) instead of per day.
    ``detail``: keep team and service; without it one row per day or month, vendor and currency.
    Source, provider and issuer names are dropped (the matched ``vendor`` stays).
    """
    groups: dict[tuple[Any, ...], list[Decimal]] = {}
    for row in rows:
        day = row.day.replace(day=1) if by_month else row.day
        key = (
            day,
            row.vendor_id,
            row.vendor,
            row.matched,
            row.team if detail else "",
            row.service if detail else "",
            row.currency,
        )
        pair = groups.get(key)
        if pair is None:
            groups[key] = [row.billed_cost, row.effective_cost]
        else:
            pair[0] = EXACT.add(pair[0], row.billed_cost)
            pair[1] = EXACT.add(pair[1], row.effective_cost)
    return [
        SpendRow(
            day, vendor_id, vendor, matched, "", "", service, team, currency, billed, effective
        )
        for (day, vendor_id, vendor, matched, team, service, currency), (
            billed,
            effective,
        ) in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0]))
    ]


def _field(row: SpendRow, name: str) -> str:
    if name == "month":
        return row.month
    if name == "service":
        return row.service
    return str(getattr(row, name))


def totals(rows: Iterable[SpendRow]) -> dict[str, Decimal]:
    return totals_by_currency((row.currency, row.effective_cost) for row in rows)


def month_range(first: date, last: date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, as YYYY-MM."""
    out, cursor = [], first.replace(day=1)
    while cursor <= last:
        out.append(f"{cursor:%Y-%m}")
        cursor = add_months(cursor, 1)
    return out


def parse_month(text: str | None, *, end: bool = False) -> date | None:
    """``YYYY-MM`` -> first day of that month (``end``: first day of the next month)."""
    if not text:
        return None
    try:
        year, month = (int(p) for p in text.split("-", 1))
        first = date(year, month, 1)
    except ValueError:
        raise ValueError(f"{text!r} is not a month as YYYY-MM") from None
    return add_months(first, 1) if end else first


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def report(
    db: Database,
    actor: Actor,
    group_by: Sequence[str],
    *,
    from_month: str | None = None,
    to_month: str | None = None,
) -> list[dict[str, Any]]:
    """`opsdesk report spend`: totals per group and currency, exact decimals."""
    flt = SpendFilter(start=parse_month(from_month), end=parse_month(to_month, end=True))
    if not group_by:
        raise ValueError("give at least one --group-by field")
    return group_spend(spend_rows(db, actor, flt), group_by)


# --- anomalies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anomaly:
    day: date
    vendor: str
    currency: str
    cost: Decimal
    baseline: Decimal  # median of the previous window

    @property
    def factor(self) -> Decimal:
        return round_to(self.cost / self.baseline, Decimal("0.1")) if self.baseline else ZERO


def find_anomalies(rows: Iterable[SpendRow]) -> list[Anomaly]:
    """Days far above their vendor's recent level, by the rule in this module's docstring."""
    daily: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    for row in rows:
        by_day = daily[(row.vendor, row.currency)]
        by_day[row.day] = EXACT.add(by_day.get(row.day, ZERO), row.effective_cost)
    found: list[Anomaly] = []
    for (vendor, currency), by_day in daily.items():
        first = min(by_day)
        for day, cost in sorted(by_day.items()):
            if (day - first).days < ANOMALY_WINDOW_DAYS:
                continue
            window = [
                by_day.get(day - timedelta(days=n), ZERO) for n in range(1, ANOMALY_WINDOW_DAYS + 1)
            ]
            base = Decimal(median(window))
            if base > 0 and cost > base * ANOMALY_FACTOR and cost - base >= ANOMALY_FLOOR:
                found.append(Anomaly(day, vendor, currency, cost, base))
    return sorted(found, key=lambda a: (a.day, a.vendor))


def filter_options(
    db: Database, actor: Actor, memo: MutableMapping[Hashable, Any] | None = None
) -> dict[str, list[Any]]:
    """Values for the Spend page's filters: vendors (id, name), teams, currencies, months.

    Teams and currencies are read by scanning the billing rollups, so a caller that asks on
    every rerun passes ``memo``, fresh whenever billing data or vendors change
    (``billing_import.data_version``); the permission is checked first either way.
    """
    require(db, actor, "spend.read", record_type="spend")
    found = memo.get("filter_options") if memo is not None else None
    if found is not None:
        return dict(found)
    with db.read() as session:
        vendors = list(
            session.execute(sa_select(col(Vendor.id), col(Vendor.name)).order_by(col(Vendor.name)))
            .tuples()
            .all()
        )
        teams = sorted(set(session.exec(select(CostRollup.team).distinct()).all()))
        currencies = sorted(set(session.exec(select(CostRollup.currency).distinct()).all()))
        # Two statements: SQLite answers a lone min() or max() from the index, not both at once.
        first = session.exec(select(func.min(CostRollup.day))).one()
        last = session.exec(select(func.max(CostRollup.day))).one()
    found = {
        "vendors": vendors,
        "teams": teams,
        "currencies": currencies,
        "first_day": [first] if first else [],
        "last_day": [last] if last else [],
    }
    if memo is not None:
        memo["filter_options"] = found
    return dict(found)
