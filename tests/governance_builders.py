"""Small builders with valid defaults for the governance tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db.engine import Database
from db.models import Person
from integrations.mlflow import Run
from integrations.mlflow.fake import FakeMlflowGateway
from services.access.access import Actor
from services.governance.inventory import ModelInput, add_version, create_model

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(email="admin@example.com", role="admin")
VA = Actor(email="va@example.com", role="va")
LEAD = Actor(email="lead@example.com", role="lead")
ENGINEER = Actor(email="eng@example.com", role="engineer")
FINANCE = Actor(email="finance@example.com", role="finance")


def make_person(db: Database, name: str = "Dana Docs", email: str = "dana@example.com") -> int:
    with db.write() as s:
        p = Person(name=name, email=email)
        s.add(p)
        s.flush()
        assert p.id is not None
        return p.id


def make_model(db: Database, name: str = "fraud-scorer", **kw: Any) -> int:
    kw.setdefault("purpose", "Scores card payments for fraud")
    kw.setdefault("status", "production")
    kw.setdefault("risk_class", "high")
    return create_model(db, ADMIN, ModelInput(name=name, **kw), NOW)


def make_version(db: Database, model_id: int, number: int = 1, **kw: Any) -> int:
    kw.setdefault("metrics", {"auc": 0.9 + number / 100})
    return add_version(db, ADMIN, model_id, number=number, now=NOW, **kw)


def fake_mlflow(models: int = 2, versions: int = 3, page_size: int = 2) -> FakeMlflowGateway:
    """A fake MLflow with ``models`` models of ``versions`` versions each, champion on v1."""
    fake = FakeMlflowGateway(page_size=page_size)
    for m in range(models):
        name = f"model-{m}"
        fake.create_model(name, NOW, description=f"model {m}", tags={"team": "risk"})
        for v in range(versions):
            run = Run(
                run_id=f"run-{m}-{v}",
                run_name=f"r{v}",
                experiment_id="1",
                params={"lr": str(0.1 * (v + 1))},
                metrics={"auc": 0.8 + v / 100},
            )
            fake.create_version(name, NOW, run=run, source=f"runs:/run-{m}-{v}/model")
        fake.set_alias(name, "champion", 1, NOW)
    return fake
