"""Record ids in the URL: anything but a positive ASCII integer in range is a plain "not found",
never Streamlit's crash page; on SQLite and Postgres (whose integer ids stop at 2**31 - 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db.engine import Database
from services.access.access import Actor
from tests.conftest import assert_no_exception, run_page
from ui.query import MAX_ID, parse_id

ADMIN = Actor(email="admin@example.com", role="admin")
BAD_IDS = ["²", "٣", "99999999999999999999999", "-1", "0", "1 OR 1=1", "", " 1", str(MAX_ID + 1)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def page_db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Point the app at a SQLite file or a Postgres database for page tests."""
    from settings import get_settings

    db: Database = request.getfixturevalue(f"{request.param}_db")
    monkeypatch.setenv("OPSDESK_DATABASE_URL", db.engine.url.render_as_string(False))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


@pytest.mark.parametrize("raw", BAD_IDS)
def test_parse_id_refuses_anything_but_a_positive_ascii_id_in_range(raw: str) -> None:
    assert parse_id(raw) is None


def test_parse_id_reads_a_plain_id() -> None:
    assert parse_id("42") == 42 and parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("raw", [*BAD_IDS, str(MAX_ID), "12"])
@pytest.mark.parametrize(
    "script, name", [("vendors/vendors.py", "vendor"), ("coordination/meeting.py", "meeting")]
)
def test_a_bad_or_unknown_id_in_the_url_says_not_found(
    page_db: Database, script: str, name: str, raw: str
) -> None:
    at = run_page(script, ADMIN, query={name: raw})
    assert_no_exception(at)
    assert [w.value for w in at.warning] == [f"Not found: no {name} with that id."]
    back = at.button(key=f"{name}_not_found_back").click().run()
    assert_no_exception(back)
    assert name not in back.query_params
