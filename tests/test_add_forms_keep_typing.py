"""New-record forms keep what was typed when the service refuses a value, start empty after a
save, and a second click on the emptied form adds nothing (ui.forms: new_form_key/save_new).

Each case names its page, the form (its widgets are found by label inside the form keyed
``f"{name}_{round}"``), what to type for a refused and for an accepted submit, and the table
that must hold exactly the one record the accepted submit wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Contract,
    DriftPolicy,
    ExperimentReport,
    Incident,
    Model,
    Team,
    User,
    VendorContact,
)
from services.access.access import Actor
from services.coordination import meetings
from tests.builders import ADMIN, VA, make_person, make_team, make_vendor
from tests.conftest import FROZEN_AT, assert_no_exception, run_page
from tests.governance_builders import make_model

Fill = tuple[str, str, Any]  # widget kind, label, value typed or chosen
CSV = ("runs.csv", b"run_id,run_name,params.depth,metrics.auc\nr1,a,4,0.9\n", "text/csv")


@dataclass(frozen=True)
class Case:
    name: str  # the form's round-counter name ({query keys} filled from the page's query)
    page: str
    actor: Actor
    submit: str
    refused: list[Fill]
    accepted: list[Fill]  # typed over what ``refused`` left in the fields
    table: type[SQLModel]
    setup: Callable[[Database], dict[str, str]] = lambda db: {}  # returns the page's query
    opened: tuple[str, ...] = ()
    kept: list[tuple[str, str]] = field(default_factory=list)  # text fields to check


def _meeting(db: Database) -> dict[str, str]:
    m = meetings.create_meeting(
        db, VA, title="Sync", timezone="UTC", starts_at=FROZEN_AT + timedelta(days=1)
    )
    return {"meeting": str(m.id)}


def _model(db: Database) -> dict[str, str]:
    make_model(db)
    return {}


def _vendor(db: Database) -> dict[str, str]:
    make_vendor(db)
    return {"tab": "Contracts"}


def _vendor_page(db: Database) -> dict[str, str]:
    return {"vendor": str(make_vendor(db))}


def _team(db: Database) -> dict[str, str]:
    make_team(db, "Platform")
    return {}


def _meeting_and_person(db: Database) -> dict[str, str]:
    make_person(db, name="Ana", email="ana@example.com")
    return _meeting(db)


LONG = ("A long account of what happened, typed once. " * 8).strip()
CASES = [
    Case(
        "incident_add",
        "governance/incidents.py",
        VA,
        "Record incident",
        refused=[
            ("text_input", "What happened", "Scorer leaked PII"),
            ("text_area", "Description", LONG),
        ],
        accepted=[("multiselect", "Models involved", ["fraud-scorer (high, deployer)"])],
        table=Incident,
        setup=_model,
        opened=("incidents_add_open",),
        kept=[("text_input", "What happened"), ("text_area", "Description")],
    ),
    Case(
        "models_add",
        "governance/models.py",
        VA,
        "Add model",
        refused=[
            ("text_input", "Name", "churn-predictor"),
            ("text_area", "Purpose", LONG),
            ("text_input", "Owner email", "nobody@example.com"),
        ],
        accepted=[("text_input", "Owner email", "")],
        table=Model,
        opened=("models_add_open",),
        kept=[("text_input", "Name"), ("text_area", "Purpose"), ("text_input", "Owner email")],
    ),
    Case(
        "contracts_add",
        "vendors/renewals.py",
        ADMIN,
        "Add contract",
        refused=[("text_input", "Title", "Acme platform"), ("text_input", "Currency", "dollars")],
        accepted=[("text_input", "Currency", "EUR")],
        table=Contract,
        setup=_vendor,
        kept=[("text_input", "Title"), ("text_input", "Currency")],
    ),
    Case(
        "add_user",
        "admin/users.py",
        ADMIN,
        "Add user",
        refused=[
            ("text_input", "Email", "ana-at-example"),
            ("text_input", "Name (optional)", "Ana"),
        ],
        accepted=[("text_input", "Email", "ana@example.com")],
        table=User,
        opened=("users_add_open",),
        kept=[("text_input", "Email"), ("text_input", "Name (optional)")],
    ),
    Case(
        "report_new",
        "governance/experiment_reports.py",
        VA,
        "Make report",
        refused=[("text_input", "Title", "Depth sweep")],  # neither an experiment nor a CSV
        accepted=[("file_uploader", "…or a CSV of runs", CSV)],
        table=ExperimentReport,
        opened=("reports_new_open",),
        kept=[("text_input", "Title")],
    ),
    Case(
        "agenda_add",
        "coordination/meeting.py",
        VA,
        "Add to agenda",
        refused=[("text_input", "New agenda item", "GPU quota " * 40)],  # over 300 characters
        accepted=[("text_input", "New agenda item", "GPU quota")],
        table=AgendaItem,
        setup=_meeting,
        kept=[("text_input", "New agenda item")],
    ),
    Case(
        "meeting_action_add",
        "coordination/meeting.py",
        VA,
        "Add action item",
        refused=[
            ("text_input", "New action item", "Ask for a quote @nobody@example.com"),
            ("selectbox", "Owner", "ana@example.com"),
            ("date_input", "Due", date(2030, 1, 2)),
        ],
        accepted=[("text_input", "New action item", "Ask for a quote")],
        table=ActionItem,
        setup=_meeting_and_person,
        kept=[("text_input", "New action item"), ("date_input", "Due")],
    ),
    Case(
        "people_team_add",
        "coordination/people.py",
        ADMIN,
        "Add team",
        refused=[("text_input", "New team name", "Platform")],  # taken
        accepted=[("text_input", "New team name", "Data")],
        table=Team,
        setup=_team,
        opened=("people_teams_open",),
        kept=[("text_input", "New team name")],
    ),
    Case(
        "vendor_contact_add_{vendor}",  # per vendor: the query names it
        "vendors/vendors.py",
        ADMIN,
        "Add contact",
        refused=[("text_input", "Name", "Ana Account"), ("text_input", "Email", "ana-at-acme")],
        accepted=[("text_input", "Email", "ana@acme.example")],
        table=VendorContact,
        setup=_vendor_page,
        kept=[("text_input", "Name"), ("text_input", "Email")],
    ),
    Case(
        "drift_add",
        "governance/drift_policies.py",
        VA,
        "Save policy",
        refused=[
            ("text_input", "Metric (as the monitoring tool names it)", "psi_income"),
            ("number_input", "Warning threshold", 0.2),
            ("number_input", "Critical threshold", 0.1),  # below the warning: refused
            ("text_input", "Runbook link", "https://runbooks.example/psi"),
        ],
        accepted=[("number_input", "Critical threshold", 0.3)],
        table=DriftPolicy,
        setup=_model,
        opened=("drift_add_open",),
        kept=[
            ("text_input", "Metric (as the monitoring tool names it)"),
            ("text_input", "Runbook link"),
            ("number_input", "Warning threshold"),
        ],
    ),
    Case(
        "actions_quick_add",
        "coordination/actions.py",
        VA,
        "Add",
        refused=[
            ("text_input", "New action item", "Send the DPA @nobody@example.com"),
            ("date_input", "Due", date(2030, 1, 2)),
        ],
        accepted=[("text_input", "New action item", "Send the DPA")],
        table=ActionItem,
        kept=[("text_input", "New action item"), ("date_input", "Due")],
    ),
]


def _in_form(at, kind: str, label: str, form: str):  # type: ignore[no-untyped-def]
    found = [w for w in getattr(at, kind) if w.label == label and w.proto.form_id == form]
    assert len(found) == 1, (
        kind,
        label,
        form,
        [(w.label, w.proto.form_id) for w in getattr(at, kind)],
    )
    return found[0]


def _fill(at, fills: list[Fill], form: str) -> None:  # type: ignore[no-untyped-def]
    for kind, label, value in fills:
        widget = _in_form(at, kind, label, form)
        if kind in ("text_input", "text_area"):
            widget.input(value)
        elif kind == "multiselect":
            for option in value:
                widget.select(option)
        else:
            widget.set_value(value)


def _submit(at, case: Case, form: str) -> None:  # type: ignore[no-untyped-def]
    _in_form(at, "button", case.submit, form).click().run()
    assert_no_exception(at)


def _rows(db: Database, table: type[SQLModel]) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def _newest(db: Database, table: type[SQLModel]) -> dict[str, Any]:
    with db.read() as s:
        row = s.exec(select(table).order_by(table.id.desc())).first()  # type: ignore[attr-defined]
        assert row is not None
        return row.model_dump()


def _typed(fills: list[Fill], kept: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    last = {(kind, label): value for kind, label, value in fills}
    return {k: last[k] for k in kept}


@pytest.mark.parametrize("case", CASES, ids=[c.name.split("_{")[0] for c in CASES])
def test_a_refused_add_keeps_the_typing_and_a_save_empties_the_form(
    app_env: Database, case: Case
) -> None:
    query = case.setup(app_env)
    before = _rows(app_env, case.table)
    at = run_page(case.page, case.actor, query=query, opened=case.opened)
    assert_no_exception(at)
    name = case.name.format(**query)
    first, second = f"{name}_0", f"{name}_1"
    empty = {(kind, label): _in_form(at, kind, label, first).value for kind, label in case.kept}
    assert all(empty[k] != v for k, v in _typed(case.refused, case.kept).items())

    # The browser empties a clear_on_submit form on every submit, which AppTest shows only in
    # what the next submit sends (checked in (2)); the flag itself is checked here too.
    [form] = [b for b in at.get("form") if b.proto.form.form_id == first]
    assert not form.proto.form.clear_on_submit

    # (1) Refused: the error is shown, nothing is written, and every field keeps what was typed.
    _fill(at, case.refused, first)
    _submit(at, case, first)
    assert at.error, "the refusal is shown"
    assert _rows(app_env, case.table) == before
    at.run()
    for (kind, label), value in _typed(case.refused, case.kept).items():
        assert _in_form(at, kind, label, first).value == value, label

    # (2) Accepted: one record is written and the next run draws the form empty.
    _fill(at, case.accepted, first)
    _submit(at, case, first)
    assert not at.error, [e.value for e in at.error]
    assert _rows(app_env, case.table) == before + 1
    # What was typed before the refusal and not typed again is in the record.
    retyped = {(kind, label) for kind, label, _ in case.accepted}
    carried = {k: v for k, v in _typed(case.refused, case.kept).items() if k not in retyped}
    saved = list(_newest(app_env, case.table).values())
    for (_, label), value in carried.items():
        assert value in saved, label
    assert not [w for w in at.text_input if w.proto.form_id == first]
    for kind, label in case.kept:
        assert _in_form(at, kind, label, second).value == empty[kind, label], label

    # (3) A second click on the emptied form adds no second record.
    _submit(at, case, second)
    assert _rows(app_env, case.table) == before + 1
