"""AppTest of the coordination pages: empty states, happy paths, hostile names as text, and the
meeting flow from creation to carried-over items in the next meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import FROZEN_AT, FROZEN_TODAY
from sqlmodel import select

from db.engine import Database
from db.models import ActionItem, AgendaItem, Meeting
from services.access.access import Actor
from services.coordination import meetings
from services.coordination.review import WeekRate
from tests.builders import (
    ADMIN,
    LEAD,
    VA,
    XSS,
    make_action,
    make_person,
    make_team,
)
from tests.conftest import assert_no_exception, run_page
from ui.charts_review import completion_rate_figure
from ui.text import md_cell, md_escape

PAGES = ["follow_ups.py", "meetings.py", "meeting.py", "actions.py", "review.py", "people.py"]


def _texts(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Everything rendered through markdown-capable elements."""
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "header",
        "subheader",
        "info",
        "success",
        "warning",
        "error",
    ):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    return out


def _no_raw_html(at) -> None:  # type: ignore[no-untyped-def]
    assert all(XSS not in t for t in _texts(at)), [t for t in _texts(at) if XSS in t]


@pytest.mark.parametrize("script", PAGES)
@pytest.mark.parametrize("who", [ADMIN, VA, LEAD])
def test_every_page_renders_on_an_empty_workspace(
    app_env: Database, script: str, who: Actor
) -> None:
    at = run_page(script, who)
    assert_no_exception(at)


@pytest.mark.parametrize("script", PAGES)
def test_every_page_renders_with_hostile_names_as_text(app_env: Database, script: str) -> None:
    team = make_team(app_env, XSS)
    me = make_person(app_env, name=XSS, email="va@example.com", team_id=team)
    make_action(
        app_env, XSS, owner_id=me, due_date=FROZEN_TODAY - timedelta(days=3), status="blocked"
    )
    make_action(
        app_env,
        "done",
        owner_id=me,
        due_date=FROZEN_TODAY - timedelta(days=1),
        status="done",
        completed_at=FROZEN_AT,
    )
    m = meetings.create_meeting(
        app_env,
        ADMIN,
        title=XSS,
        timezone="UTC",
        starts_at=FROZEN_AT + timedelta(days=1),
        attendees=meetings.Attendees((me,), ()),
    )
    meetings.add_agenda_item(app_env, ADMIN, m.id or 0, XSS)
    who = LEAD if script == "review.py" else VA
    at = run_page(script, who)
    assert_no_exception(at)
    _no_raw_html(at)
    if script == "meetings.py":
        at = run_page("coordination/meeting.py", who, query={"meeting": str(m.id)})
        assert_no_exception(at)
        _no_raw_html(at)
        assert any(XSS in t.value for t in at.text)  # attendees shown literally


def test_follow_ups_explains_how_to_appear_when_no_person(app_env: Database) -> None:
    at = run_page("coordination/follow_ups.py", VA)
    assert_no_exception(at)
    assert "Add yourself under People" in at.info[0].value


def test_follow_ups_empty_queue_and_one_click_done(app_env: Database) -> None:
    me = make_person(app_env, name="Val", email="va@example.com")
    at = run_page("coordination/follow_ups.py", VA)
    assert "Nothing to chase" in at.success[0].value
    a = make_action(
        app_env, "Chase the DPA", owner_id=me, due_date=FROZEN_TODAY - timedelta(days=1)
    )
    b = make_action(app_env, "Book the QBR", owner_id=me, due_date=FROZEN_TODAY)
    at = run_page("coordination/follow_ups.py", VA)
    assert [s.value for s in at.subheader] == ["Overdue (1)", "Due today (1)"]
    at.button(key=f"fu_done_action_{a}").click().run()
    at.button(key=f"fu_snooze_action_{b}").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(ActionItem, a).status == "done"  # type: ignore[union-attr]
        assert s.get(ActionItem, b).snoozed_until == FROZEN_TODAY + timedelta(days=1)  # type: ignore[union-attr]
    assert "Nothing to chase" in at.success[0].value


def test_people_page_adds_a_person_and_a_team(app_env: Database) -> None:
    at = run_page("coordination/people.py", VA, opened=("people_teams_open",))
    at.text_input(key="people_team_add_0_name").input("Platform")
    at.button(key="people_team_submit").click().run()
    at.text_input(key="people_add_0_name").input(XSS)
    at.text_input(key="people_add_0_email").input("val@example.com")
    at.selectbox(key="people_add_0_team").select_index(1)
    at.button(key="people_add_submit").click().run()
    assert_no_exception(at)
    frame = at.dataframe[0].value
    assert list(frame["Name"]) == [XSS] and list(frame["Team"]) == ["Platform"]
    _no_raw_html(at)


def test_people_page_shows_a_bad_email_as_an_error(app_env: Database) -> None:
    at = run_page("coordination/people.py", VA)
    at.text_input(key="people_add_0_name").input("X")
    at.text_input(key="people_add_0_email").input("not an email")
    at.button(key="people_add_submit").click().run()
    assert_no_exception(at)
    assert "not an email address" in at.error[0].value


def test_actions_page_quick_add_and_table(app_env: Database) -> None:
    make_person(app_env, name="Ana", email="ana@example.com")
    at = run_page("coordination/actions.py", VA)
    assert "No action items match" in at.info[0].value
    at.text_input(key="actions_quick_add_0_text").input(
        "Send DPA @ana@example.com due:2030-01-02 !high"
    )
    at.button(key="actions_quick_submit").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        item = s.exec(select(ActionItem)).one()
    assert (item.title, item.due_date, item.priority) == ("Send DPA", date(2030, 1, 2), "high")
    assert list(at.data_editor[0].value["title"]) == ["Send DPA"]
    at.button(key="actions_save").click().run()
    assert "Nothing changed" in at.info[0].value


def test_actions_table_save_refuses_a_row_changed_by_someone_else(app_env: Database) -> None:
    from services.coordination import actions

    mine = make_action(app_env, "Mine to edit", due_date=date(2030, 1, 1))
    theirs = make_action(app_env, XSS, due_date=date(2030, 1, 2))
    at = run_page("coordination/actions.py", VA)
    assert list(at.data_editor[0].value["title"]) == ["Mine to edit", XSS]
    actions.set_status(app_env, ADMIN, theirs, "blocked")  # another user, after our load
    at.session_state["actions_editor"] = {
        "edited_rows": {0: {"status": "done"}, 1: {"priority": "urgent"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="actions_save").click().run()
    assert_no_exception(at)
    warning = at.warning[0].value
    assert "Saved 1 action item" in warning and "changed by someone else" in warning
    assert md_escape(XSS) in warning  # the refused row is named, as text
    with app_env.read() as s:
        assert s.get(ActionItem, mine).status == "done"  # type: ignore[union-attr]
        kept = s.get(ActionItem, theirs)
        assert kept is not None and (kept.status, kept.priority) == ("blocked", "medium")


def test_review_page_for_lead_and_refused_for_va(app_env: Database) -> None:
    ana = make_person(app_env, name="Ana", email="ana@example.com")
    make_action(app_env, "late", owner_id=ana, due_date=FROZEN_TODAY - timedelta(days=12))
    at = run_page("coordination/review.py", LEAD, opened=("review_drill_open",))
    assert_no_exception(at)
    assert [m.value for m in at.metric][:2] == ["1", "1"]
    aging = next(m.value for m in at.markdown if "Overdue by" in m.value)
    assert f"| {md_cell('1-7 days')} | 0 |" in aging and f"| {md_cell('8-30 days')} | 1 |" in aging
    at.selectbox(key="review_drill").select("Overdue 8-30 days").run()
    assert list(at.dataframe[-1].value["Title"]) == ["late"]
    at = run_page("coordination/review.py", VA)
    assert "Not allowed" in at.error[0].value


def test_review_chart_is_a_pure_function_of_rows() -> None:
    weeks = [WeekRate(date(2026, 11, 9), 4, 3, 3), WeekRate(date(2026, 11, 16), 0, 0, 1)]
    fig = completion_rate_figure(weeks)
    assert list(fig.data[2].y) == [75.0, None]


def test_meeting_flow_create_agenda_minutes_actions_then_next_meeting_shows_carried(
    app_env: Database,
) -> None:
    ana = make_person(app_env, name="Ana", email="ana@example.com")
    at = run_page("coordination/meetings.py", VA)
    assert_no_exception(at)
    at.text_input(key="new_title").input("Platform sync")
    at.multiselect(key="new_people").select(ana)
    at.text_input(key="new_outside").input("guest@vendor.example")
    at.radio(key="new_kind").set_value("weekly")
    at.selectbox(key="new_template").select_index(3)  # alphabetical: Weekly platform sync
    at.button(key="new_submit").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        first = s.exec(select(Meeting).order_by(Meeting.starts_at)).first()
    assert first is not None and first.series_id is not None
    assert at.query_params["meeting"] == [str(first.id)] or at.query_params["meeting"] == str(
        first.id
    )
    # The meeting opens on its own page (issue 13: the list and the workspace are two pages).
    at = run_page("coordination/meeting.py", VA, query={"meeting": str(first.id)})

    at.text_input(key="agenda_add_0_title").input("GPU quota")
    at.button(key="agenda_add_submit").click().run()
    with app_env.read() as s:
        gpu = s.exec(select(AgendaItem).where(AgendaItem.title == "GPU quota")).one()
    at.text_area(key=f"agenda_{gpu.id}_{gpu.version}_minutes").input("Need 64 more H100 hours")
    at.button(key=f"ag_save_{gpu.id}").click().run()
    assert_no_exception(at)
    at.text_input(key="meeting_action_add_0_title").input("Ask Lambda for a quote")
    at.selectbox(key="meeting_action_add_0_owner").select("ana@example.com")
    at.button(key="meeting_action_submit").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(AgendaItem, gpu.id).minutes == "Need 64 more H100 hours"  # type: ignore[union-attr]
        action = s.exec(select(ActionItem)).one()
    assert action.meeting_id == first.id and action.priority == "medium"

    at.button(key="meeting_open_next").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        second = s.exec(
            select(Meeting).where(Meeting.starts_at > first.starts_at).order_by(Meeting.starts_at)
        ).first()
    assert second is not None
    assert str(second.id) in str(at.query_params["meeting"])
    first_day = first.starts_at.date().isoformat()
    labels = [e.label for e in at.expander]
    assert any(f"GPU quota · carried from {first_day} (1x)" in md_unescape(lb) for lb in labels)
    carried = at.dataframe[0].value
    assert list(carried["Title"]) == ["Ask Lambda for a quote"]
    assert list(carried["Carried from"]) == [first_day]
    assert "Carried over" in at.success[0].value


def md_unescape(text: str) -> str:
    return text.replace("\\", "")


def test_meeting_query_param_of_missing_meeting_is_a_warning(app_env: Database) -> None:
    at = run_page("coordination/meeting.py", VA, query={"meeting": "999"})
    assert_no_exception(at)
    assert "Not found" in at.warning[0].value


def test_meeting_can_be_marked_held_and_cancelled(app_env: Database) -> None:
    m = meetings.create_meeting(
        app_env, VA, title="Sync", timezone="UTC", starts_at=FROZEN_AT + timedelta(days=1)
    )
    at = run_page("coordination/meeting.py", VA, query={"meeting": str(m.id)})
    at.button(key="meeting_status_done").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(Meeting, m.id).status == "done"  # type: ignore[union-attr]
    at = run_page("coordination/meeting.py", LEAD, query={"meeting": str(m.id)})
    assert_no_exception(at)
    assert not [b for b in at.button if b.key and b.key.startswith("meeting_status")]


@pytest.mark.parametrize("script", PAGES)
def test_finance_reaching_a_coordination_page_by_url_is_refused(
    app_env: Database, script: str
) -> None:
    make_action(app_env, "secret plan")
    at = run_page(script, Actor("fin@example.com", "finance"))
    assert_no_exception(at)
    assert "Not allowed" in at.error[0].value
    assert not at.dataframe and not at.data_editor


def test_meeting_page_adds_template_items_to_an_existing_agenda(app_env: Database) -> None:
    m = meetings.create_meeting(
        app_env, VA, title="Sync", timezone="UTC", starts_at=FROZEN_AT + timedelta(days=1)
    )
    at = run_page("coordination/meeting.py", VA, query={"meeting": str(m.id)})
    at.selectbox(key="agenda_template_pick").select_index(0)  # Renewal decision
    at.button(key="agenda_template_apply").click().run()
    assert_no_exception(at)
    labels = [md_unescape(e.label) for e in at.expander]
    assert "Alternatives considered" in labels


def test_meeting_page_reschedules_and_invites(app_env: Database) -> None:
    make_person(app_env, name=XSS, email="ana@example.com")
    m = meetings.create_meeting(
        app_env,
        VA,
        title="Sync",
        timezone="Europe/Berlin",
        starts_at=datetime(2030, 3, 30, 8, 0, tzinfo=UTC),
    )
    at = run_page("coordination/meeting.py", VA, query={"meeting": str(m.id)})
    at.multiselect(key="meeting_invite_0_people").select(
        at.multiselect(key="meeting_invite_0_people").options[0]
    )
    at.text_input(key="meeting_invite_0_outside").input("guest@vendor.example")
    at.button(key="invite_submit").click().run()
    assert_no_exception(at)
    move = f"meeting_{m.id}_{m.version}_move"
    at.date_input(key=f"{move}_date").set_value(date(2030, 3, 31))
    at.button(key=f"{move}_submit").click().run()
    assert_no_exception(at)
    _no_raw_html(at)
    detail = meetings.meeting_detail(app_env, VA, m.id or 0)
    # 09:00 CET on 30 March; moved across the clock change it stays 09:00, now CEST.
    assert detail.local_start.isoformat() == "2030-03-31T09:00:00+02:00"
    assert [e for _, e in detail.attendees] == ["ana@example.com", "guest@vendor.example"]


def test_a_series_says_how_it_repeats_in_words(app_env: Database) -> None:
    """Issue 14 item 12: no FREQ=WEEKLY;INTERVAL=1 on the screen."""
    _series, created = meetings.create_series(
        app_env,
        VA,
        title="Sync",
        timezone="UTC",
        rule="weekly",
        first_starts_at=FROZEN_AT + timedelta(days=1),
        attendees=meetings.Attendees((), ()),
    )
    listing = run_page("coordination/meetings.py", VA)
    assert listing.dataframe[0].value["Repeats"].iloc[0] == "Every week"
    one = run_page("coordination/meeting.py", VA, query={"meeting": str(created[0].id)})
    assert_no_exception(one)
    assert "every week" in one.caption[0].value and "FREQ" not in one.caption[0].value
