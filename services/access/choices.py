"""Labels for roles and for what each permission lets a person do."""

from __future__ import annotations

from services.core.choices import Choices

ROLE = Choices(
    "role",
    {
        "va": "Virtual assistant",
        "lead": "Lead",
        "finance": "Finance",
        "admin": "Admin",
        "engineer": "Engineer",
    },
)
# What a refusal says a role cannot do, in the words of the screen it happened on.
PERMISSION_PHRASE = {
    "home.read": "open the home page",
    "people.read": "see people",
    "people.edit": "change people",
    "meetings.read": "see meetings",
    "meetings.edit": "change meetings",
    "actions.read": "see action items",
    "actions.edit": "change action items",
    "actions.own": "finish your own action items",
    "review.read": "open the review board",
    "vendors.read": "see vendors",
    "vendors.edit": "change vendors",
    "contracts.read": "see contracts",
    "contracts.edit": "change contracts",
    "contracts.values": "see contract values",
    "renewals.decide": "decide renewals",
    "seats.read": "see seats",
    "seats.edit": "change seats",
    "tickets.read": "see vendor tickets",
    "tickets.edit": "change vendor tickets",
    "spend.read": "see spend",
    "spend.import": "import billing data",
    "budgets.edit": "change budgets",
    "outbox.read": "see the delivery log",
    "outbox.manage": "retry or cancel deliveries",
    "settings.manage": "change settings",
    "users.manage": "manage users",
    "audit.read": "read the audit trail",
}
