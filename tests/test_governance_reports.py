"""Experiment reports, operations against the contract SLA, cost per model, the stale-card rule
and its weekly reminder, and the governance commands."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from huggingface_hub import ModelCard
from sqlmodel import select

import cli
from db.engine import Database
from db.models import AgendaItem, ContractSla, ModelCostSource, Notification
from services import planning
from services.access.access import Actor, NotAllowed
from services.coordination.meetings import create_meeting
from services.governance import cards, deployments, documentation, experiments, operations
from services.governance.cards import CardContent
from services.governance.experiments import RunSnapshot
from services.governance.inventory import GovernanceError, ModelInput, update_model
from services.governance.operations import OperationsInput
from services.spend.billing_import import import_files
from tests.builders import focus_row, make_contract, make_vendor, write_focus
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

RUNS = [
    RunSnapshot("r1", "trial-1", {"depth": "4"}, {"auc": 0.90, "logloss": 0.30}),
    RunSnapshot("r2", "trial-2", {"depth": "6"}, {"auc": 0.93, "logloss": 0.35}),
]


def _live_model(db: Database) -> int:
    model = make_model(db)
    make_version(db, model, 1, run_id="prod-run", metrics={"auc": 0.91, "logloss": 0.25})
    deployments.record_deployment(
        db, VA, model, version_number=1, environment="production", at=NOW, reason="launch"
    )
    return model


def test_a_report_compares_runs_with_production_and_names_the_best(db: Database) -> None:
    model = _live_model(db)
    report_id = experiments.create_report(
        db, VA, title="Depth sweep", runs=RUNS, now=NOW, model_id=model, experiment="fraud"
    )
    c = experiments.get_comparison(db, VA, report_id)
    assert c.columns == ["production v1", "trial-1", "trial-2"]
    auc = next(m for m in c.metrics if m.metric == "auc")
    assert auc.best_run == "trial-2" and auc.deltas[2] == pytest.approx(0.02)
    logloss = next(m for m in c.metrics if m.metric == "logloss")
    assert logloss.lower_is_better and logloss.best_run == "production v1"
    assert ("depth", ["", "4", "6"]) in c.params
    markdown = experiments.report_markdown(c)
    assert "| auc | 0.91 | 0.9 (-0.01) | 0.93 (+0.02) |" in markdown


def test_a_signed_off_report_is_frozen_and_goes_on_a_meeting_agenda(db: Database) -> None:
    report_id = experiments.create_report(db, VA, title="Sweep", runs=RUNS, now=NOW)
    with pytest.raises(NotAllowed):
        experiments.sign_off(db, VA, report_id, expected_version=1, now=NOW)
    experiments.sign_off(db, ENGINEER, report_id, expected_version=1, now=NOW)
    with pytest.raises(GovernanceError, match="signed-off"):
        experiments.save_notes(db, VA, report_id, "late edit", expected_version=2)
    meeting = create_meeting(
        db, ADMIN, title="Model review", starts_at=NOW + timedelta(days=1), timezone="UTC"
    ).id
    assert meeting is not None
    item_id = experiments.attach_to_meeting(db, VA, report_id, meeting)
    with db.read() as s:
        item = s.get(AgendaItem, item_id)
    assert item is not None and item.title == "Experiment review: Sweep"
    assert "Best auc (higher is better): trial-2" in item.details
    # A second click puts nothing more on the agenda.
    assert experiments.attach_to_meeting(db, VA, report_id, meeting) == item_id
    with db.read() as s:
        titles = s.exec(select(AgendaItem.title).where(AgendaItem.meeting_id == meeting)).all()
    assert titles == ["Experiment review: Sweep"]


def test_runs_from_a_csv_name_the_bad_cell() -> None:
    good = b"run_id,run_name,params.depth,metrics.auc\nr1,a,4,0.9\n"
    assert experiments.runs_from_csv(good, "runs.csv")[0].metrics == {"auc": 0.9}
    with pytest.raises(GovernanceError, match=r"runs.csv, row 2, column 'metrics.auc'"):
        experiments.runs_from_csv(b"run_id,metrics.auc\nr1,high\n", "runs.csv")


def test_operations_are_checked_against_the_contract_sla(db: Database) -> None:
    vendor = make_vendor(db, "Acme AI")
    contract = make_contract(db, vendor)
    with db.write() as s:
        s.add(ContractSla(contract_id=contract, availability_pct=99.9, latency_p99_ms=800))
    model = make_model(db, "assistant", source="vendor_api", vendor_id=vendor, contract_id=contract)
    operations.record_operations(
        db,
        VA,
        model,
        OperationsInput(date(2026, 9, 1), date(2026, 9, 30), 2_000_000, 120, 950, 99.95, 0.2),
        now=NOW,
    )
    [view] = operations.operations(db, VA, model)
    assert view.breaches == ["p99 latency 950 ms > 800 ms"]
    with pytest.raises(GovernanceError, match="above 100"):
        operations.record_operations(
            db,
            VA,
            model,
            OperationsInput(date(2026, 9, 1), date(2026, 9, 30), 1, availability_pct=101),
            now=NOW,
        )


def test_cost_per_model_from_tags_and_rules_and_per_million_inferences(
    db: Database, tmp_path: Path
) -> None:
    model = make_model(db, "fraud-scorer")
    with db.write() as s:
        s.add(
            ModelCostSource(
                model_id=model, kind="resource_id", value="arn:gpu/fraud-*", share_pct=Decimal("50")
            )
        )
    rows = [
        focus_row(EffectiveCost="100.00", Tags='{"model": "fraud-scorer"}'),
        focus_row(EffectiveCost="40.00", Tags="{}"),  # not the model's
    ]
    path = write_focus(tmp_path / "bill.csv", rows)
    import_files(db, ADMIN, [path])
    operations.record_operations(
        db, VA, model, OperationsInput(date(2026, 9, 1), date(2026, 9, 30), 4_000_000), now=NOW
    )
    [cost] = operations.model_costs(db, FINANCE, model_id=model)
    assert (cost.month, cost.currency, cost.cost) == ("2026-09", "USD", Decimal("100.00"))
    assert cost.per_million == Decimal("25.0000")
    with pytest.raises(NotAllowed):
        operations.model_costs(db, ENGINEER, model_id=model)  # engineers see no money


def test_a_card_goes_stale_when_production_moves_and_the_owner_is_reminded_weekly(
    db: Database,
) -> None:
    make_person(db, "Dana Docs", "dana@example.com")
    model = _live_model(db)
    update_model(
        db,
        ADMIN,
        model,
        ModelInput(
            name="fraud-scorer", status="production", documentation_owner_email="dana@example.com"
        ),
        expected_version=1,
    )
    today = NOW.date()
    assert [s.reason for s in documentation.stale_cards(db, VA, today=today)] == [
        "no published card"
    ]
    draft = cards.save_draft(
        db, VA, model, CardContent(texts={"overview": "x"}), expected_version=None, now=NOW
    )
    cards.publish(db, LEAD, model, expected_version=draft.version, now=NOW + timedelta(hours=1))
    assert documentation.stale_cards(db, VA, today=today) == []
    make_version(db, model, 2)
    deployments.record_deployment(
        db,
        VA,
        model,
        version_number=2,
        environment="production",
        at=NOW + timedelta(days=2),
        reason="retrained",
    )
    [stale] = documentation.stale_cards(db, VA, today=today + timedelta(days=2))
    assert "v2" in stale.reason and stale.owner_email == "dana@example.com"
    monday = NOW + timedelta(days=7 - NOW.weekday())
    assert planning.plan_all(db, monday) >= 1
    planning.plan_all(db, monday + timedelta(hours=3))  # same week: nothing new
    with db.read() as s:
        sent = s.exec(select(Notification).where(Notification.kind == "model_card")).all()
    assert [(n.recipient, n.subject) for n in sent] == [
        ("dana@example.com", "1 model card to refresh")
    ]
    assert documentation.my_stale_cards(db, Actor_dana(), today=monday.date())


def Actor_dana():  # type: ignore[no-untyped-def]
    from services.access.access import Actor

    return Actor(email="dana@example.com", role="va")


def test_commands_report_deployments_and_export_a_card(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_DATABASE_URL", str(sqlite_db.engine.url))
    get_settings.cache_clear()
    model = _live_model(sqlite_db)
    draft = cards.save_draft(
        sqlite_db, VA, model, CardContent(texts={"license": "mit"}), expected_version=None, now=NOW
    )
    cards.publish(sqlite_db, LEAD, model, expected_version=draft.version, now=NOW)
    assert cli.main(["report", "deployments", "--model", "fraud-scorer", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["environment"]) for r in rows] == [(1, "production")]
    day = (NOW - timedelta(days=1)).date().isoformat()
    assert cli.main(["report", "deployments", "--model", "fraud-scorer", "--as-of", day]) == 0
    assert capsys.readouterr().out.strip().count("\n") == 0  # the header only
    assert cli.main(["export", "card", "fraud-scorer", "--version", "1"]) == 0
    assert ModelCard(capsys.readouterr().out).data.license == "mit"
    assert cli.main(["export", "card", "nope"]) == 2
    assert cli.main(["sync", "mlflow"]) == 2  # no tracking URI set
    get_settings.cache_clear()


def test_import_records_models_is_all_or_nothing(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.governance import inventory
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_DATABASE_URL", str(sqlite_db.engine.url))
    get_settings.cache_clear()
    make_person(sqlite_db, "Omar", "omar@example.com")
    make_vendor(sqlite_db, "Acme AI")
    head = "name,owner_email,status,risk_class,role,vendor\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        head + "a,omar@example.com,production,high,deployer,\n"
        "b,omar@example.com,production,severe,deployer,\n"
    )
    assert cli.main(["import-records", "models", str(bad)]) == 2
    assert inventory.list_models(sqlite_db, ADMIN) == []
    good = tmp_path / "good.csv"
    good.write_text(head + "chat,omar@example.com,production,limited,deployer,Acme AI\n")
    assert cli.main(["import-records", "models", str(good)]) == 0
    [row] = inventory.list_models(sqlite_db, ADMIN)
    assert (row.name, row.source, row.vendor) == ("chat", "vendor_api", "Acme AI")
    get_settings.cache_clear()


def test_runs_come_from_mlflow_by_experiment_or_by_id_and_unknown_ids_are_named() -> None:
    from integrations.mlflow import MlflowUnavailable
    from tests.governance_builders import fake_mlflow

    fake = fake_mlflow(models=1, versions=3)
    assert len(experiments.fetch_runs(fake, "1")) == 3
    picked = experiments.fetch_runs(fake, "1", ["run-0-1"])
    assert [(r.run_id, r.metrics) for r in picked] == [("run-0-1", {"auc": 0.81})]
    with pytest.raises(GovernanceError, match="run-x"):
        experiments.fetch_runs(fake, "1", ["run-0-1", "run-x"])
    fake.fail_with = MlflowUnavailable("down")
    with pytest.raises(GovernanceError, match="could not read runs"):
        experiments.fetch_runs(fake, "1")


def test_operations_from_csv_are_all_or_nothing_and_name_the_row(db: Database) -> None:
    make_model(db, "fraud-scorer")
    head = b"model,period_start,period_end,inference_count,latency_p99_ms\n"
    good = head + b"fraud-scorer,2026-09-01,2026-09-30,1000,80\n"
    bad = good + b"fraud-scorer,2026-10-01,2026-10-31,many,80\n"
    with pytest.raises(GovernanceError, match=r"ops.csv, row 3"):
        operations.import_operations_csv(db, VA, bad, "ops.csv", now=NOW)
    with db.read() as s:
        from db.models import ModelOperations

        assert s.exec(select(ModelOperations)).all() == []
    assert operations.import_operations_csv(db, VA, good, "ops.csv", now=NOW) == 1
    assert operations.import_operations_csv(db, VA, good, "ops.csv", now=NOW) == 1  # upsert
    with db.read() as s:
        rows = s.exec(select(ModelOperations)).all()
    assert [(r.inference_count, r.latency_p99_ms, r.source) for r in rows] == [(1000, 80.0, "csv")]


def test_memoised_model_costs_follow_new_billing_rows_and_rules_and_still_refuse(
    db: Database, tmp_path: Path
) -> None:
    from ui.data_memo import VersionMemo, billing_version

    model = make_model(db, "fraud-scorer")
    memos = VersionMemo()

    def costs(memoised: bool = True) -> list[Decimal]:
        memo = memos.for_version(billing_version(db)) if memoised else None
        return [c.cost for c in operations.model_costs(db, FINANCE, model_id=model, memo=memo)]

    first = [
        focus_row(EffectiveCost="100.00", Tags='{"model": "fraud-scorer"}'),
        focus_row(EffectiveCost="40.00", Tags="{}", ServiceName="Fraud GPUs"),
    ]
    import_files(db, ADMIN, [write_focus(tmp_path / "a.csv", first)])
    assert costs() == [Decimal("100.00")]
    assert costs() == [Decimal("100.00")]  # from the memo
    # A new rule is a new key within the same billing data version.
    with db.write() as s:
        s.add(ModelCostSource(model_id=model, kind="service_name", value="Fraud GPUs"))
    assert costs() == [Decimal("140.00")]
    # A re-import (it supersedes the first) is a new data version: the next view counts it.
    again = [focus_row(EffectiveCost="30.00", Tags='{"model": "fraud-scorer"}')]
    import_files(db, ADMIN, [write_focus(tmp_path / "b.csv", again)])
    assert costs() == costs(memoised=False) == [Decimal("30.00")]
    with pytest.raises(NotAllowed):  # a warm memo never skips the money permission
        operations.model_costs(
            db, ENGINEER, model_id=model, memo=memos.for_version(billing_version(db))
        )


def test_memoised_annex_iv_cost_follows_new_billing_rows_and_rules_and_stays_hidden(
    db: Database, tmp_path: Path
) -> None:
    from zoneinfo import ZoneInfo

    from services.governance.annex_iv import annex_iv_pack
    from ui.data_memo import VersionMemo, billing_version

    model = make_model(db, "fraud-scorer")
    with db.write() as s:
        s.add(ModelCostSource(model_id=model, kind="tag", key="model", value="fraud-scorer"))
    memos = VersionMemo()

    def cost_text(who: Actor = LEAD, memoised: bool = True) -> str | None:
        memo = memos.for_version(billing_version(db)) if memoised else None
        pack = annex_iv_pack(db, who, model, now=NOW, tz=ZoneInfo("UTC"), memo=memo)
        (item,) = [i for i in pack.sections[1].items if i.label.startswith("Computational")]
        return item.text

    first = [
        focus_row(EffectiveCost="100.00", Tags='{"model": "fraud-scorer"}'),
        focus_row(EffectiveCost="40.00", Tags="{}", ServiceName="Fraud GPUs"),
    ]
    import_files(db, ADMIN, [write_focus(tmp_path / "a.csv", first)])
    assert cost_text() == "Compute cost from billing: 100.00 USD"
    assert cost_text() == "Compute cost from billing: 100.00 USD"  # from the memo
    # The memo holds money now; a role that may not see it still gets none.
    assert (
        cost_text(VA)
        == cost_text(ENGINEER)
        == "Compute cost from billing: cost hidden for your role"
    )
    # A new rule is a new key within the same billing data version.
    with db.write() as s:
        s.add(ModelCostSource(model_id=model, kind="service_name", value="Fraud GPUs"))
    assert cost_text() == "Compute cost from billing: 140.00 USD"
    # A re-import (it supersedes the first) is a new data version: the next pack counts it.
    again = [focus_row(EffectiveCost="30.00", Tags='{"model": "fraud-scorer"}')]
    import_files(db, ADMIN, [write_focus(tmp_path / "b.csv", again)])
    assert cost_text() == cost_text(memoised=False) == "Compute cost from billing: 30.00 USD"


def test_the_annex_iv_pack_quotes_each_obligations_live_evidence_and_who_owes_a_gap(
    db: Database,
) -> None:
    from zoneinfo import ZoneInfo

    from db.models import Obligation
    from services.governance import obligations
    from services.governance.annex_iv import annex_iv_pack

    owner = make_person(db, "Rita Risk", "rita@example.com")
    model = make_model(db, "fraud-scorer", ai_act_role="provider")
    other = make_model(db, "churn-model", ai_act_role="provider")
    obligations.assign_obligations(db, ADMIN, model)
    obligations.assign_obligations(db, ADMIN, other)
    with db.write() as s:
        ids = {(ob.model_id, ob.catalogue_key): ob.id for ob in s.exec(select(Obligation)).all()}
        quality = s.get(Obligation, ids[model, "art17_quality_management"])
        assert quality is not None
        quality.owner_id = owner

    def evidence(model_id: int, key: str, title: str) -> int:
        return obligations.add_evidence(
            db,
            LEAD,
            ids[model_id, key],
            title=title,
            url=f"https://wiki.example/{title.replace(' ', '-')}",
            now=NOW,
        )

    evidence(model, "art9_risk_management", "Risk register")
    gone = evidence(model, "art9_risk_management", "Old risk register")
    obligations.archive_evidence(db, LEAD, gone, NOW)
    evidence(model, "art47_declaration", "Signed declaration")
    evidence(model, "art72_post_market_monitoring", "Monitoring plan")
    evidence(other, "art17_quality_management", "Another system's QMS")

    pack = annex_iv_pack(db, LEAD, model, now=NOW, tz=ZoneInfo("UTC"))
    items = {item.label: item for section in pack.sections for item in section.items}
    day = NOW.date()
    assert items["Risk management system (Art. 9) evidence"].text == (
        f"Risk register (https://wiki.example/Risk-register, added {day} by {LEAD.email})"
    )
    assert items["EU declaration of conformity (Art. 47)"].text.startswith("Signed declaration")
    plan = items["Post-market monitoring plan and review cadence"].text
    assert plan.startswith("Monitoring plan")
    # No evidence of its own: a gap, owed by the obligation's owner, not the model's.
    quality_item = items["Standards applied and quality management evidence"]
    assert quality_item.text is None
    assert quality_item.owner == "Rita Risk"
