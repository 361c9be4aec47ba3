"""Every registered page opens as the admin over the demo workspace without an exception."""

from __future__ import annotations

from typing import Any

import pytest

from services import demo
from services.access import Actor
from tests.browser.conftest import open_page
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
