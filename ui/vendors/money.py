"""Money cells for contract tables: hidden from roles that may not see values."""

from __future__ import annotations

from services.core.money import format_money
from services.vendors.contracts import ContractView


def money_cell(contract: ContractView) -> str:
    if contract.values_hidden:
        return "hidden"
    return "" if contract.value is None else format_money(contract.value, contract.currency)
