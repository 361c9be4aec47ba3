"""Users and roles: the service behind `opsdesk user ...` and the Users page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cli import main as opsdesk
from db.engine import Database
from db.models import AuditEvent, User
from services.access import users
from services.access.access import NotAllowed
from tests.conftest import actor


def _events(db: Database, action: str | None = None) -> list[AuditEvent]:
    with db.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.exec(query).all())


def test_add_user_normalises_the_email_and_audits_the_creation(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    row = users.add_user(db, admin, "  Ana@Example.COM ", "va", name="Ana")
    assert (row.email, row.role, row.active) == ("ana@example.com", "va", True)
    (event,) = _events(db, "create")
    assert (event.actor, event.record_type) == ("admin@example.com", "user")
    assert '"role": "va"' in (event.after or "")


@pytest.mark.parametrize("email", ["", "no-at-sign", "a b@example.com", "@example.com"])
def test_add_user_refuses_what_is_not_an_email(db: Database, admin, email: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(users.UserError):
        users.add_user(db, admin, email, "va")


def test_add_user_refuses_an_unknown_role_and_a_duplicate(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(users.UserError, match="unknown role"):
        users.add_user(db, admin, "x@example.com", "superuser")
    users.add_user(db, admin, "x@example.com", "va")
    with pytest.raises(users.UserError, match="already exists"):
        users.add_user(db, admin, "X@example.com", "lead")


@pytest.mark.parametrize("role", ["va", "lead", "finance"])
def test_only_admins_manage_users_and_a_refusal_is_audited(db: Database, role: str) -> None:
    with pytest.raises(NotAllowed):
        users.add_user(db, actor(role), "x@example.com", "admin")
    with pytest.raises(NotAllowed):
        users.set_role(db, actor(role), f"{role}@example.com", "admin")
    with db.read() as session:
        assert session.exec(select(User)).all() == []
    denied = _events(db, "denied")
    assert [e.detail for e in denied] == ["users.manage", "users.manage"]


def test_deactivated_user_no_longer_resolves_and_reactivation_restores(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    users.add_user(db, admin, "lead@example.com", "lead")
    assert users.resolve_identity(db, "LEAD@example.com") is not None
    users.deactivate_user(db, admin, "lead@example.com")
    assert users.resolve_identity(db, "lead@example.com") is None
    users.activate_user(db, admin, "lead@example.com")
    resolved = users.resolve_identity(db, "lead@example.com")
    assert resolved is not None and resolved.role == "lead"


def test_unregistered_or_blank_identity_resolves_to_nobody(db: Database) -> None:
    assert users.resolve_identity(db, "stranger@example.com") is None
    assert users.resolve_identity(db, "") is None
    assert users.resolve_identity(db, None) is None


def test_set_role_records_a_before_after_diff(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    users.add_user(db, admin, "f@example.com", "va")
    users.set_role(db, admin, "f@example.com", "finance")
    (event,) = _events(db, "update")
    assert event.before == '{"role": "va"}' and event.after == '{"role": "finance"}'


def test_a_change_that_changes_nothing_writes_no_audit_event(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    users.add_user(db, admin, "f@example.com", "va")
    users.set_role(db, admin, "f@example.com", "va")
    assert _events(db, "update") == []


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    users.add_user(db, admin, "boss@example.com", "admin")
    with pytest.raises(users.UserError, match="last active admin"):
        users.deactivate_user(db, admin, "boss@example.com")
    with pytest.raises(users.UserError, match="last active admin"):
        users.set_role(db, admin, "boss@example.com", "va")
    users.add_user(db, admin, "second@example.com", "admin")
    users.set_role(db, admin, "boss@example.com", "va")
    assert users.resolve_identity(db, "boss@example.com").role == "va"  # type: ignore[union-attr]


def test_user_updates_accept_only_whitelisted_fields(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    users.add_user(db, admin, "f@example.com", "va")
    with pytest.raises(users.UserError, match="cannot be changed"):
        users._update(db, admin, "f@example.com", email="admin@example.com")
    with pytest.raises(users.UserError, match="cannot be changed"):
        users._update(db, admin, "f@example.com", id=1, created_at=None)


def test_local_admin_is_created_once_and_reactivated(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    first = users.ensure_local_admin(db, "admin@localhost")
    again = users.ensure_local_admin(db, "admin@localhost")
    assert first == again and first.role == "admin"
    assert len(_events(db, "create")) == 1


def test_cli_user_commands_add_list_set_role_and_deactivate(
    app_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert opsdesk(["user", "add", "Va@Example.com", "--role", "va", "--name", "Val"]) == 0
    assert opsdesk(["user", "add", "boss@example.com", "--role", "admin"]) == 0
    assert opsdesk(["user", "set-role", "va@example.com", "--role", "lead"]) == 0
    assert opsdesk(["user", "deactivate", "va@example.com"]) == 0
    capsys.readouterr()
    assert opsdesk(["user", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["boss@example.com\tadmin\tactive", "va@example.com\tlead\tdeactivated"]
    events = _events(app_env)
    assert {e.actor for e in events} == {f"cli:{__import__('getpass').getuser()}"}


def test_cli_user_add_of_a_duplicate_exits_2_with_a_message(
    app_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert opsdesk(["user", "add", "a@example.com", "--role", "va"]) == 0
    assert opsdesk(["user", "add", "a@example.com", "--role", "va"]) == 2
    assert "already exists" in capsys.readouterr().err
