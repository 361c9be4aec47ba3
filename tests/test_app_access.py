"""Every registered page, for every role, signed out and deactivated, through app.py.

The page list is read from ``ui.navigation.PAGES`` at test time, so pages added later are
covered without touching this file. A page the role may not open is reached the way a browser
would by URL (its url path), and must refuse: "Not allowed" shown, an audit event written, and
no query run beyond the sign-in lookup and that audit insert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from db.engine import Database
from db.models import ROLES, AuditEvent
from services.access import users
from services.access.access import can
from tests.conftest import ROOT, actor, assert_no_exception
from ui.navigation import PAGES, PageSpec

GATE_TABLES = {"user", "auditevent", "alembic_version"}
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


class StatementLog:
    """Every SQL statement any engine in this process runs, while recording."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.recording = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording:
            self.statements.append(statement)

    def tables(self) -> set[str]:
        # DDL is the schema brought up to date on first use (the audit triggers), not a read.
        reads = [s for s in self.statements if not s.lstrip().upper().startswith("CREATE")]
        return {t.lower() for s in reads for t in _TABLE.findall(s)}


@pytest.fixture
def sql_log() -> Iterator[StatementLog]:
    log = StatementLog()
    event.listen(Engine, "before_cursor_execute", log)
    yield log
    event.remove(Engine, "before_cursor_execute", log)


@pytest.fixture
def oidc_app(app_env: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The app in OIDC mode over the test database, with one active user per role."""
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_AUTH_MODE", "oidc")
    get_settings.cache_clear()
    admin = actor("admin", "setup@example.com")
    users.add_user(app_env, admin, "setup@example.com", "admin")
    for role in ROLES:
        users.add_user(app_env, admin, f"{role}@example.com", role, name=f"{role} <b>user</b>")
    return app_env


def app_as(email: str | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.user = {"is_logged_in": True, "email": email} if email else {"is_logged_in": False}
    at.secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback"}}
    return at


def open_page(at: AppTest, spec: PageSpec) -> AppTest:
    """Open ``spec`` the way a browser does with its URL: by url path (as the first run)."""
    # AppTest.switch_page matches file paths only; a hidden refusal page has none, so
    # request the page hash Streamlit derives from the url path, as a browser URL does.
    at._page_hash = calc_hash(spec.url_path)
    return at.run()


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def _denials(db: Database) -> list[AuditEvent]:
    with db.read() as session:
        query = select(AuditEvent).where(AuditEvent.action == "denied")
        return list(session.exec(query).all())


CASES = [(spec, role) for spec in PAGES for role in ROLES]


@pytest.mark.parametrize(("spec", "role"), CASES, ids=[f"{s.url_path}-{r}" for s, r in CASES])
def test_each_page_for_each_role_renders_or_refuses(
    oidc_app: Database, sql_log: StatementLog, spec: PageSpec, role: str
) -> None:
    at = app_as(f"{role}@example.com")
    users.resolve_identity(oidc_app, "warm-up@example.com")  # engine and tables warmed
    sql_log.recording = True
    open_page(at, spec)
    sql_log.recording = False
    assert_no_exception(at)
    if can(actor(role), spec.permission):
        assert "Not allowed" not in _errors(at)
        assert at.title[0].value != "Not allowed" if at.title else True
    else:
        assert "Not allowed" in _errors(at)
        assert sql_log.tables() <= GATE_TABLES, sql_log.tables()
        (denial,) = _denials(oidc_app)
        assert (denial.actor, denial.record_type, denial.record_id) == (
            f"{role}@example.com",
            "page",
            spec.url_path,
        )


@pytest.mark.parametrize("role", ROLES)
def test_navigation_lists_exactly_the_pages_of_the_role(oidc_app: Database, role: str) -> None:
    at = app_as(f"{role}@example.com").run()
    assert_no_exception(at)
    # Every page is registered; the role's own pages run their script, the others are hidden
    # callables that refuse (no script path). The landing page, served at "/", keeps its own
    # path too, as a hidden callable that leads to "/".
    own = [s for s in PAGES if can(actor(role), s.permission)]
    expected = {str(ROOT / "app_pages" / s.script) for s in own}
    infos = list(at._registered_pages.values())
    landing = [s.url_path for s in own if s.default]
    assert landing == ["today"]
    assert len(infos) == len(PAGES) + len(landing)
    assert {info["script_path"] for info in infos if info.get("script_path")} == expected
    paths = sorted(info.get("url_pathname", "") for info in infos)
    assert paths == sorted(["", *(s.url_path for s in PAGES)])  # "" is the landing page at "/"


@pytest.mark.parametrize("spec", PAGES, ids=[s.url_path for s in PAGES])
@pytest.mark.parametrize("who", ["signed-out", "unregistered", "deactivated"])
def test_no_page_renders_for_a_refused_identity(
    oidc_app: Database, sql_log: StatementLog, spec: PageSpec, who: str
) -> None:
    email = {"signed-out": None, "unregistered": "x@example.com", "deactivated": "va@example.com"}
    if who == "deactivated":
        users.deactivate_user(oidc_app, actor("admin", "setup@example.com"), "va@example.com")
    at = app_as(email[who])
    sql_log.recording = True
    open_page(at, spec)
    sql_log.recording = False
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Opsdesk"]
    if who == "signed-out":
        assert [b.label for b in at.button] == ["Sign in"]
    else:
        assert "not registered" in at.warning[0].value
    assert sql_log.tables() <= GATE_TABLES, sql_log.tables()


def test_a_user_deactivated_mid_session_is_refused_on_the_next_rerun(oidc_app: Database) -> None:
    at = app_as("lead@example.com").run()
    assert not at.warning and at.sidebar.caption
    users.deactivate_user(oidc_app, actor("admin", "setup@example.com"), "lead@example.com")
    at.run()
    assert "not registered" in at.warning[0].value
    assert at.session_state["_actor"] is None
    # The menu of before is replaced: no page script is reachable any more.
    assert not [i for i in at._registered_pages.values() if i.get("script_path")]


def test_a_role_change_applies_on_the_next_rerun(oidc_app: Database) -> None:
    at = app_as("va@example.com").run()
    assert at.session_state["_actor"].role == "va"
    users.set_role(oidc_app, actor("admin", "setup@example.com"), "va@example.com", "finance")
    at.run()
    assert at.session_state["_actor"].role == "finance"
    # The menu kept for the session was the VA's: it is built afresh for the new role.
    scripts = {i["script_path"] for i in at._registered_pages.values() if i.get("script_path")}
    assert scripts == {
        str(ROOT / "app_pages" / s.script) for s in PAGES if can(actor("finance"), s.permission)
    }


def test_the_sidebar_shows_the_user_name_as_text(oidc_app: Database) -> None:
    at = app_as("lead@example.com").run()
    caption = at.sidebar.caption[0].value
    assert "lead \\<b\\>user\\</b\\>" in caption


def test_an_unverified_email_from_the_identity_provider_is_refused_and_told_why(
    oidc_app: Database,
) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.user = {"is_logged_in": True, "email": "admin@example.com", "email_verified": False}
    at.run()
    warning = at.warning[0].value
    assert "has not verified the address admin@example\\.com" in warning
    assert "not registered" not in warning
    assert at.session_state["_actor"] is None


def test_oidc_without_an_auth_section_says_what_to_configure(oidc_app: Database) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.user = {}
    at.run()
    assert_no_exception(at)
    assert "[auth]" in at.error[0].value


def test_local_mode_signs_in_the_local_admin_and_labels_it(
    app_env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_AUTH_MODE", "local")
    get_settings.cache_clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert_no_exception(at)
    assert "Local admin" in at.sidebar.caption[0].value
    assert at.session_state["_actor"].role == "admin"


def test_proxy_mode_without_the_header_is_refused(
    app_env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AppTest sends no headers, like a request that bypassed the proxy."""
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_AUTH_MODE", "proxy")
    get_settings.cache_clear()
    users.add_user(app_env, actor("admin"), "admin@example.com", "admin")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert_no_exception(at)
    # Issue 14 item 14: not "signed in, but not registered"; nobody is signed in.
    assert "could not tell who you are" in at.warning[0].value
    assert "not registered" not in at.warning[0].value
    assert at.session_state["_actor"] is None


@pytest.mark.parametrize(
    ("values", "email"),
    [
        (["ana@example.com"], "ana@example.com"),
        ([" ana@example.com "], "ana@example.com"),
        ([], None),
        ([""], None),
        (["evil@example.com", "ana@example.com"], None),  # the client's header and the proxy's
        (["evil@example.com, ana@example.com"], None),
        (["ana@example.com admin@example.com"], None),
    ],
)
def test_proxy_header_must_carry_exactly_one_address(values: list[str], email: str | None) -> None:
    from ui.auth import email_from_proxy_header

    assert email_from_proxy_header(values) == email
