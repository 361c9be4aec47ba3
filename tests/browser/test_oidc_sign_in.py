"""OIDC mode end to end: a real OpenID provider on 127.0.0.1, Streamlit's st.login, Chromium.

The provider is oidc-provider-mock (a Flask app built on Authlib's server side): it serves a
discovery document, an authorization form where the test types the subject, signed ID tokens
and an end_session endpoint. Nothing is faked on the Opsdesk side: the [auth] secrets are the
same keys the README documents for Google Workspace and Okta.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from services.access import users
from tests.browser.conftest import free_port, main_text, open_page, wait_ready
from tests.conftest import actor

REGISTERED = "lead@example.com"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    import oidc_provider_mock
    import werkzeug.serving

    # The mock refuses plain http unless told; everything here stays on loopback.
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = previous


def set_claims(provider: str, sub: str, claims: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{provider}/users/{quote(sub, safe='')}",
        data=json.dumps(claims).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 204


def _register(db: Any) -> None:
    setup = actor("admin", "setup@example.com")
    users.add_user(db, setup, "setup@example.com", "admin")
    users.add_user(db, setup, REGISTERED, "lead", name="Lee Lead")
    users.add_user(db, setup, "unverified@example.com", "lead", name="Una Verified")


@pytest.fixture(scope="module")
def oidc_server(start_server, provider: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    port = free_port()
    secrets = tmp_path_factory.mktemp("oidc") / "secrets.toml"
    # The README's recipe, pointed at the local provider.
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdefghijklmnop"\n'
        'client_id = "opsdesk"\n'
        'client_secret = "opsdesk-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        'client_kwargs = { prompt = "login" }\n'
    )
    return start_server(
        env={"OPSDESK_AUTH_MODE": "oidc"},
        prepare=_register,
        port=port,
        args=["--secrets.files", str(secrets)],
    )


def _sign_in(page: Any, server: Any, sub: str) -> None:
    open_page(page, server.url)
    assert "Sign in with your company account" in main_text(page)
    page.get_by_role("button", name="Sign in").click()
    # Streamlit redirects the whole window to the provider's authorization form.
    page.get_by_placeholder("sub").wait_for(timeout=30_000)
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{server.url}/**", timeout=30_000)
    wait_ready(page)


def _sidebar(page: Any) -> str:
    return str(page.locator("[data-testid='stSidebar']").inner_text())


def test_a_registered_user_signs_in_sees_their_role_and_signs_out(
    browser: Any, oidc_server: Any, provider: str
) -> None:
    set_claims(provider, REGISTERED, {"email": REGISTERED, "email_verified": True})
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    _sign_in(page, oidc_server, REGISTERED)
    assert "Signed in as" in _sidebar(page) and "Team lead" in _sidebar(page)

    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    # Streamlit sends the browser to the provider's end_session endpoint (RP-initiated logout),
    # which comes back to the redirect_uri and so to the sign-in gate.
    page.get_by_role("button", name="End session").click(timeout=30_000)
    page.wait_for_url(f"{oidc_server.url}/**", timeout=30_000)
    wait_ready(page)
    assert "Sign in with your company account" in main_text(page)
    # The identity cookie is gone: a page URL now lands on the gate too.
    open_page(page, f"{oidc_server.url}/today")
    assert "Sign in with your company account" in main_text(page)
    assert not page.locator("[data-testid='stSidebar']").count()
    context.close()


def test_an_unregistered_user_is_told_to_ask_an_admin(
    browser: Any, oidc_server: Any, provider: str
) -> None:
    stranger = "stranger@example.com"
    set_claims(provider, stranger, {"email": stranger, "email_verified": True})
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, oidc_server, stranger)
    text = main_text(page)
    assert "not registered in Opsdesk" in text and stranger in text
    assert not page.locator("[data-testid='stSidebar']").count()
    context.close()


def test_a_registered_user_with_an_unverified_email_is_told_so(
    browser: Any, oidc_server: Any, provider: str
) -> None:
    email = "unverified@example.com"
    set_claims(provider, email, {"email": email, "email_verified": False})
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, oidc_server, email)
    text = main_text(page)
    assert "has not verified the address" in text and email in text
    assert "not registered" not in text
    assert not page.locator("[data-testid='stSidebar']").count()
    context.close()
