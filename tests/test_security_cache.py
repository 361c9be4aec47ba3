"""User A then user B in one server process: B never sees A's cached data.

``st.cache_data`` is shared by every session of the server. For every page, this runs the page
as an admin (who sees the most) and then as each other role that may open it, without clearing
caches in between, and compares what B saw with what B sees from cold caches.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from db.engine import Database
from db.models import ROLES
from services.access import users
from services.access.access import Actor, can
from services.demo import demo
from tests.conftest import ROOT, actor, assert_no_exception
from ui.navigation import PAGES, PageSpec

USER_PARAMS = {"actor", "role", "user", "email", "user_email", "actor_email"}


@pytest.fixture(scope="module")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, _migrated_sqlite_template: Path
) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(_migrated_sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    demo.load(db, Actor.cli())
    setup = actor("admin", "setup@example.com")
    users.add_user(db, setup, "setup@example.com", "admin")
    for role in ROLES:
        users.add_user(db, setup, f"{role}@example.com", role)
    db.dispose()
    return path


@pytest.fixture
def demo_app(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    from settings import get_settings

    path = tmp_path / "opsdesk.db"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("OPSDESK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("OPSDESK_AUTH_MODE", "oidc")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _visit(email: str, spec: PageSpec) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    at._page_hash = calc_hash(spec.url_path)
    return at.run()


def _shown(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "text",
        "code",
    ):
        out += [f"{kind}:{e.value}" for e in getattr(at, kind)]
    out += [f"metric:{m.label}={m.value}" for m in at.metric]
    out += [f"table:{d.value.to_csv()}" for d in at.dataframe]
    out += [f"select:{s.label}={s.options}" for s in at.selectbox]
    out += [f"multiselect:{s.label}={s.options}" for s in at.multiselect]
    return out


CASES = [
    (spec, role)
    for spec in PAGES
    for role in ROLES
    if role != "admin" and can(actor(role), spec.permission)
]


@pytest.mark.parametrize(("spec", "role"), CASES, ids=[f"{s.url_path}-{r}" for s, r in CASES])
def test_a_page_shows_user_b_the_same_after_user_a_warmed_the_caches(
    demo_app: None, spec: PageSpec, role: str
) -> None:
    st.cache_data.clear()
    warm = _visit("admin@example.com", spec)
    assert_no_exception(warm)
    after_admin = _shown(_visit(f"{role}@example.com", spec))
    st.cache_data.clear()
    cold = _visit(f"{role}@example.com", spec)
    assert_no_exception(cold)
    assert after_admin == _shown(cold)


def _cached_functions() -> Iterator[tuple[str, ast.FunctionDef]]:
    for path in [ROOT / "app.py", *ROOT.glob("app_pages/**/*.py"), *ROOT.glob("ui/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for deco in node.decorator_list:
                    target = deco.func if isinstance(deco, ast.Call) else deco
                    if ast.unparse(target).endswith("cache_data"):
                        yield f"{path.relative_to(ROOT)}:{node.name}", node


def test_every_cache_data_function_takes_the_user_or_says_why_not() -> None:
    """A cached function whose result depends on the user must have the user in its key."""
    offenders = []
    for where, fn in _cached_functions():
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        doc = ast.get_docstring(fn) or ""
        if not params & USER_PARAMS and "same for every user" not in doc.lower():
            offenders.append(where)
    assert offenders == [], (
        f"{offenders}: pass the actor (or role) into the cached function, or state in its "
        "docstring that its result is the same for every user"
    )
