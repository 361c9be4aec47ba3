"""Which vendor a billing row belongs to: one rule, read by every page that shows spend.

A billing row names up to three parties: the publisher (FOCUS PublisherName, the seller), the
provider and the invoice issuer. The row belongs to the vendor whose name or alias equals the
publisher, else the provider, else the invoice issuer, compared after ``normalise_name``
(whitespace runs collapsed, casefolded). The Spend, Budgets, Imports and vendor pages and the
meeting briefs all match through ``match_vendor`` here, so they cannot disagree.

Matching happens when data is read, never stored: a new alias changes every chart at once.
In ``core`` because both the vendor pages and the spend pages build on it; the Imports page's
unmatched names and one-click mapping are in ``services.spend.unmatched_names``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.models import CostRollup, Vendor, VendorAlias
from services.core.money import exact_sum

VendorNames = dict[str, tuple[int, str]]
NameKey = tuple[str, str, str]  # source (publisher) name, provider, invoice issuer


def normalise_name(name: str) -> str:
    """A vendor name, alias or billing name as compared: whitespace runs collapsed, casefolded."""
    return " ".join(name.split()).casefold()


def vendor_names(session: Session) -> VendorNames:
    """Normalised vendor names and aliases -> (vendor id, vendor name)."""
    vendors = {v.id: v.name for v in session.exec(select(Vendor)).all() if v.id is not None}
    found: VendorNames = {normalise_name(name): (vid, name) for vid, name in vendors.items()}
    for alias in session.exec(select(VendorAlias)).all():
        if alias.vendor_id in vendors:
            found[normalise_name(alias.alias)] = (alias.vendor_id, vendors[alias.vendor_id])
    return found


def match_vendor(
    names: VendorNames, source_name: str, provider: str, invoice_issuer: str = ""
) -> tuple[int, str] | None:
    """The vendor of a billing row: by publisher, else provider, else invoice issuer."""
    for name in (source_name, provider, invoice_issuer):
        found = names.get(normalise_name(name)) if name else None
        if found is not None:
            return found
    return None


def name_keys(session: Session) -> list[tuple[str, str, str, int]]:
    """Each distinct (source, provider, issuer) of the rollups with its line count."""
    source, provider, issuer = (
        col(CostRollup.source_name),
        col(CostRollup.provider),
        col(CostRollup.invoice_issuer),
    )
    query = sa_select(source, provider, issuer, func.sum(col(CostRollup.line_count)))
    return [
        (s, p, i, int(n or 0))
        for s, p, i, n in session.execute(query.group_by(source, provider, issuer))
    ]


def keys_of_vendor(session: Session, vendor_id: int) -> list[NameKey]:
    """The billing name triples that ``match_vendor`` gives to this vendor."""
    names = vendor_names(session)
    return [
        (s, p, i)
        for s, p, i, _n in name_keys(session)
        if (match_vendor(names, s, p, i) or (None,))[0] == vendor_id
    ]


def where_keys(keys: Iterable[NameKey]) -> object:
    """A WHERE clause selecting rollups whose billing names are one of ``keys``."""
    return tuple_(
        col(CostRollup.source_name), col(CostRollup.provider), col(CostRollup.invoice_issuer)
    ).in_(list(keys))


@dataclass(frozen=True)
class MonthSpend:
    month: date  # first day of the month
    currency: str
    amount: Decimal  # effective cost


def vendor_monthly_spend(session: Session, vendor_id: int) -> list[MonthSpend]:
    """Monthly effective cost per currency of the rollups matched to the vendor, exact."""
    keys = keys_of_vendor(session, vendor_id)
    if not keys:
        return []
    query = sa_select(
        col(CostRollup.day), col(CostRollup.currency), col(CostRollup.effective_cost)
    ).where(where_keys(keys))  # type: ignore[arg-type]
    amounts: dict[tuple[date, str], list[Decimal]] = defaultdict(list)
    for day, currency, cost in session.execute(query):
        amounts[(day.replace(day=1), currency)].append(cost)
    return [MonthSpend(m, c, exact_sum(a)) for (m, c), a in sorted(amounts.items())]
