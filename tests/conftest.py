"""Shared fixtures: a real SQLite file per test, and the same tests on a real Postgres server.

Postgres tests read OPSDESK_TEST_POSTGRES_URL (set by `.ci/run` and `make test`, which start a
throwaway cluster); without it they skip with a reason, or fail when OPSDESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from db.clock import FrozenClock
from db.engine import Database
from db.migrate import upgrade
from services.access.access import Actor

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
FOCUS_SAMPLE = FIXTURES / "focus" / "focus_1.0_sample.csv"

# The moment every test stands at unless it says otherwise: a Monday morning, far enough from any
# real date that a test built on it never starts failing because the calendar moved on.
FROZEN_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FROZEN_TODAY = FROZEN_AT.date()  # the test workspace's zone is UTC


def postgres_url() -> str | None:
    return os.environ.get("OPSDESK_TEST_POSTGRES_URL") or None


def skip_or_fail(reason: str, require_var: str) -> None:
    if os.environ.get(require_var) == "1":
        pytest.fail(f"{reason} (and {require_var}=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory, _migrated_sqlite_template: Path) -> Path:
    """A SQLite file with the demo workspace, loaded once for the session (copy it per test)."""
    import shutil

    from services.demo import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(_migrated_sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    demo.load(db, Actor.cli(), today=FROZEN_TODAY)
    db.dispose()
    return path


@pytest.fixture
def clock() -> FrozenClock:
    """The test's clock, frozen at FROZEN_AT; move it with ``clock.advance`` / ``clock.set``."""
    return FrozenClock(FROZEN_AT)


@pytest.fixture
def sqlite_db(
    tmp_path: Path, _migrated_sqlite_template: Path, clock: FrozenClock
) -> Iterator[Database]:
    """A migrated SQLite file of its own (copied from a template: migrating is slow)."""
    path = tmp_path / "opsdesk.db"
    path.write_bytes(_migrated_sqlite_template.read_bytes())
    db = Database.from_url(f"sqlite:///{path}", clock=clock)
    yield db
    db.dispose()


@pytest.fixture
def postgres_db(clock: FrozenClock) -> Iterator[Database]:
    """A fresh database on the test Postgres server, migrated, dropped afterwards."""
    base = postgres_url()
    if base is None:
        skip_or_fail(
            "no Postgres server: set OPSDESK_TEST_POSTGRES_URL", "OPSDESK_REQUIRE_POSTGRES"
        )
        raise AssertionError  # unreachable
    name = f"opsdesk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    db = Database.from_url(url, clock=clock)
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on Postgres."""
    fixture = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    return request.getfixturevalue(fixture)


@pytest.fixture
def admin() -> Actor:
    return Actor(email="admin@example.com", role="admin", user_id=None, name="Admin")


def actor(role: str, email: str | None = None) -> Actor:
    return Actor(email=email or f"{role}@example.com", role=role)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    """Streamlit caches live across AppTest runs in one process; start each test clean."""
    yield
    try:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
    except Exception:
        pass


@pytest.fixture
def app_env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Point the app's settings at this test's SQLite file."""
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_DATABASE_URL", str(sqlite_db.engine.url))
    get_settings.cache_clear()
    yield sqlite_db
    get_settings.cache_clear()


def page_path(script: str) -> Path:
    """A page script by its path inside app_pages/, or by its file name alone when unique."""
    if "/" in script:
        return ROOT / "app_pages" / script
    (found,) = (ROOT / "app_pages").rglob(script)
    return found


def run_page(  # type: ignore[no-untyped-def]
    script: str,
    actor: Actor | None,
    *,
    query: dict[str, str] | None = None,
    clock: FrozenClock | None = None,
    opened: tuple[str, ...] = (),
):
    """Run one page script under AppTest as ``actor`` (paths from the repository root), with
    the app's clock frozen at FROZEN_AT unless ``clock`` is given. ``opened``: keys of lazy
    expanders (ui.widgets.lazy_expander) to open, as a click on them would."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page_path(script)), default_timeout=30)
    at.session_state["_clock"] = clock or FrozenClock(FROZEN_AT)
    if actor is not None:
        at.session_state["_actor"] = actor
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key in opened:
        at.session_state[key] = True
    return at.run()


def assert_no_exception(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
