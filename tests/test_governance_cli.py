"""`opsdesk import-records incidents|drift-policies`, `report obligations|incidents` and
`export annex-iv`, run through the real command on a migrated database."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlmodel import select

import cli
from db.engine import Database
from db.models import DriftPolicy, Incident
from services.governance.annex_iv_render import SECTION_TITLES
from settings import get_settings
from tests.governance_record_builders import make_model, make_vendor_model


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("OPSDESK_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


INCIDENTS = (
    "title,model,category,aware_at,severity\n"
    "Misrouted ambulances,support-bot,Critical infrastructure,2026-10-23T19:30+02:00,critical\n"
    "Patient harmed,credit-scorer,fatal,2026-10-23T19:30+02:00,\n"
)


def test_imported_incidents_report_their_deadlines_as_iso_with_offset(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_vendor_model(cli_db)
    make_model(cli_db)
    f = tmp_path / "incidents.csv"
    f.write_text(INCIDENTS)
    assert cli.main(["import-records", "incidents", str(f)]) == 0
    capsys.readouterr()
    assert cli.main(["report", "incidents", "--format", "json"]) == 0
    rows = {r["title"]: r for r in json.loads(capsys.readouterr().out)}
    bot = rows["Misrouted ambulances"]
    assert bot["model"] == "support-bot" and bot["category"] == "critical_infrastructure"
    assert bot["aware_at"] == "2026-10-23T19:30:00+02:00"
    assert bot["report_due_at"] == "2026-10-25T23:59:59+01:00"
    assert bot["provider_notice_due_at"] == "2026-10-23T19:30:00+02:00"
    assert rows["Patient harmed"]["report_due_at"] == "2026-11-02T23:59:59+01:00"
    assert "not legal advice" in bot["guidance"]
    assert datetime.fromisoformat(bot["report_due_at"]).utcoffset() is not None


def test_an_incident_file_with_one_bad_row_imports_nothing(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_vendor_model(cli_db)
    make_model(cli_db)
    f = tmp_path / "incidents.csv"
    f.write_text(INCIDENTS + "No offset,credit-scorer,death,2026-10-23T19:30,\n")
    assert cli.main(["import-records", "incidents", str(f)]) == 2
    assert "row 4" in capsys.readouterr().err
    f.write_text(INCIDENTS + "Bad words,credit-scorer,bad vibes,2026-10-23T19:30+02:00,\n")
    assert cli.main(["import-records", "incidents", str(f)]) == 2
    err = capsys.readouterr().err
    assert "row 4" in err and "category" in err
    with cli_db.read() as s:
        assert s.exec(select(Incident)).all() == []


def test_drift_policies_import_all_rows_or_none(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_model(cli_db)
    f = tmp_path / "drift.csv"
    header = "model,metric,warning_threshold,critical_threshold,action,direction,review_by\n"
    f.write_text(
        header + "credit-scorer,psi,0.1,0.2,retrain,,2027-01-31\n"
        "credit-scorer,auc,0.8,0.9,alert,below,\n"
    )
    assert cli.main(["import-records", "drift-policies", str(f)]) == 2
    assert "row 3" in capsys.readouterr().err
    f.write_text(
        header + "credit-scorer,psi,0.1,0.2,retrain,,2027-01-31\n"
        "credit-scorer,auc,0.85,0.8,roll back,below,\n"
    )
    assert cli.main(["import-records", "drift-policies", str(f)]) == 0
    with cli_db.read() as s:
        assert {p.action for p in s.exec(select(DriftPolicy)).all()} == {"retrain", "roll_back"}


def test_report_obligations_as_csv_names_state_and_guidance(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    make_model(cli_db)
    from services import planning

    planning.plan_all(cli_db, datetime.fromisoformat("2026-12-01T09:00+00:00"))
    assert cli.main(["report", "obligations", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("id,model,article,title,applies_from,due_date")
    assert "credit-scorer,9,Risk management system,2027-12-02,2027-12-02" in out


@pytest.mark.parametrize("fmt", ["md", "pdf"])
def test_export_annex_iv_writes_all_nine_sections(
    cli_db: Database, tmp_path: Path, fmt: str
) -> None:
    make_model(cli_db, purpose="Scores credit applications")
    out = tmp_path / f"pack.{fmt}"
    assert (
        cli.main(["export", "annex-iv", "credit-scorer", "--format", fmt, "--output", str(out)])
        == 0
    )
    if fmt == "md":
        text = out.read_text()
    else:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    flat = " ".join(text.split())
    for n, title in enumerate(SECTION_TITLES, start=1):
        assert f"{n}. {title}"[:30] in flat
    assert "Scores credit applications" in flat and "Missing (owner:" in flat
