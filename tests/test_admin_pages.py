"""AppTest of the Users and Audit pages: happy path, empty state, hostile text, refusals."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent
from services.access import audit, users
from tests.conftest import actor, assert_no_exception, run_page

XSS = "<img src=x onerror=alert(1)> **bold** :red[x]"


@pytest.fixture
def boss(app_env: Database):  # type: ignore[no-untyped-def]
    admin = actor("admin", "boss@example.com")
    users.add_user(app_env, admin, "boss@example.com", "admin", name="Boss")
    return admin


def test_users_page_lists_users_with_hostile_names_as_plain_data(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    users.add_user(app_env, boss, "x@example.com", "va", name=XSS)
    at = run_page("admin/users.py", boss)
    assert_no_exception(at)
    frame = at.dataframe[0].value
    assert XSS in list(frame["Name"])
    assert not at.markdown or all(XSS not in m.value for m in at.markdown)


def test_users_page_adds_a_user(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    at = run_page("admin/users.py", boss, opened=("users_add_open",))
    at.text_input[0].input("new@example.com")
    at.selectbox[0].set_value("finance")
    at.button[0].click().run()  # the form's submit button
    assert_no_exception(at)
    assert users.resolve_identity(app_env, "new@example.com").role == "finance"  # type: ignore[union-attr]


def test_users_page_shows_a_bad_email_as_an_error(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    at = run_page("admin/users.py", boss, opened=("users_add_open",))
    at.text_input[0].input("not an email")
    at.button[0].click().run()
    assert_no_exception(at)
    assert "not an email address" in at.error[0].value


def test_users_page_deactivates_and_changes_role(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    users.add_user(app_env, boss, "va@example.com", "va")
    at = run_page("admin/users.py", boss, opened=("users_change_open",))
    at.selectbox(key="users_target").select("va@example.com").run()
    at.selectbox(key="users_role_va@example.com").set_value("lead").run()
    [save] = [b for b in at.button if b.label == "Save role"]
    save.click().run()
    assert users.resolve_identity(app_env, "va@example.com").role == "lead"  # type: ignore[union-attr]
    [deactivate] = [b for b in at.button if b.label == "Deactivate"]
    deactivate.click().run()
    assert_no_exception(at)
    # Issue 14 item 4: one click only asks.
    assert users.resolve_identity(app_env, "va@example.com") is not None
    at.button(key="confirm_users_deactivate_va@example.com_yes").click().run()
    assert_no_exception(at)
    assert users.resolve_identity(app_env, "va@example.com") is None


def test_users_page_renames_a_user(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    """The name a user signs in under could be given when adding them and never changed."""
    users.add_user(app_env, boss, "va@example.com", "va")
    at = run_page("admin/users.py", boss, opened=("users_change_open",))
    at.selectbox(key="users_target").select("va@example.com").run()
    [save] = [b for b in at.button if b.label == "Save name"]
    assert save.disabled  # nothing typed yet
    at.text_input(key="users_name_va@example.com").input("  Priya Nair ").run()
    next(b for b in at.button if b.label == "Save name").click().run()
    assert_no_exception(at)
    assert users.resolve_identity(app_env, "va@example.com").name == "Priya Nair"  # type: ignore[union-attr]
    assert at.dataframe[0].value.set_index("Email").loc["va@example.com", "Name"] == "Priya Nair"


@pytest.mark.parametrize("page", ["users.py", "audit.py"])
@pytest.mark.parametrize("role", ["va", "lead", "finance"])
def test_admin_pages_refuse_other_roles_and_audit_it(
    app_env: Database, page: str, role: str
) -> None:
    at = run_page(page, actor(role))
    assert_no_exception(at)
    assert "Not allowed" in at.error[0].value
    assert not at.dataframe
    with app_env.read() as session:
        (denied,) = session.exec(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert denied.actor == f"{role}@example.com"


def test_audit_page_empty_state(app_env: Database) -> None:
    at = run_page("admin/audit.py", actor("admin"))
    assert_no_exception(at)
    assert "No audit events" in at.info[0].value


def test_audit_page_lists_filters_and_shows_a_diff(app_env: Database, boss) -> None:  # type: ignore[no-untyped-def]
    users.add_user(app_env, boss, "x@example.com", "va", name=XSS)
    users.set_role(app_env, boss, "x@example.com", "lead")
    with app_env.write() as session:
        audit.record(
            session,
            actor("admin", XSS),
            "update",
            "vendor",
            7,
            before={"name": XSS},
            after={"name": "ok"},
        )
    at = run_page("admin/audit.py", boss)
    assert_no_exception(at)
    frame = at.dataframe[0].value
    assert len(frame) == 4 and XSS in list(frame["Actor"])
    at.selectbox(key="audit_action").select("update").run()
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="audit_type").set_value("user").run()
    assert [r.split(":")[0] for r in at.dataframe[0].value["Record"]] == ["User"]
    assert_no_exception(at)


def test_audit_names_the_record_and_finds_both_spellings_of_a_kind(  # type: ignore[no-untyped-def]
    app_env: Database, boss
) -> None:
    """Issue 14 item 11: `contract 12` shows its name; an old `actionitem` row and a new
    `action_item` row are one kind in the filter."""
    from tests.builders import make_action

    item = make_action(app_env, "Send the DPA")
    with app_env.write() as s:
        for record_type in ("actionitem", "action_item"):
            audit.record(s, boss, "update", record_type, item, after={"status": "done"})
    at = run_page("admin/audit.py", boss)
    types = at.selectbox(key="audit_type")
    assert "actionitem" not in types.options and "Action item" in types.options
    types.set_value("action_item").run()
    assert_no_exception(at)
    assert list(at.dataframe[0].value["Record"]) == ["Action item: Send the DPA"] * 2
