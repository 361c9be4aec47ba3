"""The Today page: real figures from the database, and the demo offer when empty."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import FROZEN_TODAY

from db.engine import Database
from db.models import ActionItem, Budget, Team
from services.access.access import Actor
from services.coordination import today
from services.demo import demo
from tests.conftest import assert_no_exception, run_page


def test_an_empty_workspace_is_reported_empty(db: Database, admin: Actor) -> None:
    assert today.summary(db, admin, today=date(2026, 11, 22)).empty_workspace


def test_overdue_counts_only_open_items_due_before_today(db: Database, admin: Actor) -> None:
    day = date(2026, 11, 22)
    with db.write() as s:
        for status, due in [
            ("open", day - timedelta(days=1)),
            ("blocked", day - timedelta(days=9)),
            ("done", day - timedelta(days=3)),
            ("open", day),
        ]:
            s.add(ActionItem(title=status, status=status, due_date=due))
    assert today.summary(db, admin, today=day).overdue_actions == 2


def test_roles_see_only_their_figures(db: Database) -> None:
    finance = Actor(email="f@example.com", role="finance")
    va = Actor(email="v@example.com", role="va")
    day = date(2026, 11, 22)
    assert today.summary(db, finance, today=day).overdue_actions is None
    assert today.summary(db, finance, today=day).spend_mtd == {}
    assert today.summary(db, va, today=day).spend_mtd is None


def test_monthly_budget_sums_team_budgets_per_currency(db: Database, admin: Actor) -> None:
    from decimal import Decimal

    with db.write() as s:
        team = Team(name="T")
        s.add(team)
        s.flush()
        s.add(
            Budget(
                name="a",
                scope="team",
                team_id=team.id,
                amount=Decimal("100.10"),
                currency="USD",
                starts_on=date(2026, 1, 1),
            )
        )
        s.add(
            Budget(
                name="b",
                scope="team",
                team_id=team.id,
                amount=Decimal("50"),
                currency="EUR",
                starts_on=date(2026, 1, 1),
            )
        )
    summary = today.summary(db, admin, today=date(2026, 11, 22))
    assert summary.budget_month == {"EUR": Decimal("50"), "USD": Decimal("100.10")}


def test_demo_deadlines_fall_inside_14_30_60_and_120_days(db: Database, admin: Actor) -> None:
    demo.load(db, admin)
    summary = today.summary(db, admin, today=FROZEN_TODAY)
    assert summary.deadlines is not None
    assert any(d.days_left <= 14 for d in summary.deadlines)
    assert any(14 < d.days_left <= 30 for d in summary.deadlines)
    assert summary.overdue_actions and summary.overdue_actions > 0
    assert summary.open_tickets and summary.open_tickets > 0


def test_today_page_offers_the_demo_on_an_empty_database(app_env: Database, admin: Actor) -> None:
    at = run_page("home/today.py", admin)
    assert_no_exception(at)
    assert any("Load the demo workspace" in b.label for b in at.button)
    at.button[0].click().run(timeout=60)
    assert_no_exception(at)
    assert any("overdue action items" in m.label for m in at.metric)


def test_today_page_shows_figures_over_the_demo(app_env: Database, admin: Actor) -> None:
    demo.load(app_env, admin)
    at = run_page("home/today.py", admin)
    assert_no_exception(at)
    labels = [m.label for m in at.metric]
    assert "My overdue action items" in labels and "Team's overdue action items" in labels
    assert "Open vendor tickets" in labels


def test_today_separates_my_overdue_items_from_the_teams(db: Database) -> None:
    """Issue 14 item 7: the figure that links to My follow-ups counts only mine."""
    from tests.builders import make_action, make_person

    me = make_person(db, "Val", "v@example.com")
    other = make_person(db, "Pat", "p@example.com")
    day = date(2026, 11, 22)
    make_action(db, "mine", owner_id=me, due_date=day - timedelta(days=1))
    for _ in range(2):
        make_action(db, "theirs", owner_id=other, due_date=day - timedelta(days=1))
    va = Actor(email="V@example.com", role="va")
    got = today.summary(db, va, today=day)
    assert (got.my_overdue_actions, got.overdue_actions) == (1, 3)


def test_today_lists_todays_meetings_and_deadlines_passed_without_a_decision(
    db: Database, admin: Actor
) -> None:
    """Issue 14 item 7: the day's meetings, and a renewal nobody decided before its deadline."""
    from datetime import UTC, datetime

    from services.vendors import renewals
    from tests.builders import make_contract, make_vendor

    day = date(2026, 11, 22)
    with db.write() as s:
        from db.models import Meeting

        s.add(Meeting(title="Vendor sync", starts_at=datetime(2026, 11, 22, 15, 0, tzinfo=UTC)))
        s.add(Meeting(title="Tomorrow", starts_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC)))
    # Yearly auto renewal from 2025-12-10, 30 days notice: deadline 2026-11-09, passed.
    undecided = make_contract(
        db, make_vendor(db, "Acme"), start_date=date(2025, 12, 10), notice_days=30
    )
    decided = make_contract(
        db, make_vendor(db, "Beta"), start_date=date(2025, 12, 10), notice_days=30
    )
    renewals.decide_renewal(db, admin, decided, decision="renew", as_of=date(2026, 11, 1))
    got = today.summary(db, admin, today=day)
    assert [m.title for m in got.meetings_today or []] == ["Vendor sync"]
    assert [(d.vendor, d.deadline) for d in got.undecided_passed or []] == [
        ("Acme", date(2026, 11, 9))
    ]
    assert undecided
