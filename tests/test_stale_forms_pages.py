"""Edit forms keep the version the person opened (ui.widgets.opened_version): a save made after
someone else changed the record is refused with "changed since you opened it" and the other
person's change is kept. A form keyed by the version read on each run was redrawn under a new
key instead, and the stale save vanished without a word. Opened afresh, each form saves.

Widgets are found by label, not key, so that each test runs against the old pages too (and
fails there on the missing message, not on a missing key)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from db.engine import Database
from db.models import Incident
from services.coordination import meetings
from services.governance import experiments, incidents, obligations
from services.governance.experiments import RunSnapshot
from services.governance.incidents import IncidentInput
from services.spend import budgets
from tests.builders import make_team
from tests.conftest import FROZEN_TODAY, actor, assert_no_exception, run_page
from tests.governance_record_builders import BERLIN, make_model

VA = actor("va")
LEAD = actor("lead")
ADMIN = actor("admin")
ENGINEER = actor("engineer")
FINANCE = actor("finance")
REFUSED = "since you opened"


def _errors(at: Any) -> str:
    return " ".join(e.value for e in at.error)


def _labelled(elements: Any, label: str) -> Any:
    return next(e for e in elements if e.label == label)


# Governance: incidents, obligations, experiment reports.


def _incident(db: Database) -> int:
    now = db.clock.now()
    data = IncidentInput(
        title="Chatbot gave dosage advice",
        category="other_serious",
        aware_at=now - timedelta(hours=2),
        model_ids=[make_model(db)],
    )
    return incidents.record_incident(db, VA, data, now=now, tz=BERLIN)


def _incident_row(db: Database, incident_id: int) -> Incident:
    with db.read() as s:
        row = s.get(Incident, incident_id)
    assert row is not None
    return row


def _step_by_other(db: Database, incident_id: int, step: str) -> None:
    now = db.clock.now()
    version = _incident_row(db, incident_id).version
    incidents.record_step(
        db, VA, incident_id, step, now - timedelta(hours=1), expected_version=version, now=now
    )


def _save_step(at: Any, step: str) -> None:
    _labelled(at.selectbox, "Record").set_value(step)
    _labelled(at.button, "Save step").click().run()


def test_a_stale_incident_step_or_close_is_refused_and_the_other_change_kept(
    app_env: Database,
) -> None:
    incident_id = _incident(app_env)
    at = run_page("governance/incidents.py", LEAD)
    _step_by_other(app_env, incident_id, "causal_link")
    _save_step(at, "initial_report")
    assert_no_exception(at)
    assert REFUSED in _errors(at)
    row = _incident_row(app_env, incident_id)
    assert row.causal_link_at is not None and row.initial_report_at is None
    # Opened afresh, the step saves.
    at = run_page("governance/incidents.py", LEAD)
    _save_step(at, "initial_report")
    assert_no_exception(at)
    assert _incident_row(app_env, incident_id).initial_report_at is not None
    # Closing, too, acts on the incident as it was opened: not after someone else's step.
    at = run_page("governance/incidents.py", LEAD)
    _step_by_other(app_env, incident_id, "provider_notified")
    _labelled(at.button, "Close incident").click().run()
    assert REFUSED in _errors(at)
    assert _incident_row(app_env, incident_id).status != "closed"
    at = run_page("governance/incidents.py", LEAD)
    _labelled(at.button, "Close incident").click().run()
    assert_no_exception(at)
    assert _incident_row(app_env, incident_id).status == "closed"


def test_a_refusal_stays_with_the_form_over_a_double_clicks_second_rerun(
    app_env: Database,
) -> None:
    """The second click of a double click reruns the page right after the refused save: the
    refusal is still said beside the form, opened afresh, until the next save."""
    incident_id = _incident(app_env)
    at = run_page("governance/incidents.py", LEAD)
    _step_by_other(app_env, incident_id, "causal_link")
    _save_step(at, "initial_report")
    assert REFUSED in _errors(at)
    at.run()  # the second click
    assert_no_exception(at)
    assert REFUSED in _errors(at)
    assert _incident_row(app_env, incident_id).initial_report_at is None
    _save_step(at, "initial_report")  # the form now shows, and saves against, the new version
    assert_no_exception(at)
    assert REFUSED not in _errors(at)
    assert _incident_row(app_env, incident_id).initial_report_at is not None


def _obligation(db: Database, obligation_id: int) -> obligations.ObligationRow:
    rows = obligations.list_obligations(db, ADMIN, today=FROZEN_TODAY)
    return next(r for r in rows if r.id == obligation_id)


def test_a_stale_obligation_save_is_refused_and_the_other_change_kept(app_env: Database) -> None:
    obligations.assign_obligations(app_env, ADMIN, make_model(app_env))
    page = ("governance/obligations.py", VA)
    at = run_page(*page, opened=("ob_update_open",))
    opened = _obligation(app_env, at.selectbox(key="ob_pick").value)
    obligations.update_obligation(
        app_env,
        ADMIN,
        opened.id,
        expected_version=opened.version,
        status=opened.status,
        due_date=opened.due_date,
        owner_id=opened.owner_id,
        note="by the other person",
    )
    note = "Note (required when not applicable)"
    _labelled(at.text_area, note).input("stale tab")
    _labelled(at.button, "Save").click().run()
    assert_no_exception(at)
    assert REFUSED in _errors(at)
    assert _obligation(app_env, opened.id).note == "by the other person"
    at = run_page(*page, opened=("ob_update_open",))
    _labelled(at.text_area, note).input("fresh tab")
    _labelled(at.button, "Save").click().run()
    assert_no_exception(at)
    assert _obligation(app_env, opened.id).note == "fresh tab"


def _report_notes(db: Database, report_id: int) -> tuple[str, str]:
    report = experiments.get_comparison(db, ADMIN, report_id).report
    return report.notes, report.status


def test_a_stale_report_notes_save_or_sign_off_is_refused(app_env: Database) -> None:
    runs = [RunSnapshot("r1", "trial-1", {"depth": "4"}, {"auc": 0.9})]
    now = app_env.clock.now()
    report_id = experiments.create_report(app_env, VA, title="Trial", runs=runs, now=now)
    at = run_page("governance/experiment_reports.py", VA)
    experiments.save_notes(app_env, ADMIN, report_id, "by the other person", expected_version=1)
    _labelled(at.text_area, "Notes").input("stale tab")
    _labelled(at.button, "Save notes").click().run()
    assert_no_exception(at)
    assert REFUSED in _errors(at)
    assert _report_notes(app_env, report_id) == ("by the other person", "draft")
    at = run_page("governance/experiment_reports.py", VA)
    _labelled(at.text_area, "Notes").input("fresh tab")
    _labelled(at.button, "Save notes").click().run()
    assert_no_exception(at)
    assert _report_notes(app_env, report_id) == ("fresh tab", "draft")
    # A sign-off never signs notes its signer has not seen.
    engineer = run_page("governance/experiment_reports.py", ENGINEER)
    experiments.save_notes(app_env, VA, report_id, "late words", expected_version=3)
    _labelled(engineer.button, "Sign off").click().run()
    assert REFUSED in _errors(engineer)
    assert _report_notes(app_env, report_id) == ("late words", "draft")
    engineer = run_page("governance/experiment_reports.py", ENGINEER)
    _labelled(engineer.button, "Sign off").click().run()
    assert_no_exception(engineer)
    assert _report_notes(app_env, report_id) == ("late words", "signed_off")


# Spend: the budget change form.


def test_a_stale_budget_change_is_refused_and_the_other_change_kept(app_env: Database) -> None:
    budgets.create_budget(
        app_env,
        ADMIN,
        name="R",
        scope="team",
        team_id=make_team(app_env, "Research"),
        amount="10",
        starts_on=FROZEN_TODAY.replace(day=1),
    )
    [budget] = budgets.list_budgets(app_env, ADMIN)
    budget_id = budget.id or 0

    def opened_page() -> Any:
        at = run_page("spend/budgets.py", FINANCE, opened=("budgets_change_open",))
        return at.selectbox(key="budget_edit").set_value(budget_id).run()

    def change_amount(at: Any, shown: str) -> None:
        next(t for t in at.text_input if t.label == "Amount" and t.value == shown).input("12.50")
        _labelled(at.button, "Save changes").click().run()
        assert_no_exception(at)

    at = opened_page()
    budgets.update_budget(app_env, ADMIN, budget_id, budget.version, amount="20")
    change_amount(at, "10")
    assert REFUSED in _errors(at)
    [kept] = budgets.list_budgets(app_env, ADMIN)
    assert kept.amount == Decimal("20")
    change_amount(opened_page(), "20")
    [saved] = budgets.list_budgets(app_env, ADMIN)
    assert saved.amount == Decimal("12.50")


# Coordination: one meeting's schedule, its notes and an agenda item.

START = datetime(2030, 3, 30, 8, 0, tzinfo=UTC)


def _move_by_other(db: Database, meeting_id: int) -> None:
    meetings.reschedule_meeting(
        db,
        ADMIN,
        meeting_id,
        starts_at=START + timedelta(days=7),
        duration_minutes=30,
        expected_version=1,
    )


def _move(at: Any, meeting_id: int) -> None:
    _labelled(at.date_input, "Date").set_value(date(2030, 3, 31))
    _labelled(at.button, "Reschedule").click().run()


def _day(db: Database, meeting_id: int) -> object:
    return meetings.meeting_detail(db, ADMIN, meeting_id).local_start.date()


def _notes_by_other(db: Database, meeting_id: int) -> None:
    meetings.save_meeting_minutes(db, ADMIN, meeting_id, "by the other person", expected_version=1)


def _write_notes(at: Any, meeting_id: int) -> None:
    _labelled(at.text_area, "General minutes").input("mine")
    _labelled(at.button, "Save notes").click().run()


def _notes(db: Database, meeting_id: int) -> object:
    return meetings.meeting_detail(db, ADMIN, meeting_id).meeting.minutes


def _item(db: Database, meeting_id: int) -> Any:
    [item] = meetings.meeting_detail(db, ADMIN, meeting_id).agenda
    return item


def _minutes_by_other(db: Database, meeting_id: int) -> None:
    item = _item(db, meeting_id)
    meetings.record_agenda_item(
        db, ADMIN, item.id, expected_version=item.version, minutes="by the other person"
    )


def _write_minutes(at: Any, meeting_id: int) -> None:
    _labelled(at.text_area, "Minutes").input("mine")
    # The key the old page gave the button too.
    next(b for b in at.button if b.key.startswith("ag_save_")).click().run()


def _minutes(db: Database, meeting_id: int) -> object:
    return _item(db, meeting_id).minutes


Change = Callable[[Database, int], None]
Edit = Callable[[Any, int], None]
Read = Callable[[Database, int], object]


@pytest.mark.parametrize(
    ("by_other", "edit", "read", "kept", "mine"),
    [
        (_move_by_other, _move, _day, date(2030, 4, 6), date(2030, 3, 31)),
        (_notes_by_other, _write_notes, _notes, "by the other person", "mine"),
        (_minutes_by_other, _write_minutes, _minutes, "by the other person", "mine"),
    ],
    ids=["schedule", "notes", "agenda_item"],
)
def test_a_stale_meeting_form_is_refused_and_the_other_change_kept(
    app_env: Database, by_other: Change, edit: Edit, read: Read, kept: object, mine: object
) -> None:
    m = meetings.create_meeting(
        app_env, VA, title="Sync", timezone="Europe/Berlin", starts_at=START
    )
    meeting_id = m.id or 0
    meetings.add_agenda_item(app_env, VA, meeting_id, "GPU quota")
    query = {"meeting": str(meeting_id)}
    at = run_page("coordination/meeting.py", VA, query=query)
    by_other(app_env, meeting_id)
    edit(at, meeting_id)
    assert_no_exception(at)
    assert REFUSED in _errors(at)
    assert read(app_env, meeting_id) == kept
    # Opened afresh, the same edit saves.
    at = run_page("coordination/meeting.py", VA, query=query)
    edit(at, meeting_id)
    assert_no_exception(at)
    assert not at.error
    assert read(app_env, meeting_id) == mine
