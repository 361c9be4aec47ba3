"""Model inventory, cards (draft, sign-off, publish, compare, export) and deployment history."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from huggingface_hub import ModelCard
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent
from db.models import ModelCard as CardRow
from services.access.access import NotAllowed
from services.governance import cards, deployments, inventory
from services.governance.card_export import card_markdown, export_card
from services.governance.cards import CardContent, CardMetric
from services.governance.inventory import GovernanceError, ModelFilter, ModelInput
from tests.governance_builders import (
    ADMIN,
    ENGINEER,
    FINANCE,
    LEAD,
    NOW,
    VA,
    make_model,
    make_person,
    make_version,
)

UTC_ZONE = ZoneInfo("UTC")


def _content(**texts: str) -> CardContent:
    base = {"overview": "Gradient-boosted trees over payment features.", "license": "apache-2.0"}
    metrics = (
        CardMetric("auc", 0.91, task="tabular-classification", dataset="holdout", split="test"),
        CardMetric("recall", 0.72, dataset="holdout", split="test", slice="region=EU"),
    )
    return CardContent(texts={**base, **texts}, metrics=metrics)


def test_models_filter_by_status_risk_and_owner(db: Database) -> None:
    owner = make_person(db)
    make_model(db, "fraud-scorer", owner_email="dana@example.com")
    make_model(db, "churn", status="development", risk_class="minimal")
    assert [
        r.name for r in inventory.list_models(db, VA, ModelFilter(statuses=("production",)))
    ] == ["fraud-scorer"]
    assert [r.name for r in inventory.list_models(db, VA, ModelFilter(owner_id=owner))] == [
        "fraud-scorer"
    ]
    assert [
        r.name for r in inventory.list_models(db, VA, ModelFilter(risk_classes=("minimal",)))
    ] == ["churn"]


def test_a_vendor_model_needs_its_vendor_and_unknown_owners_are_refused(db: Database) -> None:
    with pytest.raises(GovernanceError, match="vendor"):
        inventory.create_model(db, ADMIN, ModelInput(name="x", source="vendor_api"), NOW)
    with pytest.raises(GovernanceError, match="unknown owner"):
        inventory.create_model(db, ADMIN, ModelInput(name="x", owner_email="no@x.example"), NOW)
    assert inventory.list_models(db, ADMIN) == []


def test_finance_cannot_edit_models_and_the_refusal_is_audited(db: Database) -> None:
    with pytest.raises(NotAllowed):
        make_model_as = inventory.create_model
        make_model_as(db, FINANCE, ModelInput(name="x"), NOW)
    with db.read() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "denied")).first()


def test_a_va_drafts_an_engineer_signs_off_a_lead_publishes_append_only(db: Database) -> None:
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.sign_off(db, ENGINEER, model, expected_version=draft.version, now=NOW)
    signed = cards.draft_of(db, VA, model)
    assert signed is not None and signed.signed_off_by == ENGINEER.email
    with pytest.raises(NotAllowed):
        cards.publish(db, VA, model, expected_version=signed.version, now=NOW)
    first = cards.publish(db, LEAD, model, expected_version=signed.version, now=NOW)
    assert (first.number, first.published_by, first.signed_off_by) == (
        1,
        LEAD.email,
        ENGINEER.email,
    )
    assert len(first.content.metrics) == 2
    # The draft stays editable; an edit clears its sign-off and leaves version 1 as it was.
    edited = cards.save_draft(
        db,
        VA,
        model,
        _content(limitations="Not for loans."),
        expected_version=signed.version,
        now=NOW,
    )
    assert edited.signed_off_by is None
    second = cards.publish(db, ENGINEER, model, expected_version=edited.version, now=NOW)
    assert [c.number for c in cards.published(db, VA, model)] == [2, 1]
    assert cards.card(db, VA, model, 1).content.texts["limitations"] == ""
    changes = cards.compare(first, second)
    assert [(c.what, c.before, c.after) for c in changes] == [("Limitations", "", "Not for loans.")]


def test_a_stale_draft_form_is_refused(db: Database) -> None:
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.save_draft(db, VA, model, _content(), expected_version=draft.version, now=NOW)
    with pytest.raises(inventory.StaleEdit):
        cards.save_draft(db, VA, model, _content(), expected_version=draft.version, now=NOW)


def test_drafting_from_a_version_takes_its_run_metrics_and_keeps_the_text(db: Database) -> None:
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    v2 = make_version(db, model, 2, metrics={"auc": 0.93, "logloss": 0.2}, run_id="run-2")
    fresh = cards.draft_from_version(db, VA, model, v2, now=NOW)
    assert fresh.model_version == 2
    assert fresh.content.texts["overview"].startswith("Gradient")
    overall = {m.metric: m.value for m in fresh.content.metrics if not m.slice and not m.dataset}
    assert overall == {"auc": 0.93, "logloss": 0.2}
    assert any(m.slice == "region=EU" for m in fresh.content.metrics)  # the fairness record stays


def test_exported_markdown_reads_back_in_huggingface_hub(db: Database) -> None:
    model = make_model(db, "fraud-scorer")
    texts = {"base_model": "xgboost/base", "overview": 'Says "hi": a: b\n- not a list'}
    draft = cards.save_draft(db, VA, model, _content(**texts), expected_version=None, now=NOW)
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    text = export_card(db, VA, "fraud-scorer", None)
    card = ModelCard(text)
    assert card.data.license == "apache-2.0"
    assert card.data.base_model == "xgboost/base"
    results = {(r.metric_type, r.metric_config): r.metric_value for r in card.data.eval_results}
    assert results == {("auc", None): 0.91, ("recall", "region=EU"): 0.72}
    assert 'Says "hi": a: b' in card.text
    assert card_markdown(cards.card(db, VA, model, 1)) == text


def test_which_version_was_in_production_on_a_day(db: Database) -> None:
    model = make_model(db)
    make_version(db, model, 1)
    make_version(db, model, 2)
    day1, day5 = NOW, NOW + timedelta(days=4)
    deployments.record_deployment(
        db,
        VA,
        model,
        version_number=1,
        environment="production",
        at=day1,
        reason="first launch",
        approver=LEAD.email,
    )
    deployments.record_deployment(
        db,
        ENGINEER,
        model,
        version_number=2,
        environment="production",
        at=day5,
        reason="better recall",
    )

    def live(day_offset: int) -> list[int]:
        day = (NOW + timedelta(days=day_offset)).date()
        return [v.version for v in deployments.live_on(db, VA, model, day, UTC_ZONE)]

    assert live(-1) == []
    assert live(2) == [1]
    assert live(4) == [1, 2]  # changed that day
    assert live(30) == [2]
    first = deployments.history(db, VA, model)[-1]
    assert (first.approver, first.end_reason) == (LEAD.email, "replaced by v2")
    with pytest.raises(GovernanceError, match="rewrite history"):
        deployments.record_deployment(
            db, VA, model, version_number=1, environment="production", at=day1, reason="backdated"
        )
    rows = deployments.report_rows(
        db, VA, "fraud-scorer", as_of=(NOW + timedelta(days=2)).date(), tz=UTC_ZONE
    )
    assert [r["version"] for r in rows] == [1]


def test_publishing_keeps_the_draft_beside_the_published_version(db: Database) -> None:
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    with db.read() as s:
        rows = s.exec(select(CardRow).where(CardRow.model_id == model)).all()
    assert sorted((r.number, r.status) for r in rows) == [(0, "draft"), (1, "published")]


def test_an_unchanged_draft_is_not_published_twice(db: Database) -> None:
    """A double click on Publish (the draft's version does not move) made v1 and an identical
    v2, both kept for good."""
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    with pytest.raises(GovernanceError, match="same as published version 1"):
        cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    assert [c.number for c in cards.published(db, VA, model)] == [1]
    # A new review date alone is a change worth a version.
    content = dataclasses.replace(_content(), review_by=NOW.date())
    again = cards.save_draft(db, VA, model, content, expected_version=draft.version, now=NOW)
    cards.publish(db, LEAD, model, expected_version=again.version, now=NOW)
    assert [c.number for c in cards.published(db, VA, model)] == [2, 1]


def test_the_database_refuses_to_change_a_published_card(db: Database) -> None:
    model = make_model(db)
    draft = cards.save_draft(db, VA, model, _content(), expected_version=None, now=NOW)
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW)
    with pytest.raises(Exception, match="published model card"), db.write() as s:
        row = s.exec(select(CardRow).where(CardRow.number == 1)).one()
        row.overview = "rewritten"
        s.add(row)
    assert cards.card(db, VA, model, 1).content.texts["overview"].startswith("Gradient")
