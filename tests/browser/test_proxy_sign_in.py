"""Proxy mode in a real browser: the identity header decides the menu and what a URL opens."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import ROLES
from services.access import users
from services.access.access import can
from tests.browser.conftest import main_text, nav_titles, open_page
from tests.conftest import actor
from ui.navigation import PAGES

HEADER = "X-Forwarded-Email"


def _register(db: Any) -> None:
    setup = actor("admin", "setup@example.com")
    users.add_user(db, setup, "setup@example.com", "admin")
    for role in ROLES:
        users.add_user(db, setup, f"{role}@example.com", role, name=f"{role} user")


@pytest.fixture(scope="module")
def proxy_server(start_server):  # type: ignore[no-untyped-def]
    return start_server(env={"OPSDESK_AUTH_MODE": "proxy"}, prepare=_register)


def _context(browser: Any, email: str | None) -> Any:
    headers = {HEADER: email} if email else {}
    return browser.new_context(extra_http_headers=headers, viewport={"width": 1400, "height": 900})


@pytest.mark.parametrize("role", ["va", "finance", "admin"])
def test_the_header_signs_in_and_the_menu_lists_only_the_roles_pages(
    browser: Any, proxy_server: Any, role: str
) -> None:
    context = _context(browser, f"{role}@example.com")
    page = context.new_page()
    open_page(page, proxy_server.url, shot=f"proxy-{role}-home")
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert f"{role} user" in sidebar  # the header reached the app (through the websocket)
    expected = [s.title for s in PAGES if can(actor(role), s.permission) and s.in_menu]
    assert sorted(nav_titles(page)) == sorted(expected)
    context.close()


@pytest.mark.parametrize("role", ["va", "finance"])
def test_a_direct_url_to_a_forbidden_page_is_refused(
    browser: Any, proxy_server: Any, role: str
) -> None:
    forbidden = [s for s in PAGES if not can(actor(role), s.permission)]
    assert forbidden, "every role lacks the admin pages"
    context = _context(browser, f"{role}@example.com")
    page = context.new_page()
    for spec in forbidden:
        open_page(page, f"{proxy_server.url}/{spec.url_path}", shot=f"proxy-{role}-{spec.url_path}")
        text = main_text(page)
        assert "Not allowed" in text, (spec.url_path, text[:500])
        assert spec.title not in nav_titles(page)
    context.close()


def test_without_the_header_nothing_but_who_are_you_is_shown(
    browser: Any, proxy_server: Any
) -> None:
    context = _context(browser, None)
    page = context.new_page()
    open_page(page, f"{proxy_server.url}/users", shot="proxy-no-header")
    assert "could not tell who you are" in main_text(page)
    assert nav_titles(page) == []
    context.close()


def test_an_unregistered_email_sees_only_not_registered(browser: Any, proxy_server: Any) -> None:
    hostile = "<img/src=x/onerror=alert(1)>**x**@example.com"
    context = _context(browser, hostile)
    page = context.new_page()
    open_page(page, proxy_server.url, shot="proxy-unregistered")
    text = main_text(page)
    assert "not registered" in text and hostile in text  # shown as text, not markup
    assert page.locator("[data-testid='stMain'] img").count() == 0
    assert nav_titles(page) == []
    context.close()
