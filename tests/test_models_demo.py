"""The demo's models, and stale cards on Today and in My follow-ups."""

from __future__ import annotations

from datetime import date

from conftest import assert_no_exception, run_page

from db.engine import Database
from services.access.access import Actor
from services.demo import demo
from services.governance import (
    cards,
    deployments,
    documentation,
    experiments,
    inventory,
    operations,
)

DAY = date(2027, 3, 1)
ADMIN = Actor(email="admin@example.com", role="admin")


def test_the_demo_has_eight_models_with_history_cards_cost_and_a_stale_card(db: Database) -> None:
    counts = demo.load(db, ADMIN, today=DAY)
    rows = {r.name: r for r in inventory.list_models(db, ADMIN)}
    assert len(rows) == 8
    assert counts["models"] == 8  # the summary printed counts the two governance systems too
    assert {r.source for r in rows.values()} == {"in_house", "vendor_api", "vendor_model"}
    fraud = rows["fraud-scorer"].id
    assert [d.version for d in deployments.history(db, ADMIN, fraud)][:2] == [4, 3]
    assert [c.number for c in cards.published(db, ADMIN, fraud)] == [1]
    stale = {s.model for s in documentation.stale_cards(db, ADMIN, today=DAY)}
    assert "fraud-scorer" in stale  # production moved on since its card
    assert "churn-predictor" not in stale
    costs = operations.model_costs(db, ADMIN, model_id=rows["doc-summarizer"].id)
    assert costs and any(c.per_million is not None for c in costs)
    assert experiments.list_reports(db, ADMIN)[0].title == "Fraud scorer: depth sweep"


def test_today_and_my_follow_ups_list_stale_cards(app_env: Database) -> None:
    demo.load(app_env, ADMIN)
    at = run_page("home/today.py", ADMIN)
    assert_no_exception(at)
    assert any(s.value.startswith("Stale model cards") for s in at.subheader)
    priya = Actor(email="priya.nair@acme-ml.example", role="va")
    mine = run_page("coordination/follow_ups.py", priya)
    assert_no_exception(mine)
    assert any(s.value.startswith("Model cards for you to refresh") for s in mine.subheader)
    text = "\n".join(m.value for m in mine.markdown).replace("\\", "")
    assert "| fraud-scorer |" in text
    assert "| Model | Why |\n" in text  # no owner column: they are all the reader's own
    everyone = "\n".join(m.value for m in at.markdown).replace("\\", "")
    assert "| Model | Why | Documentation owner |" in everyone
