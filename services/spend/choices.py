"""Labels for the spend area's stored values, and the cost bases spend can be shown in."""

from __future__ import annotations

from services.core.choices import Choices

# FOCUS cost columns: BilledCost is what the invoice says; EffectiveCost spreads commitments
# and discounts over usage; ListCost is the public price before any discount.
COST_BASIS = Choices(
    "cost basis",
    {"billed": "Billed cost", "effective": "Effective cost", "list": "List cost"},
)
COST_BASIS_HELP = {
    "billed": "What the invoices charge (FOCUS BilledCost). Budgets compare this by default.",
    "effective": "Spend with commitments and discounts spread over the usage they cover "
    "(FOCUS EffectiveCost).",
    "list": "Public prices before any discount (FOCUS ListCost).",
}
BUDGET_SCOPE = Choices("scope", {"team": "Team", "vendor": "Vendor"})
BUDGET_PERIOD = Choices("period", {"monthly": "Monthly", "yearly": "Yearly"})
IMPORT_STATUS = Choices(
    "import status", {"active": "Active", "replaced": "Replaced", "undone": "Undone"}
)
