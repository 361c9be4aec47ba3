"""Issue 14 items 4 and 9: a lead finishes their own follow-ups; resolving a vendor's ticket
from the queue asks first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import FROZEN_TODAY

from db.engine import Database
from db.models import ActionItem, SupportTicket
from services.access.access import NotAllowed
from services.coordination import actions
from tests.builders import LEAD, VA, make_action, make_person, make_ticket, make_vendor
from tests.conftest import assert_no_exception, run_page


def test_a_lead_marks_their_own_follow_up_done_and_snoozes_another(app_env: Database) -> None:
    me = make_person(app_env, name="Lee", email=LEAD.email)
    a = make_action(app_env, "Confirm renewal with Acme", owner_id=me, due_date=FROZEN_TODAY)
    b = make_action(app_env, "Send the DPA", owner_id=me, due_date=FROZEN_TODAY)
    at = run_page("coordination/follow_ups.py", LEAD)
    at.button(key=f"fu_done_action_{a}").click().run()
    at.button(key=f"fu_snooze_action_{b}").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(ActionItem, a).status == "done"  # type: ignore[union-attr]
        assert s.get(ActionItem, b).snoozed_until == FROZEN_TODAY + timedelta(days=1)  # type: ignore[union-attr]


def test_a_lead_cannot_close_someone_elses_action_item(db: Database) -> None:
    make_person(db, name="Lee", email=LEAD.email)
    other = make_person(db, name="Val", email=VA.email)
    item = make_action(db, "Not yours", owner_id=other)
    with pytest.raises(NotAllowed):
        actions.set_status(db, LEAD, item, "done")
    with db.read() as s:
        assert s.get(ActionItem, item).status == "open"  # type: ignore[union-attr]


def test_done_on_a_ticket_follow_up_asks_before_resolving(app_env: Database) -> None:
    me = make_person(app_env, name="Val", email=VA.email)
    ticket = make_ticket(app_env, make_vendor(app_env), owner_id=me)
    at = run_page("coordination/follow_ups.py", VA)
    at.button(key=f"fu_done_ticket_{ticket}").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(SupportTicket, ticket).status == "open"  # type: ignore[union-attr]
    at.button(key=f"confirm_fu_done_ticket_{ticket}_no").click().run()
    with app_env.read() as s:
        assert s.get(SupportTicket, ticket).status == "open"  # type: ignore[union-attr]
    at.button(key=f"fu_done_ticket_{ticket}").click().run()
    at.button(key=f"confirm_fu_done_ticket_{ticket}_yes").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        assert s.get(SupportTicket, ticket).status == "resolved"  # type: ignore[union-attr]
