"""What the Spend page's filters and cost basis mean for each of its views.

The filters at the top (vendors, teams) apply to every tab: a budget shows when its vendor or
team is selected, a commitment or seat pool when its vendor is. Contracts and seat pools have
no team, so a team filter alone hides them (``applies`` says which filters a view takes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from services.spend.budgets import BudgetStatus
from services.spend.spend import SpendFilter, SpendRow

COST_BASES = ("billed", "effective")  # what the daily rollups keep


def cost_of(row: SpendRow, basis: str) -> Decimal:
    """The row's cost on ``basis``: billed (the invoice) or effective (amortised)."""
    return row.billed_cost if basis == "billed" else row.effective_cost


def totals(rows: Iterable[SpendRow], basis: str) -> dict[str, Decimal]:
    """Total cost per currency on ``basis`` (currencies never added together)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        out[row.currency] += cost_of(row, basis)
    return dict(sorted(out.items()))


def budgets_in(statuses: Sequence[BudgetStatus], flt: SpendFilter) -> list[BudgetStatus]:
    """The budgets the vendor and team filters select (all when neither is set)."""
    if flt.vendor_ids is None and flt.teams is None:
        return list(statuses)
    teams = {t.casefold() for t in flt.teams or ()}
    return [
        s
        for s in statuses
        if (s.budget.scope == "vendor" and s.budget.vendor_id in (flt.vendor_ids or ()))
        or (s.budget.scope == "team" and s.target.casefold() in teams)
    ]


class _ByVendor(Protocol):
    @property
    def vendor(self) -> str: ...


T = TypeVar("T", bound=_ByVendor)


def by_vendor_in(items: Sequence[T], flt: SpendFilter, vendor_names: dict[int, str]) -> list[T]:
    """Commitments or seat pools of the selected vendors; a team filter alone selects none
    (they belong to no team), and no filter selects all."""
    if flt.vendor_ids is None:
        return [] if flt.teams is not None else list(items)
    names = {vendor_names[v] for v in flt.vendor_ids if v in vendor_names}
    return [i for i in items if i.vendor in names]


def applies(flt: SpendFilter) -> str:
    """A caption for views that ignore the period: which of the filters they use."""
    parts = []
    if flt.vendor_ids is not None:
        parts.append("the selected vendors")
    if flt.teams is not None:
        parts.append("the selected teams")
    return ("Showing " + " and ".join(parts) + ".") if parts else "Showing every vendor."
