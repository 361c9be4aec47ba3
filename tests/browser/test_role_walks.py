"""Issue 14's done-when: each role's main task walked end to end over the demo workspace in
Chromium (proxy sign-in, one identity per role), checking what was recorded in the database,
with screenshots at 1440 px and 420 px in /tmp/opsdesk-shots/walk-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    AuditEvent,
    BillingImport,
    Budget,
    Meeting,
    Person,
    RenewalDecision,
    SupportTicket,
    User,
)
from services.access import audit_names, users
from services.demo import demo
from services.spend import billing_import
from services.vendors import renewals
from tests.browser.conftest import SHOTS, main_text, open_page, open_section, pick, wait_ready
from tests.conftest import FOCUS_SAMPLE, actor

HEADER = "X-Forwarded-Email"
ADMIN_EMAIL = "setup@example.com"
WIDE, NARROW = 1440, 420


def _prepare(db: Any) -> None:
    admin = actor("admin", ADMIN_EMAIL)
    users.add_user(db, admin, ADMIN_EMAIL, "admin", name="Setup Admin")
    demo.load(db, admin)


@pytest.fixture(scope="module")
def walk_server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "proxy"}, prepare=_prepare)


@pytest.fixture(scope="module")
def walk_db(walk_server: Any) -> Any:
    db = Database.from_url(walk_server.database_url)
    yield db
    db.dispose()


def _email_of(db: Database, name: str) -> str:
    with db.read() as s:
        return s.exec(select(Person.email).where(Person.name == name)).one()


def _as(browser: Any, email: str, width: int = WIDE) -> Any:
    context = browser.new_context(
        extra_http_headers={HEADER: email}, viewport={"width": width, "height": 1000}
    )
    return context, context.new_page()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # tables and charts draw after the script has finished
    page.screenshot(path=str(SHOTS / f"walk-{name}.png"), full_page=True)


def _both_widths(browser: Any, email: str, url: str, name: str) -> None:
    """Screenshots of one page at 1440 px and 420 px, and no exception at either."""
    for width in (WIDE, NARROW):
        context, page = _as(browser, email, width)
        open_page(page, url)
        _shot(page, f"{name}-{width}")
        context.close()


def _click(page: Any, name: str, nth: int = 0) -> None:
    page.get_by_role("button", name=name, exact=True).nth(nth).click()
    wait_ready(page)


def _choose(page: Any, label: str, option: str) -> None:
    """Pick ``option`` (text it contains) in the selectbox labelled ``label``."""
    pick(page, page.locator("[data-testid='stSelectbox']").filter(has_text=label).first, option)


def _select(page: Any, label: str) -> Any:
    """The selectbox whose label is exactly ``label``."""
    label_text = page.get_by_text(label, exact=True)
    return page.locator("[data-testid='stSelectbox']").filter(has=label_text).first


def _fill(page: Any, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True).first
    field.fill(text)
    field.press("Tab")


def test_va_walk_follow_up_minutes_action_item_and_ticket(
    browser: Any, walk_server: Any, walk_db: Database
) -> None:
    email = _email_of(walk_db, "Priya Nair")
    url = walk_server.url
    context, page = _as(browser, email)
    # Follow-ups: finish the first action item in the queue.
    open_page(page, f"{url}/follow-ups")
    with walk_db.read() as s:
        done_before = s.exec(
            select(func.count()).select_from(ActionItem).where(ActionItem.status == "done")
        ).one()
    _click(page, "Done")
    with walk_db.read() as s:
        done_after = s.exec(
            select(func.count()).select_from(ActionItem).where(ActionItem.status == "done")
        ).one()
    assert done_after == done_before + 1
    # Minutes: open the next meeting from the list and save general minutes.
    open_page(page, f"{url}/meetings")
    page.locator(".st-key-meetings_open button").click()
    wait_ready(page)
    assert "/meeting" in page.url, page.url
    _fill(page, "General minutes", "Agreed to move the eval cluster to spot instances.")
    _click(page, "Save notes")
    with walk_db.read() as s:
        noted = s.exec(select(Meeting).where(col(Meeting.minutes).contains("spot instances")))
        assert noted.first() is not None
    _shot(page, "va-meeting-1440")
    # Action items: quick add.
    open_page(page, f"{url}/actions")
    _fill(page, "New action item", "Send the DPA to Acme due:fri !high")
    _click(page, "Add")
    with walk_db.read() as s:
        added = s.exec(select(ActionItem).where(ActionItem.title == "Send the DPA to Acme")).one()
    assert added.priority == "high" and added.due_date is not None
    # A ticket: log one with the vendor chosen.
    open_page(page, f"{url}/tickets")
    open_section(page, "Log a ticket")
    _choose(page, "Vendor", "OpenAI")
    _fill(page, "Vendor's ticket id", "CASE-778")
    _fill(page, "Title", "Rate limits on batch API")
    _click(page, "Log ticket")
    with walk_db.read() as s:
        ticket = s.exec(select(SupportTicket).where(SupportTicket.vendor_ticket_id == "CASE-778"))
        logged = ticket.one()
    assert logged.last_vendor_update_at is None  # nobody entered one
    context.close()
    _both_widths(browser, email, f"{url}/follow-ups", "va-follow-ups")


def test_lead_walk_review_board_renewal_decision_and_its_follow_up(
    browser: Any, walk_server: Any, walk_db: Database
) -> None:
    email = _email_of(walk_db, "Maya Chen")
    lead = actor("lead", email)
    url = walk_server.url
    _both_widths(browser, email, f"{url}/review", "lead-review")
    mine = [
        r
        for r in renewals.awaiting_decision(renewals.list_renewals(walk_db, lead))
        if r.contract.owner_email == email and not r.contract.deadline_passed
    ]
    assert mine, "the demo gives the lead a renewal to decide"
    target = mine[0].contract
    context, page = _as(browser, email)
    open_page(page, f"{url}/renewals")
    open_section(page, "Decide a renewal")
    _choose(page, "Contract", f"{target.vendor_name} · {target.title}")
    page.get_by_text("Renegotiate", exact=True).click()
    _fill(page, "Note (why; the follow-up items carry it)", "Ask for volume pricing")
    _click(page, "Record decision")
    with walk_db.read() as s:
        decision = s.exec(
            select(RenewalDecision).where(RenewalDecision.contract_id == target.id)
        ).one()
        follow_up = s.exec(
            select(ActionItem).where(
                ActionItem.contract_id == target.id, col(ActionItem.title).startswith("Renegot")
            )
        ).one()
    assert (decision.decision, decision.note) == ("renegotiate", "Ask for volume pricing")
    # The picker shows no contract: not the next one, nor the one just decided above no form.
    assert _select(page, "Contract").locator("input").first.input_value() == ""
    _shot(page, "lead-renewals-1440")
    # The lead closes the follow-up the decision created, from My follow-ups.
    open_page(page, f"{url}/follow-ups")
    page.locator(f".st-key-fu_done_action_{follow_up.id} button").click()
    wait_ready(page)
    with walk_db.read() as s:
        assert s.get(ActionItem, follow_up.id).status == "done"  # type: ignore[union-attr]
    context.close()


def test_finance_walk_import_mapping_spend_by_each_cost_and_a_budget(
    browser: Any, walk_server: Any, walk_db: Database
) -> None:
    email = _email_of(walk_db, "Dana Whitfield")
    url = walk_server.url
    context, page = _as(browser, email)
    open_page(page, f"{url}/imports")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        str(FOCUS_SAMPLE)
    )
    wait_ready(page)
    _click(page, "Import")
    with walk_db.read() as s:
        assert s.exec(
            select(BillingImport).where(BillingImport.filename == FOCUS_SAMPLE.name)
        ).first()
    # Map the last unmatched billing name to a vendor the person chooses (the picker starts at
    # the first), clicking Map twice as an impatient person does.
    admin = actor("admin", ADMIN_EMAIL)
    left = [u.name for u in billing_import.unmatched_names(walk_db, admin)]
    assert len(left) >= 2, left  # the demo's and the sample's names the demo has no vendor for
    names = _select(page, "Billing name")
    pick(page, names, left[-1])
    # A "New vendor" popover draws its form only once opened (a rerun): it must appear.
    page.get_by_role("button", name="New vendor").first.click()
    page.get_by_role("button", name="Create vendor and map").wait_for(timeout=15_000)
    page.keyboard.press("Escape")
    wait_ready(page)
    pick(page, _select(page, "Vendor"), "OpenAI")
    page.get_by_role("button", name="Map", exact=True).dblclick()
    wait_ready(page)
    assert [u.name for u in billing_import.unmatched_names(walk_db, admin)] == left[:-1]
    # The picker moves to a name still unmapped, with no vendor chosen for it.
    assert names.locator("input").first.input_value() == left[0]
    assert page.get_by_role("button", name="Map", exact=True).is_disabled()
    _shot(page, "finance-imports-1440")
    open_page(page, f"{url}/spend")
    billed = main_text(page)
    assert "Billed cost" in billed
    page.get_by_role("radio", name="Effective cost").click()  # the segmented control
    # The metric's label names the cost it totals (the button's label is always there).
    page.get_by_text("Effective cost, ", exact=False).first.wait_for(timeout=15_000)
    wait_ready(page)
    _shot(page, "finance-spend-effective-1440")
    open_page(page, f"{url}/budgets")
    open_section(page, "Add a budget")
    _fill(page, "Name", "Walk budget")
    _choose(page, "Team", "ML Platform")
    _fill(page, "Amount", "18,000")
    _click(page, "Add budget")
    with walk_db.read() as s:
        budget = s.exec(select(Budget).where(Budget.name == "Walk budget")).one()
    assert (str(budget.amount), budget.cost_basis) == ("18000", "billed")
    context.close()
    _both_widths(browser, email, f"{url}/spend", "finance-spend")
    _both_widths(browser, email, f"{url}/budgets", "finance-budgets")


def test_admin_walk_users_and_audit(browser: Any, walk_server: Any, walk_db: Database) -> None:
    url = walk_server.url
    context, page = _as(browser, ADMIN_EMAIL)
    open_page(page, f"{url}/users")
    open_section(page, "Add a user")
    _fill(page, "Email", "new.analyst@example.com")
    _click(page, "Add user")
    with walk_db.read() as s:
        assert s.exec(select(User).where(User.email == "new.analyst@example.com")).one()
    open_page(page, f"{url}/audit")
    assert "events" in main_text(page)  # the table itself is a canvas: check what it reads
    with walk_db.read() as s:
        event = s.exec(
            select(AuditEvent)
            .where(
                AuditEvent.actor == ADMIN_EMAIL,
                AuditEvent.action == "create",
                AuditEvent.record_type == "user",
            )
            .order_by(col(AuditEvent.id).desc())
        ).first()
    assert event is not None
    names = audit_names.record_names(
        walk_db, actor("admin", ADMIN_EMAIL), [(event.record_type, event.record_id)]
    )
    assert list(names.values()) == ["User: new.analyst@example.com"]
    context.close()
    _both_widths(browser, ADMIN_EMAIL, f"{url}/audit", "admin-audit")
    _both_widths(browser, ADMIN_EMAIL, f"{url}/users", "admin-users")
