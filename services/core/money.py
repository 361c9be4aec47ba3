"""Money helpers: exact Decimal amounts kept apart by ISO 4217 currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal


def totals_by_currency(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Sum amounts per currency; never across currencies."""
    out: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    for currency, amount in pairs:
        out[currency] += amount
    return dict(sorted(out.items()))


def format_money(amount: Decimal, currency: str, places: int = 2) -> str:
    """A display string such as ``USD 1,234.50``; exact values stay in the data, not here."""
    quantum = Decimal(1).scaleb(-places)
    return f"{currency} {amount.quantize(quantum):,}"
