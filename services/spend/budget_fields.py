"""Budget fields as people type them (forms and CSV files): validated, cleaned, or refused
with a message that names the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from db.models import BUDGET_COST_BASES, BUDGET_PERIODS, BUDGET_SCOPES
from integrations.billing.common import ISO_4217

DEFAULT_THRESHOLDS = "50,75,90,100"


def parse_thresholds(text: str) -> list[int]:
    values: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip().rstrip("%")
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 1000:
            raise ValueError(f"threshold {part!r} is not a whole percent between 1 and 1000")
        values.append(int(part))
    if not values:
        raise ValueError("give at least one threshold percent")
    return sorted(set(values))


def _cost_basis(values: dict[str, Any]) -> str:
    """Billed unless the budget says effective ("Effective cost" and "effective" alike)."""
    basis = str(values.get("cost_basis") or "billed").strip().casefold().removesuffix(" cost")
    if basis not in BUDGET_COST_BASES:
        raise ValueError("cost basis must be billed or effective")
    return basis


def _positive_amount(value: Any) -> Decimal:
    # People write 18,000 or 18 000: group separators go, the decimal point stays.
    text = str(value).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    try:
        if not text.isascii():  # Decimal() reads Arabic-Indic and full-width digits
            raise InvalidOperation
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"amount {value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive number")
    return amount


def clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Validated budget columns from user input; raises ValueError naming the problem."""
    scope = str(values.get("scope", "")).strip()
    if scope not in BUDGET_SCOPES:
        raise ValueError("scope must be team or vendor")
    period = str(values.get("period", "monthly")).strip() or "monthly"
    if period not in BUDGET_PERIODS:
        raise ValueError("period must be monthly or yearly")
    basis = _cost_basis(values)
    name = str(values.get("name", "")).strip()
    if not name:
        raise ValueError("give the budget a name")
    amount = _positive_amount(values.get("amount", ""))
    currency = str(values.get("currency", "USD")).strip().upper()
    if currency not in ISO_4217:
        raise ValueError(f"{currency!r} is not an ISO 4217 currency code")
    thresholds = ",".join(
        str(t) for t in parse_thresholds(str(values.get("thresholds") or DEFAULT_THRESHOLDS))
    )
    starts_on = values.get("starts_on")
    if isinstance(starts_on, str):
        try:
            starts_on = date.fromisoformat(starts_on.strip())
        except ValueError:
            raise ValueError(f"starts_on {starts_on!r} is not a date YYYY-MM-DD") from None
    if not isinstance(starts_on, date):
        raise ValueError("give the first day the budget applies to (starts_on)")
    team_id = values.get("team_id") if scope == "team" else None
    vendor_id = values.get("vendor_id") if scope == "vendor" else None
    if scope == "team" and not team_id:
        raise ValueError("a team budget needs a team")
    if scope == "vendor" and not vendor_id:
        raise ValueError("a vendor budget needs a vendor")
    return {
        "name": name[:200],
        "scope": scope,
        "period": period,
        "cost_basis": basis,
        "amount": amount,
        "currency": currency,
        "thresholds": thresholds,
        "starts_on": starts_on.replace(day=1),
        "team_id": team_id,
        "vendor_id": vendor_id,
    }
