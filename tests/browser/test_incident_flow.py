"""Issue 18's incident flow in a real browser: a VA records a serious incident on a vendor-hosted
model on the Incidents page; the clocks, the notice to the provider, the vendor ticket, the
deployment hold and the review meeting follow; a lead closes it on the page.

The server runs on the wall clock, so every date here is built from the clock of a Database opened
on the server's URL, never from a fixed day that the server would see as the future.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from db.engine import Database
from db.models import AgendaItem, Incident, IncidentModel, Meeting, SupportTicket
from services.access import users
from services.core import clock
from services.governance import clocks, deployments, incident_views
from services.governance.incidents import DeploymentHeld
from services.governance.inventory import add_version
from settings import get_settings
from tests.browser.conftest import main_text, open_page, open_section, pick, wait_ready
from tests.conftest import actor
from tests.governance_record_builders import ADMIN, VA, make_vendor_model

HEADER = "X-Forwarded-Email"
TITLE = "Support bot told callers to switch off grid safety relays"
MODEL = "support-bot"


def _prepare(db: Database) -> None:
    setup = actor("admin", "setup@example.com")
    users.add_user(db, setup, "setup@example.com", "admin")
    users.add_user(db, setup, "va@example.com", "va", name="Vera VA")
    users.add_user(db, setup, "lead@example.com", "lead", name="Lee Lead")
    ids = make_vendor_model(db, MODEL)  # source vendor_api, a contract, a support contact
    add_version(db, ADMIN, ids["model"], number=1, now=db.clock.now())


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "proxy"}, prepare=_prepare)


def _page(browser: Any, email: str) -> Any:
    context = browser.new_context(
        extra_http_headers={HEADER: email}, viewport={"width": 1400, "height": 1400}
    )
    return context.new_page()


def _choose(page: Any, label: str, option: str) -> None:
    """Open a selectbox or multiselect by its label and pick ``option`` from the popover list."""
    fields = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']")
    pick(page, fields.filter(has=page.get_by_label(label)).first, option)
    page.keyboard.press("Escape")  # a multiselect keeps its list open after a pick


def _record_on_page(page: Any, aware_day: date) -> None:
    form = page.locator("[data-testid='stForm']").filter(has_text="What happened")
    form.get_by_label("What happened").fill(TITLE)
    _choose(page, "Category", "Serious, irreversible disruption of critical infrastructure")
    _choose(page, "Models involved", MODEL)
    # The date input is a segmented field: each part is typed into its own spin button.
    for part, value in (
        ("year, We became aware on", aware_day.year),
        ("month, We became aware on", aware_day.month),
        ("day, We became aware on", aware_day.day),
        ("hour, at", 9),
        ("minute, at", 0),
    ):
        segment = form.get_by_label(part)
        segment.click()
        segment.press_sequentially(f"{value:02d}")
    form.get_by_label("Description").click()
    form.get_by_label("Description").fill("Callers were told to bypass relays; two substations.")
    form.get_by_role("button", name="Record incident").click()
    wait_ready(page)
    # The toast can be lost to the rerun that follows it: wait for the new state instead.
    page.get_by_role("heading", name=TITLE).wait_for(timeout=30_000)


def test_a_va_records_a_serious_vendor_incident_and_a_lead_closes_it(
    browser: Any, server: Any
) -> None:
    db = Database.from_url(server.database_url)
    tz = get_settings().tz
    # Yesterday at 09:00 (typed; the form's default is now) is in the past whatever the hour.
    aware_day = clock.today(db, tz) - timedelta(days=1)
    aware_at = datetime.combine(aware_day, time(9, 0), tzinfo=tz)

    va = _page(browser, "va@example.com")
    open_page(va, f"{server.url}/incidents", shot="incident-va-empty")
    assert "No incidents recorded" in main_text(va)
    _record_on_page(va, aware_day)
    open_page(va, f"{server.url}/incidents", shot="incident-va-recorded")

    with db.read() as s:
        incident = s.exec(select(Incident).where(Incident.title == TITLE)).one()
        model_ids = s.exec(
            select(IncidentModel.model_id).where(IncidentModel.incident_id == incident.id)
        ).all()
    assert incident.category == "critical_infrastructure" and incident.status == "open"
    assert incident.evidence_hold
    [model_id] = model_ids

    # The clocks: the Art. 73(3) report is due at the end of the second day after awareness.
    [view] = incident_views.list_incidents(db, VA, tz=tz)  # what the page's tables draw
    assert view.aware_at == aware_at  # the day and time typed into the form
    assert [d.key for d in view.deadlines] == [
        "provider_notice",
        "initial_report",
        "complete_report",
    ]
    assert view.report_due_at == clocks.end_of_day_after(aware_at, 2, tz)
    assert all(d.due_at is not None for d in view.deadlines[:2]) and view.held
    assert view.deadlines[1].rule == "Art. 73(3)"  # the 2-day clock, drawn in a canvas table

    # The draft notice to the vendor contact, shown on the page as plain (disabled) text.
    assert incident.notice_to == "support@lumen.example"
    assert "Art. 26(5)" in incident.notice_draft
    open_section(va, "Draft notice to the provider")
    notice = va.get_by_label("Draft notice to the provider, to support@lumen.example")
    assert notice.input_value() == incident.notice_draft

    with db.read() as s:
        ticket = s.get(SupportTicket, incident.ticket_id)
        meeting = s.get(Meeting, incident.review_meeting_id)
        agenda = s.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
    assert ticket is not None and ticket.severity == "critical"
    assert meeting is not None and agenda
    assert "Reporting clocks (guidance, not legal advice)" in [a.title for a in agenda]
    assert f"Vendor ticket: #{ticket.id}" in main_text(va)

    # Art. 73(6): a new deployment of the model is refused while the incident is open.
    with pytest.raises(DeploymentHeld, match="under investigation"):
        deployments.record_deployment(
            db,
            VA,
            model_id,
            version_number=1,
            environment="production",
            at=db.clock.now(),
            reason="hotfix",
        )
    assert not va.get_by_role("button", name="Close incident").count()  # a VA cannot close

    lead = _page(browser, "lead@example.com")
    open_page(lead, f"{server.url}/incidents", shot="incident-lead")
    lead.get_by_role("button", name="Close incident").click()
    wait_ready(lead)
    # Only open incidents are listed by default: the register is empty again once it is closed.
    lead.get_by_text("No incidents recorded").wait_for(timeout=30_000)

    with db.read() as s:
        closed = s.get(Incident, incident.id)
        assert closed is not None
        assert closed.status == "closed" and closed.closed_at is not None
    # Closing ends the hold: the same deployment now goes through.
    assert deployments.record_deployment(
        db,
        VA,
        model_id,
        version_number=1,
        environment="production",
        at=db.clock.now(),
        reason="fix reviewed",
    )
    db.dispose()
