"""Every registered page opens as the admin over the demo workspace without an exception."""

from __future__ import annotations

from typing import Any

import pytest

from services.access.access import Actor
from services.demo import demo
from tests.browser.conftest import EXCEPTION, main_text, open_page, wait_ready
from ui.navigation import PAGES, PageSpec


def _load_demo(db: Any) -> None:
    demo.load(db, Actor.cli())


@pytest.fixture(scope="module")
def demo_server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "local"}, prepare=_load_demo)


@pytest.fixture(scope="module")
def admin_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("spec", PAGES, ids=[s.url_path for s in PAGES])
def test_page_opens_without_exception(demo_server: Any, admin_page: Any, spec: PageSpec) -> None:
    path = "" if spec.default else spec.url_path
    open_page(admin_page, f"{demo_server.url}/{path}", shot=f"admin-{spec.url_path}")
    assert "Page not found" not in admin_page.content()


def test_the_landing_page_opens_at_its_own_path_too(demo_server: Any, admin_page: Any) -> None:
    """Streamlit serves the default page at "/" only: "/today", bookmarked or shared, said
    "Page not found" over it. It now lands on Today at "/", with Today marked in the menu."""
    open_page(admin_page, f"{demo_server.url}/today")
    admin_page.wait_for_url(f"{demo_server.url}/")
    wait_ready(admin_page)
    assert "Page not found" not in admin_page.content()
    assert admin_page.get_by_role("heading", name="Today", exact=True).count() == 1
    current = admin_page.locator("[data-testid='stSidebarNav'] a[aria-current='page']")
    assert current.inner_text().strip().endswith("Today")


@pytest.mark.parametrize(
    ("path", "tab", "marker"),
    [
        ("spend", "Anomalies", "A day is an anomaly"),
        ("spend", "Commitments", "matched to the contract's vendor"),
        ("renewals", "Contracts", "Renewal history and amendments"),
    ],
)
def test_clicking_a_tab_runs_it_and_puts_it_in_the_url(
    demo_server: Any, admin_page: Any, path: str, tab: str, marker: str
) -> None:
    """Spend and Renewals run only the open tab: a click must rerun the page with the new tab
    drawn, and the URL must carry it so the view can be shared."""
    open_page(admin_page, f"{demo_server.url}/{path}")
    assert marker not in main_text(admin_page)
    admin_page.get_by_role("tab", name=tab).click()
    admin_page.wait_for_url(lambda url: url.endswith(f"/{path}?tab={tab}"))
    wait_ready(admin_page)
    admin_page.get_by_text(marker).first.wait_for(timeout=15_000)
    assert not admin_page.locator(EXCEPTION).count()
    open_page(admin_page, f"{demo_server.url}/{path}?tab={tab}")  # a shared link opens it too
    assert marker in main_text(admin_page)
