"""Commitment burn-down and unused seats, for the Spend page (rules in ``spend``'s docstring).

- Commitment burn-down: spend matched to the contract's vendor, in the contract's currency, from
  the contract start; the projected exhaustion date extends the average daily spend of the last
  ``BURN_RATE_DAYS`` days. A commitment already used up shows the day its spend reached the
  amount instead.
- Unused seats: seats purchased minus seats active in the last 30 days, at the unit price,
  per month (quarterly prices ÷ 3, yearly ÷ 12).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Contract, CostRollup, SeatPool, Vendor
from services.access.access import Actor, can, require
from services.core.money import EXACT, exact_sum, round_to
from services.core.vendor_matching import match_vendor, vendor_names
from services.spend.period_totals import days_within
from services.spend.spend import add_months

BURN_RATE_DAYS = 30
ZERO = Decimal(0)


@dataclass
class BurnDown:
    contract_id: int
    contract: str
    vendor: str
    kind: str  # committed or prepaid
    currency: str
    amount: Decimal
    start: date
    spent: Decimal
    remaining: Decimal
    daily_rate: Decimal
    exhaustion: date | None
    points: list[tuple[date, Decimal]] = field(default_factory=list)  # remaining by month end


def burn_downs(db: Database, actor: Actor, *, today: date) -> list[BurnDown]:
    """Committed and prepaid amounts per contract against matched spend since its start."""
    require(db, actor, "spend.read", record_type="spend")
    if not can(actor, "contracts.values"):
        return []
    with db.read() as session:
        contracts = session.exec(
            select(Contract, Vendor.name)
            .join(Vendor, col(Vendor.id) == Contract.vendor_id)
            .where(col(Contract.cancelled).is_(False))
        ).all()
        wanted = [(c, v) for c, v in contracts if c.committed_amount or c.prepaid_amount]
        if not wanted:
            return []
        start = min(c.start_date for c, _ in wanted)
        daily = _vendor_daily(session, start, today + timedelta(days=1))
    # Each contract reads only its own vendor's daily totals instead of scanning every row.
    out: list[BurnDown] = []
    for contract, vendor_name in wanted:
        days = daily.get((contract.vendor_id, contract.currency), {})
        mine = [(d, cost) for d, cost in sorted(days.items()) if d >= contract.start_date]
        for kind, amount in (
            ("committed", contract.committed_amount),
            ("prepaid", contract.prepaid_amount),
        ):
            if not amount:
                continue
            out.append(_burn(contract, vendor_name, kind, amount, mine, today))
    return out


def matched_costs(
    session: Session, start: date, end: date, currencies: frozenset[str] | None = None
) -> list[tuple[date, int | None, str, str, Decimal]]:
    """Effective cost as (day, vendor id or None, team, currency, cost) for days in [start, end).

    Lean reads for budgets and burn-downs. Postgres sums NUMERIC exactly in SQL (one row per day,
    billing name, team and currency); SQLite keeps money as text, so there the rows come as they
    are (callers sum them as Decimals).
    """
    cost = col(CostRollup.effective_cost)
    keys = (
        col(CostRollup.day),
        col(CostRollup.source_name),
        col(CostRollup.provider),
        col(CostRollup.invoice_issuer),
        col(CostRollup.team),
        col(CostRollup.currency),
    )
    where = days_within(session, start, end)
    if currencies:
        where.append(col(CostRollup.currency).in_(sorted(currencies)))
    if session.get_bind().dialect.name == "postgresql":
        query = sa_select(*keys, func.sum(cost)).where(*where).group_by(*keys)
    else:
        query = sa_select(*keys, cost).where(*where)
    names = vendor_names(session)
    matches: dict[tuple[str, str, str], int | None] = {}
    out: list[tuple[date, int | None, str, str, Decimal]] = []
    for day, source, provider, issuer, team, currency, amount in session.execute(query):
        names_key = (source, provider, issuer)
        if names_key in matches:
            vendor_id = matches[names_key]
        else:
            found = match_vendor(names, source, provider, issuer)
            vendor_id = matches[names_key] = found[0] if found else None
        out.append((day, vendor_id, team, currency, amount))
    return out


def _vendor_daily(
    session: Session, start: date, end: date
) -> dict[tuple[int | None, str], dict[date, Decimal]]:
    """Matched effective cost per (vendor id, currency) and day in [start, end)."""
    daily: dict[tuple[int | None, str], dict[date, Decimal]] = defaultdict(dict)
    for day, vendor_id, _team, currency, amount in matched_costs(session, start, end):
        by_day = daily[(vendor_id, currency)]
        by_day[day] = EXACT.add(by_day.get(day, ZERO), amount)
    return daily


def _day_spend_reached(amount: Decimal, rows: list[tuple[date, Decimal]]) -> date | None:
    """The first day on which spend summed in day order reached ``amount``: when it ran out."""
    total = ZERO
    for day, cost in sorted(rows):
        total = EXACT.add(total, cost)
        if total >= amount:
            return day
    return None


def _burn(
    contract: Contract,
    vendor: str,
    kind: str,
    amount: Decimal,
    rows: list[tuple[date, Decimal]],
    today: date,
) -> BurnDown:
    """``rows``: the contract's matched spend as (day, cost) from its start date."""
    assert contract.id is not None
    spent = exact_sum(cost for _, cost in rows)
    recent_from = today - timedelta(days=BURN_RATE_DAYS)
    recent = exact_sum(cost for day, cost in rows if day > recent_from)
    rate = recent / BURN_RATE_DAYS
    remaining = EXACT.subtract(amount, spent)
    exhaustion: date | None
    if remaining <= 0:
        exhaustion = _day_spend_reached(amount, rows) or contract.start_date
    elif rate > 0:
        exhaustion = today + timedelta(days=int(remaining / rate))
    else:
        exhaustion = None
    by_month: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for day, cost in rows:
        month = day.replace(day=1)
        by_month[month] = EXACT.add(by_month[month], cost)
    points: list[tuple[date, Decimal]] = [(contract.start_date, amount)]
    left = amount
    for month in sorted(by_month):
        left = EXACT.subtract(left, by_month[month])
        points.append((min(add_months(month, 1) - timedelta(days=1), today), left))
    return BurnDown(
        contract.id,
        contract.title,
        vendor,
        kind,
        contract.currency,
        amount,
        contract.start_date,
        spent,
        remaining,
        round_to(rate, Decimal("0.01")),
        exhaustion,
        points,
    )


@dataclass(frozen=True)
class SeatWaste:
    vendor: str
    product: str
    seats_purchased: int
    seats_active: int
    unused: int
    currency: str
    monthly_cost: Decimal


_MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}


def unused_seats(db: Database, actor: Actor) -> list[SeatWaste]:
    """Monthly cost of seats paid for and not used in the last 30 days, per seat pool."""
    require(db, actor, "spend.read", record_type="spend")
    with db.read() as session:
        pools = session.exec(
            select(SeatPool, Vendor.name).join(Vendor, col(Vendor.id) == SeatPool.vendor_id)
        ).all()
    out: list[SeatWaste] = []
    for pool, vendor in pools:
        months = _MONTHS_PER_PERIOD.get(pool.billing_period)
        unused = max(pool.seats_purchased - pool.seats_active_30d, 0)
        if months is None or unused == 0:
            continue
        out.append(
            SeatWaste(
                vendor,
                pool.product,
                pool.seats_purchased,
                pool.seats_active_30d,
                unused,
                pool.currency,
                pool.unit_price * unused / months,
            )
        )
    return sorted(out, key=lambda s: (-s.monthly_cost, s.vendor))
