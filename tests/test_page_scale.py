"""Pages and board figures stay correct when they stop drawing everything: the review board's
counts come from SQL, its drill-down filters in SQL, and long lists are capped with a note."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import FROZEN_TODAY

from db.engine import Database
from services.access.access import Actor
from services.coordination import review
from tests.builders import make_action, make_person, make_team
from tests.conftest import assert_no_exception, run_page

LEAD = Actor(email="lead@example.com", role="lead")
VA = Actor(email="va@example.com", role="va")
TODAY = date(2026, 11, 22)


def test_drill_down_matches_the_board_for_no_owner_no_team_and_blocked(db: Database) -> None:
    team = make_team(db, "Platform")
    ana = make_person(db, name="Ana", email="ana@example.com", team_id=team)
    loner = make_person(db, name="Lo", email="lo@example.com")
    make_action(
        db, "ana blocked", owner_id=ana, due_date=TODAY - timedelta(days=2), status="blocked"
    )
    make_action(db, "ana open", owner_id=ana, due_date=TODAY + timedelta(days=2))
    make_action(db, "ana done", owner_id=ana, due_date=TODAY - timedelta(days=2), status="done")
    make_action(db, "nobody's", due_date=TODAY - timedelta(days=31))
    make_action(db, "lo's", owner_id=loner, due_date=None)
    board = review.board(db, LEAD, today=TODAY)
    assert board.teams == {"(no team)": 2, "Platform": 2}
    for o in board.owners:
        rows = review.drill_down(db, LEAD, owner_email=o.owner_email, today=TODAY)
        assert len(rows) == o.open
    assert [r.title for r in review.drill_down(db, LEAD, owner_email="", today=TODAY)] == [
        "nobody's"
    ]
    no_team = review.drill_down(db, LEAD, team="(no team)", today=TODAY)
    assert [r.title for r in no_team] == ["nobody's", "lo's"]  # no due date last
    assert [r.title for r in review.drill_down(db, LEAD, blocked=True, today=TODAY)] == [
        "ana blocked"
    ]
    assert [r.title for r in review.drill_down(db, LEAD, aging="over 30 days", today=TODAY)] == [
        "nobody's"
    ]
    # A limit keeps the first rows in the full list's order (due date, no date last), whichever
    # filter picks them.
    everything = review.drill_down(db, LEAD, today=TODAY)
    for limit in (1, 2, 3):
        shown = review.drill_down(db, LEAD, today=TODAY, limit=limit)
        assert [r.title for r in shown] == [r.title for r in everything[:limit]]
    assert [
        r.title for r in review.drill_down(db, LEAD, team="(no team)", today=TODAY, limit=1)
    ] == ["nobody's"]


def test_board_counts_every_blocked_item_but_lists_only_the_first(db: Database) -> None:
    me = make_person(db, name="Bo", email="bo@example.com")
    for n in range(3):
        make_action(
            db, f"stuck {n}", owner_id=me, due_date=TODAY + timedelta(days=n), status="blocked"
        )
    board = review.board(db, LEAD, today=TODAY, blocked_limit=2)
    assert board.blocked_total == 3
    assert [r.title for r in board.blocked] == ["stuck 0", "stuck 1"]


def test_follow_ups_draw_ten_cards_per_bucket_and_show_more_on_request(
    app_env: Database,
) -> None:
    me = make_person(app_env, name="Val", email="va@example.com")
    for n in range(53):
        make_action(
            app_env, f"late {n:02d}", owner_id=me, due_date=FROZEN_TODAY - timedelta(days=60 - n)
        )
    at = run_page("coordination/follow_ups.py", VA)
    assert_no_exception(at)

    def done_buttons() -> list[str]:
        return [b.key for b in at.button if b.key and b.key.startswith("fu_done_")]

    assert [s.value for s in at.subheader] == ["Overdue (53)"]
    assert "Showing 10 of 53, most pressing first." in [c.value for c in at.caption]
    assert len(done_buttons()) == 10
    cards = [m.value for m in at.markdown if m.value.startswith("**late")]
    assert cards[0].startswith("**late 00**  \n")  # the longest overdue first
    assert "Action item · due 2026-09-24 · open" in cards[0]  # what and when, under the title
    for shown in (20, 30, 40, 50):
        at.button(key="fu_more_overdue").click().run()
        assert len(done_buttons()) == shown
    assert at.button(key="fu_more_overdue").label == "Show 3 more"
    at.button(key="fu_more_overdue").click().run()
    assert len(done_buttons()) == 53
    assert not [b for b in at.button if b.key == "fu_more_overdue"]


def test_renewals_list_the_soonest_200_deadlines_until_asked_for_all(app_env: Database) -> None:
    from tests.builders import make_contract, make_vendor

    vendor = make_vendor(app_env, "Acme AI")
    for n in range(205):
        make_contract(
            app_env, vendor, title=f"Plan {n:03d}", start_date=date(2026, 3, 1) + timedelta(days=n)
        )
    admin = Actor(email="admin@example.com", role="admin")
    at = run_page("vendors/renewals.py", admin)
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert len(table) == 200 and list(table["Contract"][:2]) == ["Plan 000", "Plan 001"]
    assert any("200 soonest deadlines of 205" in c.value for c in at.caption)
    at.toggle(key="renewals_all").set_value(True).run()
    assert_no_exception(at)
    assert len(at.dataframe[0].value) == 205


def test_action_items_edit_the_first_200_until_asked_for_more(app_env: Database) -> None:
    owner = make_person(app_env, "Ana", "ana@example.com")
    for n in range(205):
        make_action(app_env, f"item {n:03d}", owner_id=owner, due_date=TODAY + timedelta(days=n))
    at = run_page("coordination/actions.py", VA)
    assert_no_exception(at)
    shown = at.dataframe[0].value  # the editor
    assert len(shown) == 200
    assert list(shown["title"][:2]) == ["item 000", "item 001"]
    assert any("first 200 matching items" in c.value for c in at.caption)
    at.toggle(key="actions_many").set_value(True).run()
    assert_no_exception(at)
    assert len(at.dataframe[0].value) == 205
