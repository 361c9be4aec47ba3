"""The documentation cycle in a real browser: a VA drafts a card from a new MLflow version, a
lead publishes it, the card comparison and the deployment timeline show the change, and Today
stops listing the card as stale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import Model, ModelVersion
from integrations.mlflow import Run
from integrations.mlflow.fake import FakeMlflowGateway
from services.access import users
from services.governance import cards, documentation, sync
from services.governance.cards import CardContent
from services.vendors.vendors import create_vendor
from tests.browser.conftest import main_text, open_page, open_section, wait_ready
from tests.conftest import actor

HEADER = "X-Forwarded-Email"
FIRST = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # well before any clock the server runs on
MOVED = FIRST + timedelta(days=9)


def _prepare(db: Database) -> None:
    setup = actor("admin", "setup@example.com")
    users.add_user(db, setup, "setup@example.com", "admin")
    users.add_user(db, setup, "va@example.com", "va", name="Vera VA")
    users.add_user(db, setup, "lead@example.com", "lead", name="Lee Lead")
    create_vendor(db, setup, name="Acme AI", category="llm_api", website="https://acme.example")
    mlflow = FakeMlflowGateway()
    mlflow.create_model("fraud-scorer", FIRST, description="fraud scores")
    mlflow.create_version("fraud-scorer", FIRST, run=Run("run-1", metrics={"auc": 0.9}))
    mlflow.set_alias("fraud-scorer", "champion", 1, FIRST)
    sync.sync(db, mlflow, setup, FIRST)
    with db.read() as s:
        model_id = s.exec(select(Model.id)).one()
        v1 = s.exec(select(ModelVersion.id).where(ModelVersion.number == 1)).one()
    cards.save_draft(
        db,
        setup,
        model_id,
        CardContent(texts={"overview": "Scores."}),
        expected_version=None,
        now=FIRST,
    )
    draft = cards.draft_from_version(db, setup, model_id, v1, now=FIRST)
    cards.publish(db, setup, model_id, expected_version=draft.version, now=FIRST)
    mlflow.create_version("fraud-scorer", MOVED, run=Run("run-2", metrics={"auc": 0.93}))
    mlflow.set_alias("fraud-scorer", "champion", 2, MOVED)
    sync.sync(db, mlflow, setup, MOVED)


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "proxy"}, prepare=_prepare)


def _page(browser: Any, email: str) -> Any:
    context = browser.new_context(
        extra_http_headers={HEADER: email}, viewport={"width": 1400, "height": 1000}
    )
    return context.new_page()


def test_draft_publish_compare_timeline_and_today(browser: Any, server: Any) -> None:
    db = Database.from_url(server.database_url)
    with db.read() as s:
        model_id = s.exec(select(Model.id)).one()
    lead = _page(browser, "lead@example.com")
    open_page(lead, server.url, shot="cycle-today-before")
    assert "Stale model cards (1)" in main_text(lead)
    # The table is drawn on a canvas: its rows are read from the service it shows.
    [stale] = documentation.stale_cards(db, actor("lead"), today=MOVED.date() + timedelta(days=1))
    assert stale.reason == "production is v2; the card documents another version"

    va = _page(browser, "va@example.com")
    open_page(va, f"{server.url}/models?model={model_id}", shot="cycle-va-model")
    open_section(va, "Write or edit the draft")
    va.get_by_role("button", name="Draft from this version").click()  # newest version first
    wait_ready(va)
    va.get_by_text("Draft for v2").first.wait_for(timeout=15_000)
    assert not va.get_by_role("button", name="Publish card").count()  # a VA cannot publish

    open_page(lead, f"{server.url}/models?model={model_id}")
    lead.get_by_role("button", name="Publish card").click()
    wait_ready(lead)
    lead.get_by_text("Published card v2").first.wait_for(timeout=15_000)
    open_section(lead, "Compare published versions")
    assert lead.get_by_text("Compare version").count()  # the comparison of v1 and v2 is drawn
    published = cards.published(db, actor("lead"), model_id)
    assert [c.number for c in published] == [2, 1]
    changes = {c.what: (c.before, c.after) for c in cards.compare(published[1], published[0])}
    assert changes["Model version"] == ("v1", "v2")  # what the page's comparison table lists

    lead.get_by_role("tab", name="Deployments").click()
    wait_ready(lead)
    lead.get_by_text("In production that day: v2").first.wait_for(timeout=15_000)
    # The chart is drawn after the text above: wait for it, then check there is only one.
    chart = lead.locator("[data-testid='stPlotlyChart']")
    chart.first.wait_for(timeout=15_000)
    assert chart.count() == 1
    lead.screenshot(path="/tmp/opsdesk-shots/cycle-timeline.png", full_page=True)

    open_page(lead, server.url, shot="cycle-today-after")
    assert "Stale model cards" not in main_text(lead)
    db.dispose()
