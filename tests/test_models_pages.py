"""AppTest of the Models and Experiment reports pages, and the deployment timeline chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import assert_no_exception, run_page

from db.engine import Database
from services.governance import cards, deployments, experiments
from services.governance.cards import CardContent, CardMetric
from services.governance.experiments import RunSnapshot
from tests.governance_builders import (
    ADMIN,
    ENGINEER,
    FINANCE,
    LEAD,
    NOW,
    VA,
    make_model,
    make_version,
)
from ui.charts_models import deployment_timeline
from ui.text import md_escape

MODELS = "governance/models.py"
REPORTS = "governance/experiment_reports.py"
XSS = "<img src=x onerror=alert(1)> **bold**"


def _text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [
        str(getattr(e, "value", ""))
        for e in (*at.markdown, *at.title, *at.caption, *at.header, *at.subheader, *at.text)
    ]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def _workspace(db: Database) -> int:
    model = make_model(db, "fraud-scorer", purpose=XSS)
    make_version(db, model, 1, run_id="run-1")
    make_version(db, model, 2, run_id="run-2")
    deployments.record_deployment(
        db, VA, model, version_number=1, environment="production", at=NOW, reason="launch"
    )
    deployments.record_deployment(
        db,
        VA,
        model,
        version_number=2,
        environment="production",
        at=NOW + timedelta(days=3),
        reason="retrained",
    )
    return model


@pytest.mark.parametrize("script", [MODELS, REPORTS])
@pytest.mark.parametrize("who", [VA, LEAD, ENGINEER, ADMIN])
def test_empty_pages_say_what_to_do(app_env: Database, script: str, who) -> None:  # type: ignore[no-untyped-def]
    at = run_page(script, who)
    assert_no_exception(at)
    assert any("No " in str(i.value) for i in at.info)


def test_finance_is_refused_experiment_reports(app_env: Database) -> None:
    at = run_page(REPORTS, FINANCE)
    assert_no_exception(at)
    assert any("Not allowed" in str(e.value) for e in at.error)


def test_a_model_page_shows_versions_history_and_text_literally(app_env: Database) -> None:
    model = _workspace(app_env)
    at = run_page(MODELS, ENGINEER, query={"model": str(model), "tab": "Deployments"})
    at.date_input(key=f"asof_{model}").set_value((NOW + timedelta(days=5)).date()).run()
    assert_no_exception(at)
    text = _text(at)
    assert XSS in text  # shown as text, not rendered
    assert "retrained" in text and "In production that day: v2" in text
    assert len(at.get("plotly_chart")) == 1
    versions = run_page(MODELS, ENGINEER, query={"model": str(model), "tab": "Versions"})
    assert_no_exception(versions)
    assert "run-2" in _text(versions)
    ops = run_page(MODELS, ENGINEER, query={"model": str(model), "tab": "Operations and cost"})
    assert_no_exception(ops)
    assert "No operations recorded yet" in str([i.value for i in ops.info])
    assert not any("Cost per million" in f.value.to_csv() for f in ops.dataframe)


def test_a_model_opens_on_a_pick_and_its_address_keeps_it(app_env: Database) -> None:
    model = _workspace(app_env)
    at = run_page(MODELS, VA)
    assert_no_exception(at)
    assert at.dataframe and not at.metric and not at.tabs  # the inventory, no model yet
    at.selectbox(key="models_pick").set_value(model).run()
    assert_no_exception(at)
    assert len(at.metric) == 4 and at.query_params["model"] in ([str(model)], str(model))


def test_a_published_cards_metrics_read_as_a_table_of_four_named_columns(
    app_env: Database,
) -> None:
    model = _workspace(app_env)
    run = "0123456789abcdef0123456789abcdef"
    content = CardContent(
        texts={"overview": "Trees."},
        metrics=(
            CardMetric("auc", 0.91, dataset="holdout", split="test", source_run_id=run),
            CardMetric("recall", 0.72, task="tabular-classification", slice="region=EU"),
        ),
    )
    draft = cards.save_draft(app_env, VA, model, content, expected_version=None, now=NOW)
    cards.sign_off(app_env, ENGINEER, model, expected_version=draft.version, now=NOW)
    cards.publish(app_env, LEAD, model, expected_version=draft.version + 1, now=NOW)
    at = run_page(MODELS, VA, query={"model": str(model)})
    assert_no_exception(at)
    [table] = [m.value for m in at.markdown if m.value.startswith("| Metric |")]
    lines = table.splitlines()
    assert lines[0] == "| Metric | Value | Evaluated on | Run |"
    assert lines[2] == f"| auc | 0{md_escape('.')}91 | holdout / test | 01234567 |"
    details = md_escape("slice region=EU, task tabular-classification")
    assert lines[3] == f"| recall | 0{md_escape('.')}72 | {details} |  |"


def test_only_the_open_tab_of_a_model_is_drawn(app_env: Database) -> None:
    model = _workspace(app_env)
    closed = run_page(MODELS, VA, query={"model": str(model)})
    assert_no_exception(closed)
    assert not [t for t in closed.text_area if t.key.startswith(f"card_{model}_")]  # until opened
    assert not [t for t in closed.text_input if t.key == "models_add_0_name"]
    card = run_page(MODELS, VA, query={"model": str(model)}, opened=(f"card_edit_open_{model}",))
    assert_no_exception(card)
    assert [t for t in card.text_area if t.key.startswith(f"card_{model}_")]  # the draft form
    assert not card.get("plotly_chart")
    assert not [d for d in card.date_input if d.key == f"asof_{model}"]  # Deployments' picker
    deploy = run_page(MODELS, VA, query={"model": str(model), "tab": "Deployments"})
    assert_no_exception(deploy)
    assert len(deploy.get("plotly_chart")) == 1
    assert not [t for t in deploy.text_area if t.key.startswith(f"card_{model}_")]  # no draft


def test_a_va_saves_a_draft_and_a_lead_publishes_it(app_env: Database) -> None:
    model = _workspace(app_env)
    at = run_page(MODELS, VA, query={"model": str(model)}, opened=(f"card_edit_open_{model}",))
    at.text_area(key=f"card_{model}_0_overview").set_value("Scores payments.")
    at.button(key=f"FormSubmitter:card_{model}_0-Save draft").click().run()
    assert_no_exception(at)
    draft = cards.draft_of(app_env, VA, model)
    assert draft is not None and draft.content.texts["overview"] == "Scores payments."
    assert not [b for b in at.button if b.label == "Publish card"]  # a VA cannot publish
    lead = run_page(MODELS, LEAD, query={"model": str(model)})
    [publish] = [b for b in lead.button if b.label == "Publish card"]
    publish.click().run()
    assert_no_exception(lead)
    assert [c.number for c in cards.published(app_env, LEAD, model)] == [1]


def test_a_draft_changed_since_it_was_opened_is_never_saved_or_signed_unread(
    app_env: Database,
) -> None:
    """Forms and buttons keep the version the person opened: a save or a sign-off after
    someone else's change is refused with a message (it used to vanish without a word, the
    form redrawn under a new key), and nothing the person has not read is signed off."""
    model = _workspace(app_env)
    first = CardContent(texts={"overview": "v1"})
    cards.save_draft(app_env, VA, model, first, expected_version=None, now=NOW)
    opened = cards.draft_of(app_env, VA, model)
    assert opened is not None
    va = run_page(MODELS, VA, query={"model": str(model)}, opened=(f"card_edit_open_{model}",))
    engineer = run_page(MODELS, ENGINEER, query={"model": str(model)})
    form = f"card_{model}_{opened.version}"
    other = CardContent(texts={"overview": "other tab"})
    cards.save_draft(app_env, VA, model, other, expected_version=opened.version, now=NOW)
    va.text_area(key=f"{form}_overview").set_value("stale tab")
    va.button(key=f"FormSubmitter:{form}-Save draft").click().run()
    assert "changed by someone else since you opened it" in " ".join(e.value for e in va.error)
    engineer.button(key=f"{form}_sign").click().run()
    assert "changed by someone else" in " ".join(e.value for e in engineer.error)
    draft = cards.draft_of(app_env, VA, model)
    assert draft is not None and draft.content.texts["overview"] == "other tab"
    assert draft.signed_off_by is None
    # Opened afresh, the same buttons act on what is now shown.
    engineer = run_page(MODELS, ENGINEER, query={"model": str(model)})
    engineer.button(key=f"card_{model}_{draft.version}_sign").click().run()
    assert_no_exception(engineer)
    signed = cards.draft_of(app_env, VA, model)
    assert signed is not None and signed.signed_off_by == ENGINEER.email


def test_two_published_versions_show_their_difference(app_env: Database) -> None:
    model = _workspace(app_env)
    for text in ("first words", "second words"):
        draft = cards.draft_of(app_env, VA, model)
        d = cards.save_draft(
            app_env,
            VA,
            model,
            CardContent(texts={"limitations": text}),
            expected_version=draft.version if draft else None,
            now=NOW,
        )
        cards.publish(app_env, LEAD, model, expected_version=d.version, now=NOW)
    at = run_page(MODELS, VA, query={"model": str(model)})
    assert_no_exception(at)
    assert "second words" in _text(at) and "first words" not in _text(at)  # the latest card
    at = run_page(MODELS, VA, query={"model": str(model)}, opened=(f"cmp_open_{model}",))
    assert_no_exception(at)
    assert "first words" in _text(at) and "second words" in _text(at)


def test_a_report_page_compares_and_an_engineer_signs_off(app_env: Database) -> None:
    runs = [RunSnapshot("r1", "trial-1", {"depth": "4"}, {"auc": 0.9})]
    report = experiments.create_report(app_env, VA, title=XSS, runs=runs, now=NOW)
    at = run_page(REPORTS, ENGINEER)
    assert_no_exception(at)
    assert "trial-1" in _text(at)
    [sign] = [b for b in at.button if b.label == "Sign off"]
    sign.click().run()
    assert_no_exception(at)
    assert experiments.get_comparison(app_env, VA, report).report.status == "signed_off"


def test_a_report_page_shows_each_runs_change_against_production(app_env: Database) -> None:
    model = _workspace(app_env)  # v2 (auc 0.92) is live in production
    runs = [RunSnapshot("r1", "trial-1", {}, {"auc": 0.95}), RunSnapshot("r2", "t2", {}, {})]
    experiments.create_report(app_env, VA, title="Sweep", runs=runs, now=NOW, model_id=model)
    at = run_page(REPORTS, VA)
    assert_no_exception(at)
    [auc] = at.dataframe[0].value.values.tolist()
    assert auc == ["auc", "0.92", "0.95 (+0.03)", "", "trial-1"]
    assert "In brackets: the change against production v2." in [c.value for c in at.caption]


def test_a_report_goes_on_a_meeting_agenda_from_the_page_once(app_env: Database) -> None:
    """Opening "Put on a meeting's agenda" raised NameError: the page called a function it
    defined further down."""
    from sqlmodel import select

    from db.models import AgendaItem
    from services.coordination.meetings import create_meeting

    runs = [RunSnapshot("r1", "trial-1", {}, {"auc": 0.9})]
    report = experiments.create_report(app_env, VA, title="Sweep", runs=runs, now=NOW)
    opened = (f"report_attach_open_{report}",)
    empty = run_page(REPORTS, VA, opened=opened)
    assert_no_exception(empty)
    assert "No meetings ahead: create one on the Meetings page." in [c.value for c in empty.caption]
    meeting = create_meeting(
        app_env, ADMIN, title="Model review", starts_at=NOW + timedelta(days=30), timezone="UTC"
    ).id
    at = run_page(REPORTS, VA, opened=opened)
    assert_no_exception(at)
    for _ in range(2):  # a second click adds nothing
        at.button(key=f"report_attach_{report}").click().run()
        assert_no_exception(at)
    with app_env.read() as s:
        titles = s.exec(select(AgendaItem.title).where(AgendaItem.meeting_id == meeting)).all()
    assert titles == ["Experiment review: Sweep"]


def test_the_timeline_has_a_bar_per_deployment_with_live_ones_to_now(db: Database) -> None:
    model = _workspace(db)
    views = deployments.history(db, VA, model)
    fig = deployment_timeline(views, NOW + timedelta(days=10))
    assert [bar.text[0] for bar in fig.data] == ["v1", "v2"]
    assert fig.data[1].x[0] == timedelta(days=7).total_seconds() * 1000


def test_a_model_is_changed_from_its_page_vendor_and_contract_included(app_env: Database) -> None:
    """Issue: a model could be added but never changed: a risk class assessed after the model
    was added, a retirement, a new owner or the vendor contract it runs under had no way in."""
    from services.governance.inventory import get_model
    from tests.builders import make_contract, make_person, make_vendor

    model = make_model(app_env, "doc-summarizer", risk_class="unassessed", status="staging")
    vendor = make_vendor(app_env, "Lumen LLM")
    contract = make_contract(app_env, vendor, title="Lumen API enterprise")
    make_person(app_env, "Olga Owner", "olga@example.com")
    opened = (f"models_edit_open_{model}",)
    at = run_page(MODELS, VA, query={"model": str(model)}, opened=opened)
    assert_no_exception(at)
    prefix = f"models_edit_{model}_1"
    assert at.text_input(key=f"{prefix}_name").value == "doc-summarizer"
    assert at.selectbox(key=f"{prefix}_status").value == "staging"
    # A vendor's API with no vendor named is refused, and nothing changes.
    at.selectbox(key=f"{prefix}_source").select("vendor_api")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    assert any("needs the vendor" in e.value for e in at.error)
    assert get_model(app_env, VA, model, today=NOW.date()).model.version == 1
    at.run()
    prefix = f"models_edit_{model}_1"
    at.selectbox(key=f"{prefix}_source").select("vendor_api")
    at.selectbox(key=f"{prefix}_vendor").select(vendor)
    at.selectbox(key=f"{prefix}_contract").select(contract)
    at.selectbox(key=f"{prefix}_risk").select("limited")
    at.selectbox(key=f"{prefix}_status").select("production")
    at.text_input(key=f"{prefix}_owner").input("Olga@Example.com")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    saved = get_model(app_env, VA, model, today=NOW.date())
    m = saved.model
    assert (m.source, m.vendor_id, m.contract_id) == ("vendor_api", vendor, contract)
    assert (m.risk_class, m.status, m.version) == ("limited", "production", 2)
    assert saved.row.owner == "Olga Owner" and saved.contract is not None
    # The page now reads the contract it is covered by, and the form opens at version 2.
    assert any("Covered by Lumen LLM · Lumen API enterprise" in c.value for c in at.caption)
    assert at.selectbox(key=f"models_edit_{model}_2_contract").value == contract


def test_the_change_form_is_only_for_roles_that_edit_models(app_env: Database) -> None:
    model = make_model(app_env)
    for role, shown in ((VA, True), (ENGINEER, True), (FINANCE, False)):
        at = run_page(MODELS, role, query={"model": str(model)})
        assert_no_exception(at)
        labels = [e.label for e in at.expander]
        assert any(label.startswith("Change this model") for label in labels) is shown, role


def test_a_version_is_added_by_hand_with_its_metrics_and_a_bad_one_changes_nothing(
    app_env: Database,
) -> None:
    """The Versions tab said versions "are added by hand", and offered no way to."""
    from services.governance.inventory import get_model

    model = make_model(app_env, "churn-predictor")
    query = {"model": str(model), "tab": "Versions"}
    at = run_page(MODELS, VA, query=query)
    assert_no_exception(at)
    key = f"version_add_{model}_0"  # open at once: the model has no version yet
    assert at.number_input(key=f"{key}_number").value == 1
    at.text_area(key=f"{key}_metrics").input("auc=0.91\nf1 0.8")
    next(b for b in at.button if b.label == "Add version").click().run()
    assert_no_exception(at)
    refusal = "metric 'f1 0.8' is not name=number (e.g. auc=0.91)"
    assert [e.value for e in at.error] == [md_escape(refusal)]
    assert get_model(app_env, VA, model, today=NOW.date()).versions == []
    at.text_area(key=f"{key}_metrics").input("auc=0.91, f1=0.8")
    at.text_input(key=f"{key}_run").input("run-7")
    next(b for b in at.button if b.label == "Add version").click().run()
    assert_no_exception(at)
    [version] = get_model(app_env, VA, model, today=NOW.date()).versions
    assert (version.number, version.run_id, version.registered_by) == (1, "run-7", VA.email)
    assert version.metrics == {"auc": 0.91, "f1": 0.8}
    # The form opens afresh at the next number; the table shows the version.
    assert at.number_input(key=f"version_add_{model}_1_number").value == 2
    assert at.dataframe[-1].value["Version"].tolist() == [1]
    at.number_input(key=f"version_add_{model}_1_number").set_value(1)
    next(b for b in at.button if b.label == "Add version").click().run()
    assert [e.value for e in at.error] == [md_escape("version 1 exists already")]
