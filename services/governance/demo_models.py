"""The models part of the demo workspace: eight models (in house and on vendors' APIs) with
versions and their run metrics, deployment history, published and draft cards (one stale),
operations, cost rules over the demo's billing, an SLA on the Anthropic contract and an
experiment report. Dated relative to the demo's day; loaded by one line in services/demo."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import select

from db.engine import Database
from db.models import Contract, ContractSla, Model, ModelCostSource, Person, Vendor
from services.access import users
from services.access.access import Actor
from services.governance import cards, deployments, experiments, inventory, operations
from services.governance.cards import CardContent, CardMetric
from services.governance.experiments import RunSnapshot
from services.governance.inventory import ModelInput
from services.governance.operations import OperationsInput

SEED = 17


@dataclass(frozen=True)
class DemoModel:
    name: str
    purpose: str
    owner: str
    doc_owner: str
    status: str
    risk: str
    role: str
    source: str = "in_house"
    vendor: str | None = None
    host: str | None = None
    metric: str = "auc"
    base: float = 0.85
    versions: int = 3
    cost: tuple[str, str, str] | None = None  # (kind, value, share %)
    general_purpose: bool = False


MODELS = [
    DemoModel(
        "fraud-scorer",
        "Scores card payments for fraud before authorisation.",
        "Omar Haddad",
        "Priya Nair",
        "production",
        "minimal",
        "provider",
        host="CoreWeave",
        cost=("service_name", "GPU instances", "40"),
        versions=4,
    ),
    DemoModel(
        "support-chatbot",
        "Answers customer support questions; hands off to people.",
        "Maya Chen",
        "Priya Nair",
        "production",
        "limited",
        "deployer",
        "vendor_api",
        "Anthropic",
        metric="resolution_rate",
        base=0.62,
        cost=("service_name", "Claude API", "60"),
        general_purpose=True,
    ),
    DemoModel(
        "loan-approval-scorer",
        "Scores consumer loan applications (credit scoring).",
        "Elena Petrova",
        "Marco Rossi",
        "production",
        "high",
        "provider",
        host="Databricks",
        cost=("service_name", "Databricks SQL and Jobs", "30"),
    ),
    DemoModel(
        "churn-predictor",
        "Predicts which accounts will not renew next quarter.",
        "Zoe Williams",
        "Priya Nair",
        "production",
        "minimal",
        "provider",
        cost=("service_name", "Snowflake compute", "20"),
    ),
    DemoModel(
        "doc-summarizer",
        "Summarises contracts and tickets for the back office.",
        "Luis Ortega",
        "Marco Rossi",
        "production",
        "limited",
        "deployer",
        "vendor_api",
        "OpenAI",
        metric="rouge_l",
        base=0.41,
        cost=("service_name", "GPT API", "50"),
        general_purpose=True,
    ),
    DemoModel(
        "search-reranker",
        "Reorders help-centre search results.",
        "Grace Kim",
        "Priya Nair",
        "staging",
        "minimal",
        "deployer",
        "vendor_model",
        "Hugging Face",
        host="Hugging Face",
        metric="ndcg_at_10",
        base=0.7,
        cost=("service_name", "Inference endpoints", "100"),
    ),
    DemoModel(
        "demand-forecaster",
        "Forecasts GPU demand per team for capacity planning.",
        "Hiro Tanaka",
        "Marco Rossi",
        "development",
        "minimal",
        "provider",
        metric="mape",
        base=0.18,
        versions=2,
    ),
    DemoModel(
        "resume-screener-pilot",
        "A retired pilot that ranked job applications.",
        "Sam Okafor",
        "Priya Nair",
        "retired",
        "high",
        "deployer",
        versions=2,
    ),
]


def seed(db: Database, actor: Actor, day: date) -> dict[str, int]:
    """Add the demo models; returns counts for the demo summary."""
    rng = random.Random(SEED)
    now = datetime.combine(day, time(9), UTC)
    with db.read() as session:
        people = {p.name: p.email for p in session.exec(select(Person)).all()}
        vendors = {v.name: v.id or 0 for v in session.exec(select(Vendor)).all()}
        contracts = {c.vendor_id: c.id or 0 for c in session.exec(select(Contract)).all()}
        existing = {m.name for m in session.exec(select(Model)).all()}
    crew = _Crew(
        va=_persona(db, people, "Priya Nair", actor),
        engineer=_persona(db, people, "Omar Haddad", actor),
        lead=_persona(db, people, "Maya Chen", actor),
    )
    made = 0
    for spec in MODELS:
        if spec.name in existing:
            continue
        model_id = _model(db, actor, spec, people, vendors, contracts, now)
        _history(db, actor, crew, model_id, spec, rng, now)
        made += 1
    anthropic = vendors.get("Anthropic")
    if anthropic is not None and contracts.get(anthropic) is not None:
        with db.write() as session:
            if (
                session.exec(
                    select(ContractSla).where(ContractSla.contract_id == contracts[anthropic])
                ).first()
                is None
            ):
                session.add(
                    ContractSla(
                        contract_id=contracts[anthropic],
                        availability_pct=99.9,
                        latency_p99_ms=2500,
                        error_rate_pct=0.5,
                    )
                )
    return {"models": made}


@dataclass(frozen=True)
class _Crew:
    """Who does what in the demo's story: the VA drafts, the engineer signs off and deploys,
    the lead publishes (the way the roles divide the work; see services/access/access.py)."""

    va: Actor
    engineer: Actor
    lead: Actor


def _persona(db: Database, people: dict[str, str], name: str, fallback: Actor) -> Actor:
    """The demo person's own account, so cards and reports name them rather than the command
    line that loaded the demo; ``fallback`` when that account is gone or inactive."""
    email = people.get(name)
    return (users.resolve_identity(db, email) if email else None) or fallback


def _model(
    db: Database,
    actor: Actor,
    spec: DemoModel,
    people: dict[str, str],
    vendors: dict[str, int],
    contracts: dict[int, int],
    now: datetime,
) -> int:
    vendor_id = vendors.get(spec.vendor) if spec.vendor else None
    host_id = vendors.get(spec.host) if spec.host else vendor_id
    data = ModelInput(
        name=spec.name,
        purpose=spec.purpose,
        owner_email=people.get(spec.owner),
        documentation_owner_email=people.get(spec.doc_owner),
        status=spec.status,
        source=spec.source if vendor_id else "in_house",
        vendor_id=vendor_id,
        contract_id=contracts.get(vendor_id) if vendor_id else None,
        hosting_vendor_id=host_id,
        risk_class=spec.risk,
        general_purpose=spec.general_purpose,
        ai_act_role=spec.role,
    )
    model_id = inventory.create_model(db, actor, data, now - timedelta(days=200))
    if spec.cost is not None:
        kind, value, share = spec.cost
        with db.write() as session:
            session.add(
                ModelCostSource(model_id=model_id, kind=kind, value=value, share_pct=Decimal(share))
            )
    return model_id


def _metrics(spec: DemoModel, number: int, rng: random.Random) -> dict[str, float]:
    lower = experiments.lower_is_better(spec.metric)
    step = -0.012 if lower else 0.012
    value = spec.base + step * number + rng.uniform(-0.004, 0.004)
    return {spec.metric: round(value, 4), "latency_ms": round(40 + 8 * rng.random(), 1)}


def _history(
    db: Database,
    actor: Actor,
    crew: _Crew,
    model_id: int,
    spec: DemoModel,
    rng: random.Random,
    now: datetime,
) -> None:
    span = 150  # days from the first version to today
    for number in range(1, spec.versions + 1):
        inventory.add_version(
            db,
            actor,
            model_id,
            number=number,
            run_id=f"demo-{spec.name}-{number}",
            metrics=_metrics(spec, number, rng),
            now=now - timedelta(days=span - 40 * (number - 1)),
        )
    live_env = {"production": "production", "staging": "staging"}.get(spec.status)
    if live_env is not None or spec.status == "retired":
        env = live_env or "production"
        for number in range(1, spec.versions + 1):
            deployments.record_deployment(
                db,
                crew.engineer,
                model_id,
                version_number=number,
                environment=env,
                at=now - timedelta(days=span - 40 * (number - 1) - 5),
                reason="first release" if number == 1 else f"v{number} beat v{number - 1} offline",
                approver=None if number == 1 else "maya.chen@acme-ml.example",
            )
        if spec.status == "retired":
            deployments.record_deployment(
                db,
                crew.engineer,
                model_id,
                version_number=None,
                environment=env,
                at=now - timedelta(days=30),
                reason="pilot ended",
            )
    _card(db, crew, model_id, spec, now)
    if spec.status in ("production", "staging"):
        _operations(db, actor, model_id, spec, rng, now)
    if spec.name == "fraud-scorer":
        runs = [
            RunSnapshot(
                f"sweep-{i}",
                f"depth-{4 + i}",
                {"max_depth": str(4 + i)},
                _metrics(spec, spec.versions + 1, rng),
            )
            for i in range(3)
        ]
        experiments.create_report(
            db,
            crew.va,
            title="Fraud scorer: depth sweep",
            runs=runs,
            now=now - timedelta(days=2),
            model_id=model_id,
            experiment="fraud-scorer-tuning",
            source="mlflow",
            notes="depth-6 wins on AUC; check latency before promoting.",
        )


def _card(db: Database, crew: _Crew, model_id: int, spec: DemoModel, now: datetime) -> None:
    detail = inventory.get_model(db, crew.va, model_id, today=now.date())
    if not detail.versions:
        return
    texts = {
        "overview": spec.purpose,
        "intended_use": f"{spec.purpose} Decisions stay with a person where they affect customers.",
        "out_of_scope_use": "Anything outside the purpose above; no use on minors' data.",
        "training_data": "Twelve months of production records, de-identified.",
        "limitations": "Quality drops on new markets until a month of their data is in.",
        "license": "other",
    }
    oldest = detail.versions[-1]
    metrics = tuple(
        CardMetric(k, v, dataset="holdout", split="test") for k, v in oldest.metrics.items()
    )
    draft = cards.save_draft(
        db,
        crew.va,
        model_id,
        CardContent(
            texts=texts,
            metrics=metrics,
            model_version_id=oldest.id,
            review_by=(now + timedelta(days=60)).date(),
        ),
        expected_version=None,
        now=now - timedelta(days=140),
    )
    if spec.name in ("demand-forecaster",):
        return  # still a draft
    _sign_and_publish(db, crew, model_id, draft.version, now - timedelta(days=139))
    if spec.name in ("fraud-scorer", "support-chatbot"):
        return  # stale on purpose: production moved on since this card
    newest = detail.versions[0]
    again = cards.draft_from_version(db, crew.va, model_id, newest.id, now=now - timedelta(days=10))
    _sign_and_publish(db, crew, model_id, again.version, now - timedelta(days=9))


def _sign_and_publish(db: Database, crew: _Crew, model_id: int, version: int, at: datetime) -> None:
    cards.sign_off(db, crew.engineer, model_id, expected_version=version, now=at)
    # A sign-off moves the draft on a version.
    cards.publish(
        db, crew.lead, model_id, expected_version=version + 1, now=at + timedelta(hours=2)
    )


def _operations(
    db: Database, actor: Actor, model_id: int, spec: DemoModel, rng: random.Random, now: datetime
) -> None:
    first = now.date().replace(day=1)
    for back in range(3, 0, -1):
        start = (first - timedelta(days=28 * back)).replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        inferences = int(rng.uniform(0.8, 1.2) * (3_000_000 if spec.vendor else 12_000_000))
        p99 = round(rng.uniform(1800, 2900) if spec.vendor else rng.uniform(60, 140), 1)
        operations.record_operations(
            db,
            actor,
            model_id,
            OperationsInput(
                start,
                end,
                inferences,
                round(p99 / 4, 1),
                p99,
                round(rng.uniform(99.7, 99.99), 2),
                round(rng.uniform(0.05, 0.6), 2),
            ),
            now=now,
        )
