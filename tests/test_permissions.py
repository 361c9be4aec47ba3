"""The permission table: the roles of the issue, and the README's table generated from it."""

from __future__ import annotations

import pytest

from services.access.access import PERMISSIONS, can, permission_table_markdown
from tests.conftest import actor


def test_every_permission_is_in_the_generated_table() -> None:
    table = permission_table_markdown()
    for permission in PERMISSIONS:
        assert f"| `{permission}` |" in table


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            "finance",
            {"spend.read", "budgets.edit", "contracts.values"},
            {"users.manage", "meetings.edit"},
        ),
        (
            "va",
            {"meetings.edit", "actions.edit", "tickets.edit", "vendors.edit"},
            {"spend.read", "budgets.edit", "contracts.values"},
        ),
        (
            "lead",
            {"renewals.decide", "spend.read", "meetings.read", "review.read"},
            {"users.manage", "settings.manage"},
        ),
        ("admin", set(PERMISSIONS), set()),
    ],
)
def test_roles_hold_what_the_issue_says(role: str, allowed: set[str], refused: set[str]) -> None:
    assert all(can(actor(role), p) for p in allowed)
    assert not any(can(actor(role), p) for p in refused)


def test_an_unknown_permission_is_a_programming_error_not_a_silent_no() -> None:
    with pytest.raises(KeyError):
        can(actor("admin"), "vendors.delete_everything")
