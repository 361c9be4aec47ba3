"""`import-records` for vendors, contracts, seat pools and tickets, and `report renewals`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FROZEN_AT, FROZEN_TODAY
from sqlmodel import select

import cli
from db.engine import Database
from db.models import Contract, SeatPool, SupportTicket, Vendor
from services.record_imports import RecordError, import_file
from services.vendors import contracts, seats, tickets
from tests.builders import ADMIN, make_contract, make_person, make_vendor


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


VENDORS_CSV = (
    "name,category,website,aliases,owner_email\n"
    "OpenAI,llm_api,https://openai.com,OpenAI L.L.C.;openai,pat@example.com\n"
    "Labelbox,data_labeling,,,\n"
)


def test_vendors_import_all_rows(db: Database, tmp_path: Path) -> None:
    make_person(db)
    assert import_file(db, ADMIN, "vendors", write(tmp_path, "v.csv", VENDORS_CSV)) == 2
    with db.read() as s:
        names = sorted(v.name for v in s.exec(select(Vendor)))
    assert names == ["Labelbox", "OpenAI"]


@pytest.mark.parametrize(
    ("line", "column", "problem"),
    [
        ("Evil,other,javascript:alert(1)", "website", "http"),
        ("Evil,other, JaVaScRiPt:alert(1)", "website", "http"),
        ('Evil,other,"data:text/html,<b>x</b>"', "website", "http"),
        ("Evil,spaceships,https://x.example", "category", "unknown category"),
    ],
)
def test_vendors_import_refuses_whole_file_naming_row_and_problem(
    db: Database, tmp_path: Path, line: str, column: str, problem: str
) -> None:
    text = "name,category,website\nGood,other,https://good.example\n" + line + "\n"
    with pytest.raises(RecordError) as err:
        import_file(db, ADMIN, "vendors", write(tmp_path, "v.csv", text))
    assert err.value.row == 3 and err.value.column == column
    assert problem in str(err.value)
    with db.read() as s:
        assert s.exec(select(Vendor)).first() is None


CONTRACTS_HEADER = (
    "vendor,title,start_date,initial_term_months,renewal_type,renewal_period_months,"
    "notice_days,value,currency,owner_email\n"
)


def test_contracts_import_with_alias_lookup_and_exact_values(db: Database, tmp_path: Path) -> None:
    make_person(db)
    make_vendor(db, name="OpenAI", aliases=["OpenAI L.L.C."])
    text = CONTRACTS_HEADER + (
        "openai l.l.c.,API,2024-01-31,12,auto,12,60,12000.10,usd,pat@example.com\n"
        "OpenAI,Pilot,2025-02-28,6,none,,30,,EUR,\n"
    )
    assert import_file(db, ADMIN, "contracts", write(tmp_path, "c.csv", text)) == 2
    views = {v.title: v for v in contracts.list_contracts(db, ADMIN, as_of=date(2026, 11, 22))}
    assert views["API"].value == Decimal("12000.10") and views["API"].currency == "USD"
    assert views["API"].owner_email == "pat@example.com"
    assert views["API"].current_term_end == date(2027, 1, 30)
    assert views["Pilot"].current_term_end == date(2025, 8, 27)


@pytest.mark.parametrize(
    ("row", "column", "problem"),
    [
        ("Nobody,T,2024-01-01,12,none,,0,,USD,", "vendor", "unknown vendor"),
        ("Acme AI,T,2024-01-01,12,evergreen,,0,,USD,", "renewal_type", "unknown renewal type"),
        ("Acme AI,T,2024-02-30,12,none,,0,,USD,", "start_date", "not a date"),
        ("Acme AI,T,2024-01-01,12,none,,0,12k,USD,", "value", "not a number"),
        ("Acme AI,T,2024-01-01,12,none,,0,,USD,ghost@example.com", "owner_email", "unknown person"),
        ("Acme AI,T,2024-01-01,12,auto,,0,,USD,", None, "renewal period"),
    ],
)
def test_contracts_import_refusal_names_row_and_problem(
    db: Database, tmp_path: Path, row: str, column: str | None, problem: str
) -> None:
    make_vendor(db)
    text = CONTRACTS_HEADER + "Acme AI,Fine,2024-01-01,12,none,,0,,USD,\n" + row + "\n"
    with pytest.raises(RecordError) as err:
        import_file(db, ADMIN, "contracts", write(tmp_path, "c.csv", text))
    assert err.value.row == 3 and err.value.column == column
    assert problem in str(err.value)
    with db.read() as s:
        assert s.exec(select(Contract)).first() is None


def test_seat_pools_and_tickets_import(db: Database, tmp_path: Path) -> None:
    make_person(db)
    vid = make_vendor(db, name="Weights & Biases", aliases=["wandb"])
    make_contract(db, vid, sla_hours=8)
    pools = (
        "vendor,product,seats_purchased,seats_assigned,seats_active_30d,unit_price,currency,"
        "billing_period\nwandb,Teams,20,18,12,50.00,USD,monthly\n"
    )
    assert import_file(db, ADMIN, "seat-pools", write(tmp_path, "p.csv", pools)) == 1
    [pool] = seats.list_seat_pools(db, ADMIN)
    assert pool.monthly_unused_cost == Decimal("400.00")
    ticket_csv = (
        "vendor,vendor_ticket_id,title,severity,status,opened_at,owner_email\n"
        "Weights & Biases,WB-1,Sweeps stuck,high,open,2026-11-20 09:00,pat@example.com\n"
    )
    assert import_file(db, ADMIN, "tickets", write(tmp_path, "t.csv", ticket_csv)) == 1
    [ticket] = tickets.list_tickets(db, ADMIN)
    assert ticket.sla_hours == 8 and ticket.owner_email == "pat@example.com"


def test_tickets_import_bad_severity_and_bad_date_refused(db: Database, tmp_path: Path) -> None:
    make_vendor(db)
    head = "vendor,vendor_ticket_id,title,severity,status,opened_at\n"
    with pytest.raises(RecordError, match="severity"):
        import_file(
            db,
            ADMIN,
            "tickets",
            write(tmp_path, "t.csv", head + "Acme AI,1,t,urgent!,open,2026-11-20\n"),
        )
    with pytest.raises(RecordError, match="not a date-time"):
        import_file(
            db,
            ADMIN,
            "tickets",
            write(tmp_path, "t.csv", head + "Acme AI,1,t,low,open,yesterday\n"),
        )
    with db.read() as s:
        assert s.exec(select(SupportTicket)).first() is None


def test_seat_pool_import_unknown_vendor_refused(db: Database, tmp_path: Path) -> None:
    text = (
        "vendor,product,seats_purchased,seats_assigned,seats_active_30d,unit_price,currency,"
        "billing_period\nNobody,Teams,1,1,1,5,USD,monthly\n"
    )
    with pytest.raises(RecordError, match="unknown vendor"):
        import_file(db, ADMIN, "seat-pools", write(tmp_path, "p.csv", text))
    with db.read() as s:
        assert s.exec(select(SeatPool)).first() is None


# --- CLI ---------------------------------------------------------------------------------------


def test_report_renewals_json_has_exact_values_and_dates(
    app_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    vid = make_vendor(app_env, name="=Evil()")
    make_contract(
        app_env, vid, start_date=date(2024, 1, 1), value=Decimal("0.10"), title="Auto plan"
    )
    make_contract(app_env, vid, start_date=date(2026, 1, 1), renewal_type="none", title="Far")
    code = cli.main(["report", "renewals", "--as-of", "2025-01-15", "--format", "json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    auto = next(r for r in rows if r["title"] == "Auto plan")
    assert auto["current_term_end"] == "2025-12-31"
    assert auto["cancellation_deadline"] == "2025-11-01"
    assert auto["days_to_deadline"] == 290
    assert auto["value"] == "0.10" and auto["currency"] == "USD"
    assert auto["renewal_type"] == "auto"
    code = cli.main(
        ["report", "renewals", "--as-of", "2025-01-15", "--within", "300", "--format", "csv"]
    )
    out = capsys.readouterr().out
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [r["title"] for r in parsed] == ["Auto plan"]
    assert parsed[0]["vendor"] == "'=Evil()"  # formula neutralised
    assert parsed[0]["value"] == "0.10"


def test_report_renewals_bad_as_of_is_a_usage_error(app_env: Database) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "renewals", "--as-of", "22/11/2026"])
    assert exit_info.value.code == 2


def test_import_records_cli_refusal_exits_2(
    app_env: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "v.csv", "name,category,website\nX,other,javascript:alert(1)\n")
    assert cli.main(["import-records", "vendors", str(path)]) == 2
    assert "row 2" in capsys.readouterr().err


def test_report_renewals_negative_within_is_a_usage_error(app_env: Database) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["report", "renewals", "--within", "-5"])
    assert exit_info.value.code == 2


def test_report_renewals_defaults_to_today_in_the_workspace_time_zone(
    app_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from settings import get_settings

    monkeypatch.setenv("OPSDESK_TIMEZONE", "Pacific/Kiritimati")
    get_settings.cache_clear()
    vid = make_vendor(app_env)
    make_contract(app_env, vid, start_date=date(2024, 1, 1))
    # 10:00 UTC is already the next day in Kiritimati (UTC+14): the report counts from there.
    now = FROZEN_AT.isoformat()
    assert cli.main(["--now", now, "report", "renewals", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    deadline = date.fromisoformat(row["cancellation_deadline"])
    kiritimati_today = FROZEN_TODAY + timedelta(days=1)
    assert row["days_to_deadline"] == (deadline - kiritimati_today).days
    get_settings.cache_clear()
