"""Cost totals over a period per matched vendor, team and currency: what budgets compare.

Summed in SQL, one row per billing name, team and currency; an import's own rollups can be
summed from memory instead (``FreshRollups``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Iterable, MutableMapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Date, String, func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from db.models import CostRollup
from services.core.memo import remembered
from services.core.money import EXACT, exact_sum
from services.core.vendor_matching import match_vendor, vendor_names

Total = tuple[int | None, str, str, Decimal]  # vendor id, team, currency, effective cost
NamedTotal = tuple[str, str, str, str, str, Decimal]  # source, provider, issuer, team, currency


# Over a window this long a workspace's rollups are mostly inside it, and SQLite reads them
# faster through the table than row by row through the day index (0.18 against 0.4 to 0.7 s for
# a year of 100,000 rollups); it has no statistics that would tell it so (not even ANALYZE's).
SCAN_DAYS = 92


def days_within(session: Session, start: date, end: date) -> list[ColumnElement[bool]]:
    """Conditions for rollups of the days in [start, end)."""
    day: Any = col(CostRollup.day)
    if session.get_bind().dialect.name == "sqlite" and (end - start).days > SCAN_DAYS:
        day = literal_column("+costrollup.day", Date)  # unary plus: the index is not used
    return [day >= start, day < end]


class FreshRollups(Protocol):
    """Rollups an import just wrote in this transaction, still held in memory."""

    @property
    def import_ids(self) -> Sequence[int]: ...

    def days(self) -> tuple[date, date]:
        """The first and last day of these rollups."""
        ...

    def totals(
        self, start: date, end: date, currencies: frozenset[str] | None, basis: str
    ) -> Iterable[NamedTotal]:
        """Cost per source, provider, issuer, team and currency over the days in [start,
        end), each exact and at the largest scale among its amounts (as a Decimal sum)."""
        ...


def period_totals(
    session: Session,
    start: date,
    end: date,
    currencies: frozenset[str] | None = None,
    basis: str = "effective",
    fresh: FreshRollups | None = None,
) -> list[Total]:
    """Cost (``basis``: billed or effective) per matched vendor, team and currency over the
    days in [start, end).

    Budgets need totals, not days: summed in SQL, one row per billing name, team and currency.
    Postgres sums NUMERIC exactly; SQLite keeps money as decimal text, so there each group's
    amounts come back joined and are summed here as Decimals (no float ever touches them).
    ``fresh``: the rollups of those imports are summed from memory, not read back (after a
    large import they are most of the table, and grouping them again in SQL cost a twentieth
    of the import).
    """
    keys = (
        col(CostRollup.source_name),
        col(CostRollup.provider),
        col(CostRollup.invoice_issuer),
        col(CostRollup.team),
        col(CostRollup.currency),
    )
    cost = col(CostRollup.billed_cost if basis == "billed" else CostRollup.effective_cost)
    where = days_within(session, start, end)
    if currencies:
        where.append(col(CostRollup.currency).in_(sorted(currencies)))
    if fresh is not None:
        where.append(col(CostRollup.import_id).not_in(fresh.import_ids))
    postgres = session.get_bind().dialect.name == "postgresql"
    amount = func.sum(cost) if postgres else func.group_concat(cost, ",", type_=String)
    read: Iterable[NamedTotal] = (
        (source, provider, issuer, team, currency, value if postgres else _joined_sum(value))
        for source, provider, issuer, team, currency, value in session.execute(
            sa_select(*keys, amount).where(*where).group_by(*keys)
        )
    )
    if fresh is not None:
        read = itertools.chain(read, fresh.totals(start, end, currencies, basis))
    names = vendor_names(session)
    totals: dict[tuple[int | None, str, str], Decimal] = defaultdict(Decimal)
    for source, provider, issuer, team, currency, total in read:
        found = match_vendor(names, source, provider, issuer)
        key = (found[0] if found else None, team, currency)
        totals[key] = EXACT.add(totals[key], total)
    return [
        (vendor_id, team, currency, total) for (vendor_id, team, currency), total in totals.items()
    ]


def _joined_sum(value: str) -> Decimal:
    return exact_sum(map(Decimal, value.split(",")))


TotalsMemo = MutableMapping[Hashable, list[Total]]


def memoised_period_totals(
    session: Session,
    start: date,
    end: date,
    currencies: frozenset[str],
    basis: str,
    memo: TotalsMemo | None,
    fresh: FreshRollups | None = None,
) -> list[Total]:
    """``period_totals``, kept in ``memo`` when one is given: the caller must give a fresh memo
    whenever billing data or vendor matching changes (``billing_import.data_version``)."""
    if fresh is not None:  # an import's own transaction: nothing to remember across it
        return period_totals(session, start, end, currencies, basis, fresh)
    return remembered(
        memo,
        ("period_totals", start, end, currencies, basis),
        lambda: period_totals(session, start, end, currencies, basis),
    )
