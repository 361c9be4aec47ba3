"""Who may do what. Every service call takes the acting user and checks here.

The permission table is the single source for the README's table, the navigation's page list
and the checks in services; a refusal raises ``NotAllowed`` and is written to the audit trail.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from db.engine import Database
from db.models import AuditEvent

ALL_ROLES = frozenset({"va", "lead", "finance", "admin", "engineer"})
# The engineer reads everything but money, edits model records and signs off what a VA drafted.
ENGINEER = "engineer"

# permission -> roles that hold it. Keep in step with the README's permission table.
PERMISSIONS: dict[str, frozenset[str]] = {
    "home.read": ALL_ROLES,
    "people.read": frozenset({"va", "lead", "admin", ENGINEER}),
    "people.edit": frozenset({"va", "admin"}),
    "meetings.read": frozenset({"va", "lead", "admin", ENGINEER}),
    "meetings.edit": frozenset({"va", "admin"}),
    "actions.read": frozenset({"va", "lead", "admin", ENGINEER}),
    "actions.edit": frozenset({"va", "admin"}),
    "review.read": frozenset({"lead", "admin", ENGINEER}),
    "vendors.read": ALL_ROLES,
    "vendors.edit": frozenset({"va", "admin"}),
    "contracts.read": ALL_ROLES,
    "contracts.edit": frozenset({"va", "finance", "admin"}),
    "contracts.values": frozenset({"finance", "lead", "admin"}),
    "renewals.decide": frozenset({"lead", "admin"}),
    "seats.read": frozenset({"va", "lead", "finance", "admin"}),  # seat prices are money
    "seats.edit": frozenset({"va", "finance", "admin"}),
    "tickets.read": frozenset({"va", "lead", "admin", ENGINEER}),
    "tickets.edit": frozenset({"va", "admin"}),
    "spend.read": frozenset({"finance", "lead", "admin"}),
    "spend.import": frozenset({"finance", "admin"}),
    "budgets.edit": frozenset({"finance", "admin"}),
    "models.read": ALL_ROLES,
    "models.edit": frozenset({"va", "lead", "admin", ENGINEER}),
    "models.cost": frozenset({"finance", "lead", "admin"}),
    "cards.draft": frozenset({"va", "lead", "admin", ENGINEER}),
    "cards.sign_off": frozenset({"lead", "admin", ENGINEER}),
    "cards.publish": frozenset({"lead", "admin", ENGINEER}),
    "deployments.record": frozenset({"va", "lead", "admin", ENGINEER}),
    "reports.read": frozenset({"va", "lead", "admin", ENGINEER}),
    "reports.edit": frozenset({"va", "lead", "admin", ENGINEER}),
    "reports.sign_off": frozenset({"lead", "admin", ENGINEER}),
    "mlflow.sync": frozenset({"admin"}),
    "outbox.read": frozenset({"admin"}),
    "outbox.manage": frozenset({"admin"}),
    "settings.manage": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    # governance (issue 18): the engineer role comes with the models work (issue 17)
    "governance.read": frozenset({"va", "lead", "admin", "engineer"}),
    "obligations.edit": frozenset({"va", "lead", "admin", "engineer"}),
    "incidents.edit": frozenset({"va", "lead", "admin", "engineer"}),
    "incidents.close": frozenset({"lead", "admin"}),
    "incidents.release_hold": frozenset({"admin"}),
    "drift.edit": frozenset({"va", "lead", "admin", "engineer"}),
}


class NotAllowed(PermissionError):
    """The acting user lacks a permission; nothing was changed."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"Not allowed: your role cannot {permission.replace('.', ' ')}.")
        self.permission = permission


@dataclass(frozen=True)
class Actor:
    """The user a call acts for. ``email`` is ``cli:<os user>`` for the command line."""

    email: str
    role: str
    user_id: int | None = None
    name: str | None = None

    @classmethod
    def cli(cls) -> Actor:
        return cls(email=f"cli:{getpass.getuser()}", role="admin")

    @classmethod
    def system(cls, what: str = "worker") -> Actor:
        return cls(email=f"system:{what}", role="admin")


def can(actor: Actor, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return actor.role in PERMISSIONS[permission]


def require(
    db: Database,
    actor: Actor,
    permission: str,
    *,
    record_type: str = "",
    record_id: object = None,
) -> None:
    """Raise ``NotAllowed`` (and audit the refusal) unless ``actor`` holds ``permission``."""
    if can(actor, permission):
        return
    with db.write() as session:
        session.add(
            AuditEvent(
                actor=actor.email,
                action="denied",
                record_type=record_type or permission.split(".")[0],
                record_id=None if record_id is None else str(record_id),
                detail=permission,
            )
        )
    raise NotAllowed(permission)


def permission_table_markdown() -> str:
    """The README's permission table, generated from ``PERMISSIONS`` so the two cannot drift."""
    roles = ["va", "lead", "finance", "admin", "engineer"]
    lines = [
        "| permission | " + " | ".join(roles) + " |",
        "| --- | " + " | ".join("---" for _ in roles) + " |",
    ]
    for permission, holders in PERMISSIONS.items():
        marks = " | ".join("yes" if role in holders else "" for role in roles)
        lines.append(f"| `{permission}` | {marks} |")
    return "\n".join(lines)
