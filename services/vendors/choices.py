"""Labels for the vendor area's stored values (categories, statuses, renewal types...)."""

from __future__ import annotations

from services.core.choices import Choices

VENDOR_CATEGORY = Choices(
    "category",
    {
        "llm_api": "LLM API",
        "ml_platform": "ML platform",
        "experiment_tracking": "Experiment tracking",
        "data_labeling": "Data labeling",
        "gpu_cloud": "GPU cloud",
        "monitoring": "Monitoring",
        "data_warehouse": "Data warehouse",
        "other": "Other",
    },
)
VENDOR_STATUS = Choices(
    "status",
    {
        "evaluating": "Evaluating",
        "active": "Active",
        "offboarding": "Offboarding",
        "retired": "Retired",
    },
)
CONTACT_ROLE = Choices(
    "contact role",
    {
        "account_manager": "Account manager",
        "support": "Support",
        "billing": "Billing",
        "other": "Other",
    },
)
RENEWAL_TYPE = Choices(
    "renewal",
    {"none": "Ends at term end", "auto": "Renews automatically", "manual": "Renewed by hand"},
)
BILLING_PERIOD = Choices(
    "billing period",
    {"monthly": "Monthly", "quarterly": "Quarterly", "yearly": "Yearly", "one_time": "One time"},
)
TICKET_SEVERITY = Choices(
    "severity", {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
)
TICKET_STATUS = Choices(
    "status",
    {
        "open": "Open",
        "waiting_on_vendor": "Waiting on vendor",
        "waiting_on_us": "Waiting on us",
        "resolved": "Resolved",
        "closed": "Closed",
    },
)
DECISION = Choices("decision", {"renew": "Renew", "renegotiate": "Renegotiate", "cancel": "Cancel"})
