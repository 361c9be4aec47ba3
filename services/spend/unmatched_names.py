"""Billing names no vendor matches, and mapping one to a vendor in one click (Imports page)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from db.engine import Database
from db.models import CostRollup, Vendor, VendorAlias
from services.access import audit
from services.access.access import Actor, require
from services.core.money import exact_sum
from services.core.vendor_matching import (
    NameKey,
    match_vendor,
    name_keys,
    normalise_name,
    vendor_names,
    where_keys,
)


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
            for s, p, i, n in name_keys(session)
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
