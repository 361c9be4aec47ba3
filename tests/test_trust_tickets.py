"""Issue 14 item 2: a new vendor ticket records only what was entered: no vendor preselected, no
"last vendor update" nobody typed, and a refused save keeps what was typed."""

from __future__ import annotations

from sqlmodel import select

from db.engine import Database
from db.models import SupportTicket
from tests.builders import VA, make_vendor
from tests.conftest import assert_no_exception, run_page


def _form_widgets(at, kind, suffix):  # type: ignore[no-untyped-def]
    return next(w for w in getattr(at, kind) if w.key.endswith(suffix))


def test_a_new_ticket_has_no_vendor_and_no_vendor_update_unless_entered(app_env: Database) -> None:
    make_vendor(app_env, "Acme AI")
    second = make_vendor(app_env, "Beta Labs")
    at = run_page("vendors/tickets.py", VA)
    assert_no_exception(at)
    vendor = _form_widgets(at, "selectbox", "_vendor")
    assert vendor.value is None
    assert _form_widgets(at, "date_input", "_last_date").value is None
    _form_widgets(at, "text_input", "_ref").input("T-42")
    _form_widgets(at, "text_input", "_title").input("Rate limits")
    next(b for b in at.button if b.label == "Log ticket").click().run()
    assert any("Choose the vendor" in e.value for e in at.error)
    # Refused: what was typed is still there, nothing was written.
    assert _form_widgets(at, "text_input", "_title").value == "Rate limits"
    with app_env.read() as s:
        assert s.exec(select(SupportTicket)).all() == []
    _form_widgets(at, "selectbox", "_vendor").set_value(second)
    next(b for b in at.button if b.label == "Log ticket").click().run()
    assert_no_exception(at)
    with app_env.read() as s:
        [ticket] = s.exec(select(SupportTicket)).all()
    assert (ticket.vendor_id, ticket.title, ticket.last_vendor_update_at) == (
        second,
        "Rate limits",
        None,
    )
    assert _form_widgets(at, "text_input", "_title").value == ""  # next ticket starts empty
