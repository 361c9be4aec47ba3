"""In a real browser: hostile names show as text, and the daily pages work in a narrow window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from db.models import Person
from services.access.access import Actor
from services.coordination import actions, people
from services.core.clock import today
from services.demo import demo
from services.vendors import vendors
from settings import get_settings
from tests.browser.conftest import main_text, open_page

HOSTILE = "<img src=x onerror=alert(1)> **bold** :red[x] $x$"
LONG = "Extremely Long Vendor Name Incorporated International Machine Learning Holdings GmbH"
CREATED: dict[str, int] = {}


def _prepare(db: Any) -> None:
    cli = Actor.cli()
    demo.load(db, cli)
    vendor_id = vendors.create_vendor(db, cli, name=HOSTILE, notes="<script>alert(2)</script>")
    CREATED["vendor"] = vendor_id
    vendors.create_vendor(db, cli, name=LONG)
    people.add_person(db, cli, name=HOSTILE, email="hostile@example.com")
    with db.read() as s:
        me = s.exec(select(Person).where(Person.email == get_settings().local_admin_email)).one()
    actions.create_action(
        db,
        cli,
        title=HOSTILE,
        owner_id=me.id,
        due_date=today(db) - timedelta(days=1),
        vendor_id=vendor_id,
    )


@pytest.fixture(scope="module")
def server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "local"}, prepare=_prepare)


def _page(browser: Any, width: int) -> tuple[Any, list[str]]:
    """A fresh page and the messages of any JavaScript dialog it opens (there must be none)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return page, dialogs


# Tables draw on a canvas, so the literal text is checked where the name is in the DOM
# (cards, headings, captions); every page is checked for a rendered <img> and a dialog.
@pytest.mark.parametrize(
    ("path", "shows_text"),
    [
        ("follow-ups", True),
        ("vendors?vendor={vendor}", True),
        ("actions", False),
        ("vendors", False),
        ("people", False),
        ("review", False),
    ],
)
def test_a_hostile_name_is_shown_as_text_and_never_runs(
    browser: Any, server: Any, path: str, shows_text: bool
) -> None:
    page, dialogs = _page(browser, 1400)
    url = f"{server.url}/{path.format(vendor=CREATED.get('vendor'))}"
    open_page(page, url, shot=f"hostile-{path.split('?')[0]}")
    if shows_text:
        assert "<img src=x onerror=alert(1)>" in main_text(page)
    assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0
    assert dialogs == []
    page.context.close()


# How far the main area scrolls sideways: a table wider than the window must scroll inside its
# own frame; when the whole page pans instead, the page's other content goes with it.
PAGE_OVERFLOW = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  return main.scrollWidth - main.clientWidth;
}"""


@pytest.mark.parametrize(
    "path",
    [
        "",
        "follow-ups",
        "meetings",
        "vendors",
        "spend",
        "imports",
        "incidents",
        "review",
        "annex-iv",
    ],
)
def test_daily_pages_work_in_a_narrow_window(browser: Any, server: Any, path: str) -> None:
    page, _ = _page(browser, 420)
    open_page(page, f"{server.url}/{path}", shot=f"narrow-{path or 'today'}")
    assert main_text(page).strip()
    assert page.evaluate(PAGE_OVERFLOW) <= 1, f"/{path} is wider than a 420 px window"
    page.context.close()
