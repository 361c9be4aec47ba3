"""AppTest of the governance pages: Obligations, Incidents, Drift policies, Annex IV pack."""

from __future__ import annotations

import json
from datetime import timedelta

from conftest import actor, assert_no_exception, run_page
from governance_builders import NOW, make_person
from governance_record_builders import ADMIN, BERLIN, VA, make_model, make_vendor_model
from sqlmodel import col, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    DriftBreach,
    DriftPolicy,
    GovernanceReview,
    Incident,
    Meeting,
)
from services.governance import cards, drift, incident_views, incidents, obligations, reviews
from services.governance.cards import CardContent, CardMetric
from services.governance.drift import PolicyInput
from services.governance.incidents import IncidentInput
from services.governance.inventory import add_version

LEAD = actor("lead")


def _incident(db: Database, model: int) -> int:
    now = db.clock.now()
    data = IncidentInput(
        title="Chatbot gave dosage advice",
        category="other_serious",
        aware_at=now - timedelta(hours=2),
        model_ids=[model],
    )
    return incidents.record_incident(db, VA, data, now=now, tz=BERLIN)


def test_incidents_page_shows_time_left_the_notice_and_the_hold(app_env: Database) -> None:
    ids = make_vendor_model(app_env)
    incident_id = _incident(app_env, ids["model"])
    at = run_page("governance/incidents.py", VA, opened=(f"notice_open_{incident_id}",))
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert table["Incident"].tolist() == ["Chatbot gave dosage advice"]
    # The deployer's notice to the provider is due at once (Art. 26(5)): two hours late now.
    assert table["Next deadline"].iloc[0] == "Inform the provider (Art. 26(5))"
    assert table["Time left"].iloc[0].startswith("overdue by 2 h")
    assert table["Report due"].iloc[0] is not None
    # Times read in the workspace zone, to the minute: no "+00:00" and no seconds.
    assert table["Aware"].dt.tz is None and table["Report due"].dt.tz is None
    shown = json.loads(at.dataframe[0].proto.columns)
    assert shown["Aware"]["type_config"]["format"] == "YYYY-MM-DD HH:mm"
    clocks_table = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "| Art. 73(2) |" in clocks_table
    assert any("support@lumen.example" in t.label for t in at.text_area)
    # A section's title holds no address: the browser links it, and a click opened mail.
    assert not [e.label for e in at.expander if "@" in e.label]
    assert any("refused" in w.value for w in at.warning)
    assert "not legal advice" in at.caption[0].value


def test_a_lead_closes_an_incident_from_the_page(app_env: Database) -> None:
    model = make_model(app_env)
    incident_id = _incident(app_env, model)
    at = run_page("governance/incidents.py", LEAD)
    at.button(key=f"incident_{incident_id}_1_close").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        row = s.get(Incident, incident_id)
        assert row is not None and row.status == "closed" and row.closed_by == LEAD.email


def test_a_va_records_an_incident_through_the_form(app_env: Database) -> None:
    model = make_model(app_env)
    at = run_page("governance/incidents.py", VA)
    at.text_input[0].input("Wrong credit decisions")
    at.selectbox[0].select("death")
    at.multiselect[0].select(model)
    at.button[0].click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        rows = s.exec(select(Incident)).all()
        assert [r.title for r in rows] == ["Wrong credit decisions"]
        assert rows[0].category == "death" and rows[0].evidence_hold


def test_the_incident_form_defaults_to_now_so_an_early_record_is_not_refused(
    app_env: Database,
) -> None:
    """Found at 06:30: the form's default time is now, not a fixed 09:00 later today (which
    the service refuses as in the future)."""
    from datetime import UTC, datetime

    from db.clock import FrozenClock

    model = make_model(app_env)
    found = datetime(2026, 11, 23, 6, 30, 41, tzinfo=UTC)  # the test workspace's zone is UTC
    at = run_page("governance/incidents.py", VA, clock=FrozenClock(found))
    at.text_input[0].input("Scorer leaked PII")
    at.multiselect[0].select(model)
    at.button[0].click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    with app_env.read() as s:
        [row] = s.exec(select(Incident)).all()
    assert row.aware_at.replace(tzinfo=UTC) == found.replace(second=0)


def test_obligations_page_draws_the_calendar_and_the_states(app_env: Database) -> None:
    model = make_model(app_env)
    obligations.assign_obligations(app_env, ADMIN, model)
    at = run_page("governance/obligations.py", VA)
    assert_no_exception(at)
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert "Risk management system" in table["Obligation"].tolist()


def test_evidence_opens_downloads_and_is_archived_from_the_page(app_env: Database) -> None:
    model = make_model(app_env)
    obligations.assign_obligations(app_env, ADMIN, model)
    at = run_page("governance/obligations.py", VA)
    chosen = at.selectbox(key="ob_pick").value
    file_id = obligations.add_evidence(
        app_env, VA, chosen, title="Risk register", now=NOW, file_name="r.pdf", content=b"%PDF"
    )
    obligations.add_evidence(
        app_env, VA, chosen, title="Wiki", now=NOW, url="https://wiki.example/risk"
    )
    at = run_page("governance/obligations.py", VA, opened=("ob_evidence_open",))
    assert_no_exception(at)
    [download] = at.get("download_button")
    assert download.proto.label == "Download"
    [opener] = at.get("link_button")
    assert opener.proto.url == "https://wiki.example/risk"
    # The uploader announces the service's own limit, not the server's 512 MB.
    [uploader] = at.get("file_uploader")
    assert uploader.proto.max_upload_size_mb == obligations.MAX_EVIDENCE_BYTES // 2**20 == 10
    at.button(key=f"ev_archive_{file_id}").click().run()
    assert_no_exception(at)
    assert [e.title for e in obligations.list_evidence(app_env, VA, chosen)] == ["Wiki"]


def test_drift_page_lists_policies_with_their_last_breach(app_env: Database) -> None:
    model = make_model(app_env)
    pid = drift.create_policy(
        app_env,
        VA,
        PolicyInput(model_id=model, metric="psi", warning_threshold=0.1, critical_threshold=0.2),
    )
    drift.record_reading(app_env, VA, pid, 0.3, app_env.clock.now() - timedelta(hours=1), tz=BERLIN)
    at = run_page("governance/drift_policies.py", VA)
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert table["Level"].tolist() == ["critical"]
    assert table["Last breach"].dt.tz is None


def test_a_reading_starts_empty_and_an_untyped_one_records_nothing(app_env: Database) -> None:
    model = make_model(app_env)
    drift.create_policy(
        app_env,
        VA,
        PolicyInput(
            model_id=model,
            metric="auc",
            warning_threshold=0.8,
            critical_threshold=0.7,
            direction="below",  # a 0 read as a value would be a critical breach
        ),
    )
    at = run_page("governance/drift_policies.py", VA, opened=("drift_reading_open",))
    [value] = [n for n in at.number_input if n.label == "Value"]
    assert value.value is None
    [record] = [b for b in at.button if b.label == "Record reading"]
    record.click().run()
    assert_no_exception(at)
    assert [e.value for e in at.error] == ["Enter the value read. Nothing was recorded."]
    with app_env.read() as s:
        assert s.exec(select(DriftBreach)).all() == [] and s.exec(select(ActionItem)).all() == []
    [value] = [n for n in at.number_input if n.label == "Value"]
    value.set_value(0.65)
    [record] = [b for b in at.button if b.label == "Record reading"]
    record.click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        [breach] = s.exec(select(DriftBreach)).all()
        assert (breach.value, breach.level) == (0.65, "critical")


def test_annex_iv_page_lists_gaps_with_owners_and_offers_both_downloads(
    app_env: Database,
) -> None:
    make_model(app_env)
    at = run_page("governance/annex_iv.py", VA)
    assert_no_exception(at)
    assert int(at.metric[0].value) > 0
    assert len(at.get("download_button")) == 2


def test_annex_iv_page_shows_the_pack_as_one_document_with_record_text_literally(
    app_env: Database,
) -> None:
    hostile = "<img src=x onerror=alert(1)> **bold** # not a heading"
    make_model(app_env, purpose=hostile)
    at = run_page("governance/annex_iv.py", VA)
    assert_no_exception(at)
    [pack] = [m.value for m in at.markdown if "General description" in m.value]
    assert "<img" not in pack.replace("\\<img", "")  # escaped: shown, never rendered
    assert hostile in pack.replace("\\", "")
    assert "#### 1. General description" in pack


def test_annex_iv_page_shows_the_versions_and_metrics_tables_not_missing(
    app_env: Database,
) -> None:
    model = make_model(app_env)
    add_version(app_env, ADMIN, model, number=1, run_id="run_a|1", now=NOW, metrics={})
    content = CardContent(
        texts={"overview": "Trees."},
        metrics=(CardMetric("recall", 0.72, dataset="holdout", split="test", slice="EU"),),
    )
    draft = cards.save_draft(app_env, VA, model, content, expected_version=None, now=NOW)
    cards.sign_off(app_env, actor("engineer"), model, expected_version=draft.version, now=NOW)
    cards.publish(app_env, LEAD, model, expected_version=draft.version + 1, now=NOW)
    at = run_page("governance/annex_iv.py", VA)
    assert_no_exception(at)
    [pack] = [m.value for m in at.markdown if "General description" in m.value]
    assert "**Accuracy per group \\(card metrics per slice\\):** \n" in pack
    assert "Accuracy per group \\(card metrics per slice\\):** Missing" not in pack
    assert "| Metric | Dataset | Split | Slice | Value |" in pack
    assert "| recall | holdout | test | EU | 0\\.72 |" in pack
    assert "| v1 |" in pack and "run\\_a\\|1" in pack  # a run id's pipe stays in its cell
    gaps = {item for item in at.dataframe[0].value["Missing"]}
    assert "Accuracy per group (card metrics per slice)" not in gaps


def test_finance_cannot_open_the_governance_pages(app_env: Database) -> None:
    make_model(app_env)
    at = run_page("governance/incidents.py", actor("finance"))
    assert any("Not allowed" in e.value for e in at.error)


def _auc_policy(db: Database, **kw: object) -> int:
    return drift.create_policy(
        db,
        VA,
        PolicyInput(
            model_id=kw.pop("model", None) or make_model(db),  # type: ignore[arg-type]
            metric="auc",
            warning_threshold=0.8,
            critical_threshold=0.7,
            direction="below",
            **kw,  # type: ignore[arg-type]
        ),
    )


def test_a_policy_is_changed_from_the_page_and_a_stale_save_is_refused(
    app_env: Database,
) -> None:
    pid = _auc_policy(app_env, runbook_url="https://runbooks.example/auc")
    at = run_page("governance/drift_policies.py", VA, opened=("drift_edit_open",))
    assert_no_exception(at)
    # The form opens filled from the policy.
    assert at.number_input(key=f"drift_edit_{pid}_1_warning").value == 0.8
    assert at.radio(key=f"drift_edit_{pid}_1_direction").value == "below"
    assert at.text_input(key=f"drift_edit_{pid}_1_runbook").value == "https://runbooks.example/auc"
    # Someone else saves first: this save is refused and changes nothing.
    [row] = drift.list_policies(app_env, VA)
    data = PolicyInput(
        model_id=row.model_id,
        metric="auc",
        warning_threshold=0.85,
        critical_threshold=0.7,
        direction="below",
    )
    drift.update_policy(app_env, VA, pid, data, expected_version=1)
    at.number_input(key=f"drift_edit_{pid}_1_critical").set_value(0.6)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    assert at.error
    [row] = drift.list_policies(app_env, VA)
    assert (row.warning_threshold, row.critical_threshold, row.version) == (0.85, 0.7, 2)
    # The next run opens the form afresh at version 2, with the other save's values.
    at.run()
    assert at.number_input(key=f"drift_edit_{pid}_2_warning").value == 0.85
    at.number_input(key=f"drift_edit_{pid}_2_critical").set_value(0.6)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    [row] = drift.list_policies(app_env, VA)
    assert (row.warning_threshold, row.critical_threshold, row.version) == (0.85, 0.6, 3)


def test_a_policy_is_archived_after_a_confirmation_and_written_again_comes_back(
    app_env: Database,
) -> None:
    pid = _auc_policy(app_env)
    drift.record_reading(app_env, VA, pid, 0.65, app_env.clock.now(), tz=BERLIN)
    at = run_page("governance/drift_policies.py", VA, opened=("drift_edit_open",))
    at.button(key=f"drift_archive_{pid}").click().run()
    assert drift.list_policies(app_env, VA) != []  # one click only asks
    at.button(key=f"confirm_drift_archive_{pid}_yes").click().run()
    assert_no_exception(at)
    assert drift.list_policies(app_env, VA) == []
    assert not at.dataframe  # the table is gone with its only policy
    # The same metric written again is the same policy, live again, with its breach.
    with app_env.read() as s:
        archived = s.get(DriftPolicy, pid)
        assert archived is not None and archived.archived_at is not None
        assert [b.policy_id for b in s.exec(select(DriftBreach)).all()] == [pid]
    again = _auc_policy(app_env, model=archived.model_id, action="retrain")
    assert again == pid
    [row] = drift.list_policies(app_env, VA)
    assert (row.action, row.last_breach_level) == ("retrain", "critical")


def test_an_incident_is_handed_over_from_the_page_and_its_step_form_still_saves(
    app_env: Database,
) -> None:
    model = make_model(app_env)
    incident_id = _incident(app_env, model)
    nina = make_person(app_env, "Nina Next", "nina@example.com")
    opened = (f"incident_details_open_{incident_id}",)
    at = run_page("governance/incidents.py", VA, opened=opened)
    assert_no_exception(at)
    prefix = f"incident_details_{incident_id}_1"
    assert at.text_input(key=f"{prefix}_title").value == "Chatbot gave dosage advice"
    at.selectbox(key=f"{prefix}_owner").select(nina)
    at.selectbox(key=f"{prefix}_status").select("investigating")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    [view] = incident_views.list_incidents(app_env, VA, tz=BERLIN)
    assert (view.owner, view.status, view.version) == ("Nina Next", "investigating", 2)
    # The step form, drawn before the save at version 1, opens afresh: its save is taken.
    at.run()
    next(b for b in at.button if b.label == "Save step").click().run()
    assert_no_exception(at)
    assert not at.error
    [view] = incident_views.list_incidents(app_env, VA, tz=BERLIN)
    assert view.version == 3 and view.causal_link_at is not None


def _agenda(db: Database, meeting_id: int) -> dict[str, str]:
    with db.read() as s:
        rows = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)).all()
        return {a.title: a.details for a in rows}


def test_a_governance_review_series_is_set_up_from_the_meetings_page(app_env: Database) -> None:
    """Governance reviews existed only in the demo: no page or command could start one."""
    _incident(app_env, make_model(app_env))
    at = run_page("coordination/meetings.py", VA, opened=("meetings_new_open",))
    at.text_input(key="new_title").input("AI governance review")
    at.checkbox(key="new_review").check()
    at.button(key="new_submit").click().run()  # one-off: refused
    assert_no_exception(at)
    assert "repeats" in at.error[0].value
    with app_env.read() as s:
        assert s.exec(select(GovernanceReview)).all() == []
    at.radio(key="new_kind").set_value("monthly")
    at.button(key="new_submit").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        [review] = s.exec(select(GovernanceReview)).all()
        first = s.exec(
            select(Meeting)
            .where(Meeting.series_id == review.series_id)
            .order_by(col(Meeting.starts_at))
        ).first()
    assert first is not None and first.title == "AI governance review"
    assert at.query_params["meeting"] in ([str(first.id)], str(first.id))
    agenda = _agenda(app_env, first.id or 0)
    assert "Chatbot gave dosage advice" in agenda["Open incidents and their clocks"]


def test_a_review_meeting_refills_its_agenda_and_other_meetings_offer_no_refill(
    app_env: Database,
) -> None:
    now = app_env.clock.now()
    created = reviews.create_review_series(
        app_env, VA, title="AI governance review", first_starts_at=now + timedelta(days=20),
        tz=BERLIN, now=now,
    )  # fmt: skip
    meeting_id = created.first_meeting_id or 0
    assert "Chatbot" not in _agenda(app_env, meeting_id)["Open incidents and their clocks"]
    _incident(app_env, make_model(app_env))  # recorded after the agenda was filled
    at = run_page("coordination/meeting.py", VA, query={"meeting": str(meeting_id)})
    at.button(key="meeting_refill").click().run()
    assert_no_exception(at)
    assert (
        "Chatbot gave dosage advice"
        in _agenda(app_env, meeting_id)["Open incidents and their clocks"]
    )
    with app_env.read() as s:
        review_meeting = s.exec(
            select(Meeting).where(col(Meeting.title).startswith("Post-incident review"))
        ).one()
    other = run_page("coordination/meeting.py", VA, query={"meeting": str(review_meeting.id)})
    assert_no_exception(other)
    assert not [b for b in other.button if b.key == "meeting_refill"]
