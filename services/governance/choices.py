"""Every stored value of the governance area with the label a person reads."""

from __future__ import annotations

from db.models import AI_ACT_ROLES, MODEL_SOURCES, MODEL_STATUSES, RISK_CLASSES

STATUS_LABELS = {
    "development": "Development",
    "staging": "Staging",
    "production": "Production",
    "retired": "Retired",
}
SOURCE_LABELS = {
    "in_house": "Built in house",
    "vendor_model": "Vendor's model",
    "vendor_api": "Vendor's API",
}
RISK_LABELS = {
    "unassessed": "Not assessed",
    "prohibited": "Prohibited",
    "high": "High risk",
    "limited": "Limited risk",
    "minimal": "Minimal risk",
}
ROLE_LABELS = {
    "provider": "Provider",
    "deployer": "Deployer",
    "importer": "Importer",
    "distributor": "Distributor",
}
CARD_STATE_LABELS = {
    "current": "Current",
    "stale": "Stale",
    "missing": "No published card",
    "not_needed": "Not in production",
}

assert set(STATUS_LABELS) == set(MODEL_STATUSES)
assert set(SOURCE_LABELS) == set(MODEL_SOURCES)
assert set(RISK_LABELS) == set(RISK_CLASSES)
assert set(ROLE_LABELS) == set(AI_ACT_ROLES)


def label(mapping: dict[str, str], value: str) -> str:
    return mapping.get(value, value.replace("_", " "))
