"""Issue 14 items 10 and 11: the review board puts what a lead acts on first, the completion
chart's axes read as counts and percentages, and the audit shows each kind of record once."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import FROZEN_TODAY

from db.engine import Database
from services.coordination.review import WeekRate
from tests.builders import LEAD, make_action, make_person
from tests.conftest import assert_no_exception, run_page
from ui.charts_review import completion_rate_figure


def test_completion_chart_ticks_are_whole_items_and_percent() -> None:
    weeks = [WeekRate(date(2026, 11, 2), 3, 1, 1), WeekRate(date(2026, 11, 9), 2, 2, 2)]
    layout = completion_rate_figure(weeks).layout
    assert layout.yaxis.tickformat == ",d" and layout.yaxis.dtick == 1
    assert list(layout.yaxis2.tickvals) == [0, 25, 50, 75, 100]
    assert layout.yaxis2.ticksuffix == "%"


def test_owners_table_leads_with_overdue_and_blocked_and_sorts_by_them(
    app_env: Database,
) -> None:
    calm = make_person(app_env, "Calm", "calm@example.com")
    busy = make_person(app_env, "Busy", "busy@example.com")
    stuck = make_person(app_env, "Stuck", "stuck@example.com")
    for _ in range(3):
        make_action(app_env, "open", owner_id=calm, due_date=FROZEN_TODAY + timedelta(days=3))
    make_action(app_env, "late", owner_id=busy, due_date=FROZEN_TODAY - timedelta(days=2))
    make_action(app_env, "stuck", owner_id=stuck, status="blocked")
    at = run_page("coordination/review.py", LEAD)
    assert_no_exception(at)
    owners = next(f.value for f in at.dataframe if "Blocked" in f.value.columns)
    assert list(owners.columns[:4]) == ["Owner", "Overdue", "Blocked", "Open"]
    assert list(owners["Owner"]) == ["Busy", "Stuck", "Calm"]
