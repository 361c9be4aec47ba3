"""AppTest of the vendor-area pages, and their pure chart builders."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import FROZEN_AT, FROZEN_TODAY, actor, assert_no_exception, run_page

from db.engine import Database
from services.vendors import vendors
from tests.builders import (
    ADMIN,
    add_rollup,
    make_contract,
    make_person,
    make_seat_pool,
    make_ticket,
    make_vendor,
)
from ui.charts_vendors import (
    LABEL_CHARS,
    TIMELINE_KEY,
    SpendRow,
    TimelineRow,
    renewal_timeline,
    spend_trend,
)

XSS = "<img src=x onerror=alert(1)>"


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [
        str(getattr(e, "value", ""))
        for e in (*at.markdown, *at.title, *at.caption, *at.subheader, *at.text)
    ]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(parts)


def _workspace(db: Database) -> int:
    owner = make_person(db)
    vid = make_vendor(db, name=XSS, owner_id=owner, aliases=["xss inc"])
    soon = FROZEN_TODAY + timedelta(days=20)
    start = (soon + timedelta(days=1)).replace(year=soon.year - 1)
    make_contract(
        db,
        vid,
        title=f"**{XSS}**",
        start_date=start,
        renewal_type="none",
        notice_days=0,
        owner_id=owner,
        sla_hours=4,
    )
    make_seat_pool(db, vid, product=XSS)
    make_ticket(db, vid, title=XSS, owner_id=owner, opened_at=FROZEN_AT - timedelta(days=2))
    add_rollup(db, "XSS Inc", FROZEN_TODAY.replace(day=1), "12.34")
    return vid


@pytest.mark.parametrize("script", ["vendors.py", "renewals.py", "seats.py", "tickets.py"])
def test_page_empty_state_renders(app_env: Database, script: str) -> None:
    at = run_page(script, ADMIN)
    assert_no_exception(at)
    assert at.info or at.caption


@pytest.mark.parametrize(
    ("script", "query"),
    [
        ("vendors.py", None),
        ("renewals.py", None),
        ("renewals.py", {"tab": "Contracts"}),
        ("seats.py", None),
        ("tickets.py", None),
    ],
)
def test_page_shows_hostile_names_as_text(
    app_env: Database, script: str, query: dict[str, str] | None
) -> None:
    _workspace(app_env)
    at = run_page(script, ADMIN, query=query)
    assert_no_exception(at)
    assert XSS in _all_text(at)
    for element in (*at.markdown, *at.title, *at.caption, *at.subheader):
        assert "<img" not in str(element.value)  # markdown only ever gets the escaped form


def test_vendor_detail_page_shows_everything_about_it(app_env: Database) -> None:
    vid = _workspace(app_env)
    at = run_page("vendors/vendors.py", ADMIN, query={"vendor": str(vid)})
    assert_no_exception(at)
    assert [t.value for t in at.title] == [r"\<img src=x onerror=alert\(1\)\>"]
    headings = {s.value for s in at.subheader}
    assert {
        "Contacts",
        "Contracts",
        "Seats",
        "Support tickets",
        "Meetings",
        "Open action items",
        "Spend trend",
    } <= headings
    text = _all_text(at)
    assert "xss inc" in text and XSS in text


def test_vendor_detail_with_unknown_or_bad_id_says_so(app_env: Database) -> None:
    at = run_page("vendors/vendors.py", ADMIN, query={"vendor": "999"})
    assert_no_exception(at)
    assert "Not found" in at.warning[0].value
    at = run_page("vendors/vendors.py", ADMIN, query={"vendor": "1 OR 1=1"})
    assert_no_exception(at)
    assert "Not found" in at.warning[0].value


def test_vendor_add_form_refuses_javascript_website(app_env: Database) -> None:
    at = run_page("vendors/vendors.py", ADMIN)
    at.text_input(key="vendors_add_0_name").input("Evil")
    at.text_input(key="vendors_add_0_website").input(" JaVaScRiPt:alert(1)")
    form_submit = next(b for b in at.button if b.label == "Add vendor")
    form_submit.click().run()
    assert_no_exception(at)
    assert at.error
    assert vendors.list_vendors(app_env, ADMIN) == []
    assert at.text_input(key="vendors_add_0_name").value == "Evil"  # refused: still typed


def test_deleting_a_vendor_asks_first(app_env: Database) -> None:
    """Issue 14 item 4: one click on Delete only opens the confirmation."""
    vid = make_vendor(app_env, name="Acme AI")
    at = run_page("vendors/vendors.py", ADMIN, opened=("vendors_edit_open",))
    at.button(key=f"vendors_delete_{vid}").click().run()
    assert_no_exception(at)
    assert [v.id for v in vendors.list_vendors(app_env, ADMIN)] == [vid]
    at.button(key=f"confirm_vendors_delete_{vid}_yes").click().run()
    assert_no_exception(at)
    assert vendors.list_vendors(app_env, ADMIN) == []


def test_renewal_decision_from_the_page(app_env: Database) -> None:
    _workspace(app_env)
    from services.vendors.renewals import list_renewals

    [before] = list_renewals(app_env, ADMIN)
    at = run_page("vendors/renewals.py", ADMIN, opened=("renewals_decide_open",))
    at.selectbox(key="renewals_decide_pick").set_value(before.contract.id).run()
    next(r for r in at.radio if r.label == "Decision").set_value("cancel")
    next(b for b in at.button if b.label == "Record decision").click().run()
    assert_no_exception(at)
    [row] = list_renewals(app_env, ADMIN)
    assert row.decision is not None and row.decision.decision == "cancel"


def test_an_admin_sets_reminder_recipients_for_one_contract(app_env: Database) -> None:
    _workspace(app_env)
    from services.delivery import reminders

    at = run_page("vendors/renewals.py", ADMIN, query={"tab": "Contracts"})
    [key] = [t.key for t in at.text_input if t.key.startswith("contract_recipients_emails_")]
    at.text_input(key=key).input("cfo@example.com, va@example.com")
    next(b for b in at.button if b.label == "Save recipients").click().run()
    assert_no_exception(at)
    [rule] = [r for r in reminders.list_rules(app_env, ADMIN) if r.record_type == "contract"]
    assert (rule.kind, rule.recipients) == ("contract", "cfo@example.com,va@example.com")
    va = run_page("vendors/renewals.py", actor("va"), query={"tab": "Contracts"})
    assert not [t for t in va.text_input if t.key.startswith("contract_recipients_")]


@pytest.mark.parametrize("tab", ["Renewals", "Contracts"])
def test_finance_sees_values_but_va_does_not(app_env: Database, tab: str) -> None:
    _workspace(app_env)
    va = run_page("vendors/renewals.py", actor("va"), query={"tab": tab})
    assert_no_exception(va)
    assert "12,000.50" not in _all_text(va)
    finance = run_page("vendors/renewals.py", actor("finance"), query={"tab": tab})
    assert_no_exception(finance)
    assert "USD 12,000.50" in _all_text(finance)


def test_renewals_page_runs_only_the_open_tab(app_env: Database) -> None:
    _workspace(app_env)
    closed = run_page("vendors/renewals.py", ADMIN)
    assert not closed.selectbox and not closed.radio  # the decision forms wait for a click
    calendar = run_page("vendors/renewals.py", ADMIN, opened=("renewals_decide_open",))
    assert [s.key for s in calendar.selectbox] == ["renewals_decide_pick"]
    assert not [s for s in calendar.selectbox if s.key == "contracts_pick"]
    contracts_tab = run_page("vendors/renewals.py", ADMIN, query={"tab": "Contracts"})
    labels = [b.label for b in contracts_tab.button]
    assert "Record decision" not in labels
    assert "Add contract" in labels  # the first form tab; Edit and Amend wait for a click
    assert "Save changes" not in labels and "Record amendment" not in labels


def test_a_contract_is_added_edited_and_amended_from_the_page(app_env: Database) -> None:
    from services.vendors import contract_history, contracts

    vid = make_vendor(app_env, name="Acme AI")
    at = run_page("vendors/renewals.py", ADMIN, query={"tab": "Contracts"})
    at.text_input(key="contracts_add_0_title").input("Acme platform")
    at.text_input(key="contracts_add_0_value").input("1200.50")
    next(b for b in at.button if b.label == "Add contract").click().run()
    assert_no_exception(at)
    [added] = contracts.list_contracts(app_env, ADMIN)
    assert (added.vendor_id, added.title, added.value) == (vid, "Acme platform", Decimal("1200.50"))

    at.session_state["contracts_form"] = "Edit"
    at.run()
    prefix = f"contracts_edit_{added.id}_{added.version}"
    at.number_input(key=f"{prefix}_notice").set_value(60)
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert_no_exception(at)
    [edited] = contracts.list_contracts(app_env, ADMIN)
    assert edited.notice_days == 60 and edited.version == added.version + 1

    at.session_state["contracts_form"] = "Record an amendment"
    at.run()
    at.text_area(key=f"contracts_amend_{added.id}_0_summary").input("Added 10 seats")
    at.text_input(key=f"contracts_amend_{added.id}_0_value").input("250.00")
    next(b for b in at.button if b.label == "Record amendment").click().run()
    assert_no_exception(at)
    history = contract_history.contract_history(app_env, ADMIN, added.id, as_of=FROZEN_TODAY)
    [amendment] = history.amendments
    assert amendment.summary == "Added 10 seats" and amendment.value_change == Decimal("250.00")


def test_renewal_timeline_has_one_bar_per_contract_and_five_bands() -> None:
    as_of = date(2026, 11, 22)
    rows = [
        TimelineRow(XSS, "a", as_of + timedelta(days=10), as_of + timedelta(days=40), "≤14 days"),
        TimelineRow(
            "B", "b", as_of - timedelta(days=3), as_of + timedelta(days=5), "passed", "renew"
        ),
    ]
    fig = renewal_timeline(rows, as_of)
    [bar] = fig.data
    assert len(bar.y) == 2
    assert all("<img" not in label for label in bar.y)
    assert "&lt;img" in bar.y[0]
    assert len(fig.layout.shapes) == 6  # five bands and the as-of line
    # Their key is a caption under the chart, not labels that run into each other when narrow.
    assert not fig.layout.annotations
    assert all(f"{days}" in TIMELINE_KEY for days in (14, 30, 60, 90, 120))
    assert bar.marker.color[1] == "#d62728"  # a passed deadline stands out


def test_a_long_name_is_cut_on_the_timeline_axis_and_shown_whole_on_hover() -> None:
    as_of = date(2026, 11, 22)
    long_vendor = "Extremely Long Vendor Name Incorporated International Holdings & Co. KG"
    rows = [TimelineRow(long_vendor, "GPUs", as_of + timedelta(days=10), as_of, "≤14 days")]
    [bar] = renewal_timeline(rows, as_of).data
    assert len(bar.y[0]) <= LABEL_CHARS and bar.y[0].endswith("…")
    assert bar.customdata[0][4] == f"{long_vendor.replace('&', '&amp;')} · GPUs"


def test_spend_trend_draws_one_line_per_currency() -> None:
    fig = spend_trend(
        [
            SpendRow(date(2026, 9, 1), "USD", Decimal("1.10")),
            SpendRow(date(2026, 10, 1), "USD", Decimal("2")),
            SpendRow(date(2026, 10, 1), "EUR", Decimal("3")),
        ]
    )
    assert [t.name for t in fig.data] == ["EUR", "USD"]
    assert list(fig.data[1].y) == [1.1, 2.0]


def test_spreadsheet_import_announces_its_own_size_limit(app_env: Database) -> None:
    """The uploader says 20 MB, what the importer accepts, not the server's 512 MB: a user
    learns it before uploading, not after."""
    from services import record_imports

    at = run_page("vendors/vendors.py", ADMIN, opened=("record_import_vendors_open",))
    assert_no_exception(at)
    [uploader] = at.get("file_uploader")
    assert uploader.proto.max_upload_size_mb == record_imports.MAX_RECORD_FILE_BYTES // 2**20
    assert uploader.proto.max_upload_size_mb == 20
