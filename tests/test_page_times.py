"""Every page over the demo workspace, as the admin: a table's times read in the workspace zone,
without a "+00:00" offset or seconds (a zone-aware column drew 2026-11-30 09:00:00+00:00)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import actor, assert_no_exception, run_page

from db.engine import Database
from ui.navigation import PAGES

# And the pages that show one record when its id is in the URL: the first demo record of each.
SCRIPTS = [p.script for p in PAGES if p.script != "coordination/meeting.py"] + [
    "coordination/meeting.py?meeting",
    "vendors/vendors.py?vendor",
    "governance/models.py?model",
    "governance/models.py?model&tab=Versions",
    "governance/models.py?model&tab=Deployments",
    "governance/models.py?model&tab=Operations and cost",
]


@pytest.fixture
def demo_env(
    demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    from settings import get_settings

    path = tmp_path / "opsdesk.db"
    shutil.copyfile(demo_file, path)
    monkeypatch.setenv("OPSDESK_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield Database.from_url(f"sqlite:///{path}")
    get_settings.cache_clear()


def _raw_times(frame: pd.DataFrame, config: dict[str, dict[str, object]]) -> list[str]:
    """Columns that show a zone offset, or a full timestamp with no display format."""
    found = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            found.append(f"{name} (zone-aware)")
        elif pd.api.types.is_datetime64_any_dtype(column.dtype):
            shown = config.get(str(name), {}).get("type_config") or {}
            has_time = (column.dropna().dt.normalize() != column.dropna()).any()
            if has_time and "format" not in shown:
                found.append(f"{name} (no format)")
    return found


@pytest.mark.parametrize("script", SCRIPTS)
def test_no_table_shows_a_raw_timestamp(demo_env: Database, script: str) -> None:
    script, _, params = script.partition("?")
    query = {
        name: value or "1" for name, _, value in (p.partition("=") for p in params.split("&") if p)
    }
    at = run_page(script, actor("admin"), query=query or None)
    assert_no_exception(at)
    raw = {
        i: _raw_times(frame.value, json.loads(frame.proto.columns or "{}"))
        for i, frame in enumerate(at.dataframe)
    }
    assert {i: cols for i, cols in raw.items() if cols} == {}
