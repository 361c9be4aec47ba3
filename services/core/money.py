"""Money helpers: exact Decimal amounts kept apart by ISO 4217 currency."""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

# Sums of money in this context are exact at any size: the default context keeps 28 significant
# digits, so 10**20 + 10**-10 rounded and two large opposite amounts cancelled to zero. Inexact
# is trapped so a result that would round raises instead of losing digits. Only for adding and
# subtracting: a division in it would try to produce MAX_PREC digits.
EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow],
)


# Rounding to cents must work for any amount: the default context refuses (InvalidOperation) to
# quantize a value of more than 28 digits.
WIDE = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow],
)


def round_to(value: Decimal, quantum: Decimal) -> Decimal:
    """``value`` rounded (half even) to the exponent of ``quantum``, whatever its size."""
    return value.quantize(quantum, context=WIDE)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values`` (Decimal(0) when there are none), whatever their size."""
    add = EXACT.add
    total = Decimal(0)
    for value in values:
        total = add(total, value)
    return total


def exact_add(a: Decimal, b: Decimal) -> Decimal:
    return EXACT.add(a, b)


def totals_by_currency(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Sum amounts per currency; never across currencies."""
    out: dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    add = EXACT.add
    for currency, amount in pairs:
        out[currency] = add(out[currency], amount)
    return dict(sorted(out.items()))


def format_money(amount: Decimal, currency: str, places: int = 2) -> str:
    """A display string such as ``USD 1,234.50``; exact values stay in the data, not here."""
    quantum = Decimal(1).scaleb(-places)
    return f"{currency} {round_to(amount, quantum):,}"
