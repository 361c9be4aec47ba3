"""Test helpers for the hardening tests (tests/test_security_*.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# Fields a forged form or import might carry to escalate or rewrite ownership and history
# (Snipe-IT CVE-2025-15602: mass assignment to admin).
FORGED_FIELDS: dict[str, object] = {
    "role": "admin",
    "is_admin": True,
    "created_by": "attacker@example.com",
    "owner_id": 987654,
    "id": 987654,
    "version": 987654,
    "archived": True,
    "active": False,
    "created_at": "2000-01-01T00:00:00+00:00",
}


def assert_extra_fields_refused_or_ignored(
    call: Callable[..., object],
    read: Callable[[], Mapping[str, Any]],
    *,
    fields: Mapping[str, object] = FORGED_FIELDS,
    legitimate: frozenset[str] = frozenset(),
) -> None:
    """Call ``call(**{field: value})`` once per forged field: it must raise (refused) or leave
    the record without that value (ignored). ``read`` returns the record's columns afterwards.
    ``legitimate`` names fields this call may set on purpose (an action item's owner_id)."""
    for field, value in fields.items():
        if field in legitimate:
            continue
        try:
            call(**{field: value})
        except (ValueError, TypeError):
            continue  # refused: nothing written
        after = read()
        assert after.get(field) != value, f"{field}={value!r} got through: {dict(after)}"
