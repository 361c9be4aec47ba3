"""Mass assignment: service create/update functions take only whitelisted fields.

A static check finds every public service function that accepts ``**kwargs``; each must be
covered by a behaviour test below (add one when you add such a function).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from sqlmodel import select

import services
from db.engine import Database
from db.models import ActionItem, Budget, Person
from services.access import users
from services.coordination import actions, people
from services.spend import budgets
from tests.builders import make_person, make_team
from tests.conftest import actor
from tests.security_helpers import assert_extra_fields_refused_or_ignored

ADMIN = actor("admin")

# Every public service function that accepts **kwargs, and the test that covers it.
COVERED = {
    "services.coordination.people.add_person": "test_add_person_refuses_or_ignores_extra_fields",
    "services.coordination.people.add_person_in": "test_add_person_refuses_or_ignores_extra_fields",
    "services.coordination.people.update_person": (
        "test_update_person_refuses_or_ignores_extra_fields"
    ),
    "services.spend.budgets.create_budget": "test_budget_create_and_update_refuse_extra_fields",
    "services.spend.budgets.update_budget": "test_budget_create_and_update_refuse_extra_fields",
    "services.coordination.actions.create_action": "test_create_action_refuses_extra_fields",
}


def _kwargs_functions() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(services.__path__, "services."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            params = inspect.signature(fn).parameters.values()
            if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_service_function_taking_kwargs_has_a_mass_assignment_test() -> None:
    unreviewed = _kwargs_functions() - set(COVERED)
    assert not unreviewed, (
        f"{sorted(unreviewed)} accept **kwargs: whitelist their fields and add a test here "
        "with assert_extra_fields_refused_or_ignored"
    )


def test_users_update_takes_only_role_active_and_name(db: Database) -> None:
    users.add_user(db, ADMIN, "pat@example.com", "va")

    def read() -> dict[str, object]:
        row = users.resolve_identity(db, "pat@example.com")
        return {"role": row.role if row else None}

    assert_extra_fields_refused_or_ignored(
        lambda **kw: users._update(db, ADMIN, "pat@example.com", **kw),
        read,
        legitimate=frozenset({"role", "active"}),  # only through set_role / deactivate_user
    )
    assert {"role", "active", "name"} == users.EDITABLE_FIELDS


def _person(db: Database, email: str) -> dict[str, object]:
    with db.read() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        return person.model_dump()


def test_add_person_refuses_or_ignores_extra_fields(db: Database) -> None:
    counter = iter(range(100))

    def add(**extra: object) -> None:
        n = next(counter)
        people.add_person(db, ADMIN, name=f"P{n}", email=f"p{n}@example.com", **extra)
        _last["email"] = f"p{n}@example.com"

    _last: dict[str, str] = {}
    assert_extra_fields_refused_or_ignored(add, lambda: _person(db, _last["email"]))


def test_update_person_refuses_or_ignores_extra_fields(db: Database) -> None:
    pid = make_person(db, email="pat@example.com")

    def update(**extra: object) -> None:
        version = int(_person(db, "pat@example.com")["version"])  # type: ignore[call-overload]
        people.update_person(db, ADMIN, pid, expected_version=version, name="Pat", **extra)

    assert_extra_fields_refused_or_ignored(update, lambda: _person(db, "pat@example.com"))


def test_budget_create_and_update_refuse_extra_fields(db: Database) -> None:
    team = make_team(db)
    base = {
        "name": "GPU",
        "scope": "team",
        "amount": "1000",
        "currency": "USD",
        "starts_on": date(2026, 1, 1),
        "team_id": team,
    }

    def newest() -> dict[str, object]:
        with db.read() as session:
            budget = session.exec(select(Budget).order_by(Budget.id.desc())).first()  # type: ignore[union-attr]
            return budget.model_dump() if budget else {}

    assert_extra_fields_refused_or_ignored(
        lambda **kw: budgets.create_budget(db, ADMIN, **base, **kw), newest
    )
    budget = budgets.create_budget(db, ADMIN, **base)

    def update(**extra: object) -> None:
        current = newest()
        budgets.update_budget(db, ADMIN, budget.id, current["version"], **base, **extra)  # type: ignore[arg-type]

    assert_extra_fields_refused_or_ignored(update, newest)


def test_create_action_refuses_extra_fields(db: Database) -> None:
    def newest() -> dict[str, object]:
        with db.read() as session:
            item = session.exec(select(ActionItem).order_by(ActionItem.id.desc())).first()  # type: ignore[union-attr]
            return item.model_dump() if item else {}

    assert_extra_fields_refused_or_ignored(
        lambda **kw: actions.create_action(db, ADMIN, title="Send the DPA", **kw),
        newest,
        legitimate=frozenset({"owner_id"}),  # an action item's owner is a real field
    )
    with pytest.raises(TypeError):
        actions.create_action(db, ADMIN, title="x", created_by="attacker@example.com")
