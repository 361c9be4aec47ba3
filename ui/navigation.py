"""The page registry: every page, its section and the permission needed to see it.

`app.py` builds `st.navigation` from this list, showing only what the signed-in role may open;
each page script also checks its permission through its service calls, so a page reached by URL
is refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"


@dataclass(frozen=True)
class PageSpec:
    script: str  # path inside app_pages/: <section>/<page>.py
    title: str
    icon: str
    section: str
    permission: str
    url_path: str
    default: bool = False
    in_menu: bool = True  # False: reached by a link with its record in the URL (?meeting=ID)


PAGES: list[PageSpec] = [
    PageSpec(
        "home/today.py", "Today", ":material/today:", "Home", "home.read", "today", default=True
    ),
    PageSpec(
        "coordination/follow_ups.py",
        "My follow-ups",
        ":material/checklist:",
        "Coordination",
        "actions.read",
        "follow-ups",
    ),
    PageSpec(
        "coordination/meetings.py",
        "Meetings",
        ":material/groups:",
        "Coordination",
        "meetings.read",
        "meetings",
    ),
    PageSpec(
        "coordination/meeting.py",
        "Meeting",
        ":material/event_note:",
        "Coordination",
        "meetings.read",
        "meeting",
        in_menu=False,
    ),
    PageSpec(
        "coordination/actions.py",
        "Action items",
        ":material/task_alt:",
        "Coordination",
        "actions.read",
        "actions",
    ),
    PageSpec(
        "coordination/review.py",
        "Review board",
        ":material/monitoring:",
        "Coordination",
        "review.read",
        "review",
    ),
    PageSpec(
        "coordination/people.py",
        "People",
        ":material/badge:",
        "Coordination",
        "people.read",
        "people",
    ),
    PageSpec(
        "vendors/vendors.py",
        "Vendors",
        ":material/storefront:",
        "Vendors",
        "vendors.read",
        "vendors",
    ),
    PageSpec(
        "vendors/renewals.py",
        "Contracts & renewals",
        ":material/event_repeat:",
        "Vendors",
        "contracts.read",
        "renewals",
    ),
    PageSpec(
        "vendors/seats.py", "Seats", ":material/event_seat:", "Vendors", "seats.read", "seats"
    ),
    PageSpec(
        "vendors/tickets.py",
        "Vendor tickets",
        ":material/support_agent:",
        "Vendors",
        "tickets.read",
        "tickets",
    ),
    PageSpec("spend/spend.py", "Spend", ":material/payments:", "Spend", "spend.read", "spend"),
    PageSpec("spend/budgets.py", "Budgets", ":material/savings:", "Spend", "spend.read", "budgets"),
    PageSpec(
        "spend/imports.py", "Imports", ":material/upload_file:", "Spend", "spend.import", "imports"
    ),
    PageSpec(
        "governance/models.py",
        "Models",
        ":material/model_training:",
        "Governance",
        "models.read",
        "models",
    ),
    PageSpec(
        "governance/experiment_reports.py",
        "Experiment reports",
        ":material/science:",
        "Governance",
        "reports.read",
        "experiment-reports",
    ),
    PageSpec("admin/users.py", "Users", ":material/group:", "Admin", "users.manage", "users"),
    PageSpec("admin/audit.py", "Audit", ":material/history:", "Admin", "audit.read", "audit"),
    PageSpec(
        "admin/delivery_log.py",
        "Delivery log",
        ":material/outbox:",
        "Admin",
        "outbox.read",
        "delivery-log",
    ),
    PageSpec(
        "admin/admin_settings.py",
        "Settings",
        ":material/settings:",
        "Admin",
        "settings.manage",
        "settings",
    ),
]

PAGES += [
    PageSpec(
        "governance/obligations.py",
        "Obligations",
        ":material/gavel:",
        "Governance",
        "governance.read",
        "obligations",
    ),
    PageSpec(
        "governance/incidents.py",
        "Incidents",
        ":material/emergency:",
        "Governance",
        "governance.read",
        "incidents",
    ),
    PageSpec(
        "governance/drift_policies.py",
        "Drift policies",
        ":material/monitoring:",
        "Governance",
        "governance.read",
        "drift-policies",
    ),
    PageSpec(
        "governance/annex_iv.py",
        "Annex IV pack",
        ":material/description:",
        "Governance",
        "governance.read",
        "annex-iv",
    ),
]

SECTIONS = ["Home", "Coordination", "Vendors", "Spend", "Governance", "Admin"]
