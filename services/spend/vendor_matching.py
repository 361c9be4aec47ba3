"""Which vendor a billing row belongs to: one rule, read by every page that shows spend.

A billing row names up to three parties: the publisher (FOCUS PublisherName, the seller), the
provider and the invoice issuer. The row belongs to the vendor whose name or alias equals the
publisher, else the provider, else the invoice issuer, compared after ``normalise_name``
(whitespace runs collapsed, casefolded). The Spend, Budgets, Imports and vendor pages and the
meeting briefs all match through ``match_vendor`` here, so they cannot disagree.

Matching happens when data is read, never stored: a new alias changes every chart at once.
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

from db.engine import Database
from db.models import CostRollup, Vendor, VendorAlias
from services.access import audit
from services.access.access import Actor, require
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


def _name_keys(session: Session) -> list[tuple[str, str, str, int]]:
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
        for s, p, i, _n in _name_keys(session)
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


@dataclass(frozen=True)
class UnmatchedName:
    name: str
    provider: str
    line_count: int
    totals: dict[str, Decimal]


def unmatched_names(db: Database, actor: Actor) -> list[UnmatchedName]:
    """Billing names (publisher, provider, invoice issuer) none of which matches a vendor."""
    require(db, actor, "spend.read", record_type="billing_import")
    with db.read() as session:
        names = vendor_names(session)
        # Match each distinct name triple once, then read amounts for the unmatched ones only:
        # reading every rollup's cost to find a handful of unmatched names was the Imports
        # page's cost over a large workspace.
        lines: dict[NameKey, int] = {
            (s, p, i): n
            for s, p, i, n in _name_keys(session)
            if match_vendor(names, s, p, i) is None
        }
        if not lines:
            return []
        query = sa_select(
            col(CostRollup.source_name),
            col(CostRollup.provider),
            col(CostRollup.currency),
            col(CostRollup.effective_cost),
        ).where(where_keys(lines))  # type: ignore[arg-type]
        amounts = session.execute(query).all()
    grouped: dict[tuple[str, str], int] = defaultdict(int)
    for (s, p, _i), count in lines.items():
        grouped[(s, p)] += count
    money: dict[tuple[str, str], dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for s, p, currency, amount in amounts:
        money[(s, p)][currency].append(amount)
    return [
        UnmatchedName(s, p, count, {c: exact_sum(a) for c, a in sorted(money[(s, p)].items())})
        for (s, p), count in sorted(grouped.items())
    ]


def map_name_to_vendor(db: Database, actor: Actor, name: str, vendor_id: int) -> VendorAlias:
    """One-click mapping: add ``name`` as an alias of the vendor; charts use it at once."""
    require(db, actor, "spend.import", record_type="vendor", record_id=vendor_id)
    alias_text = normalise_name(name)
    if not alias_text:
        raise ValueError("the name to map is blank")
    with db.write() as session:
        vendor = session.get(Vendor, vendor_id)
        if vendor is None:
            raise ValueError(f"no vendor #{vendor_id}")
        existing = session.exec(select(VendorAlias).where(VendorAlias.alias == alias_text)).first()
        if existing is not None:
            raise ValueError(f"{name!r} is already mapped to a vendor")
        alias = VendorAlias(vendor_id=vendor_id, alias=alias_text[:200])
        session.add(alias)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "vendor_alias",
            alias.id,
            after=audit.snapshot(alias),
            detail=f"mapped billing name to {vendor.name}",
        )
        return alias
