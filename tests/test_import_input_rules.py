"""Input rules at the edge of every importer (issue 16 item 2) and lenient dates (issue 15 item 5).

Dates within range, unique column names, ASCII digits in strict mode, no NUL bytes: each refused
with file, row and column and nothing written, for FOCUS, AWS CUR, Google Cloud, mapped files,
Parquet and record imports, on SQLite and Postgres.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import actor
from sqlmodel import col, select

import cli
from db.engine import Database
from db.models import CostLine, Vendor
from integrations.billing import BillingError
from services.record_imports import RecordError, import_file
from services.spend import billing_import
from settings import get_settings
from tests.builders import FOCUS_COLUMNS, counts, focus_row, focus_text, make_vendor, write_focus

ADMIN = actor("admin")

AWS_COLUMNS = [
    "bill_billing_period_start_date", "bill_payer_account_id", "line_item_usage_start_date",
    "line_item_unblended_cost", "line_item_currency_code",
]  # fmt: skip
AWS_ROW = ["2026-09-01T00:00:00Z", "012345678901", "2026-09-03T00:00:00Z", "1.50", "USD"]
GCP_COLUMNS = ["billing_account_id", "service.description", "usage_start_time", "cost", "currency"]
GCP_ROW = ["01ABCD", "Vertex AI", "2026-09-04T00:00:00+00:00", "10.50", "USD"]
MAPPED_COLUMNS = ["Date", "Amount", "Vendor"]
MAPPED_ROW = ["2026-09-04", "3.25", "OpenAI"]


def _write(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _refused(db: Database, path: Path, *needles: str, **kwargs: object) -> str:
    before = counts(db)
    with pytest.raises(BillingError) as info:
        billing_import.import_files(db, ADMIN, [path], **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert path.name in message, message
    for needle in needles:
        assert needle in message, message
    assert counts(db) == before
    return message


def _with_mapping(db: Database) -> dict[str, str]:
    billing_import.save_mapping(
        db,
        ADMIN,
        "plain",
        {"charge_date": "Date", "billed_cost": "Amount", "provider": "Vendor"},
        {"currency": "USD"},
    )
    return {"mapping_name": "plain"}


# --- dates within range ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_focus_dates_far_outside_billing_are_refused_with_row_and_column(
    db: Database, tmp_path: Path, value: str
) -> None:
    path = write_focus(tmp_path / "far.csv", [focus_row(), focus_row(ChargePeriodStart=value)])
    _refused(db, path, "row 3", "'ChargePeriodStart'", "outside the accepted dates")
    path = write_focus(tmp_path / "far2.csv", [focus_row(BillingPeriodStart=value)])
    _refused(db, path, "row 2", "'BillingPeriodStart'", "outside the accepted dates")


def test_far_dates_are_refused_by_every_format(db: Database, tmp_path: Path) -> None:
    aws = _write(
        tmp_path / "cur.csv", AWS_COLUMNS, [*AWS_ROW[:2], "9999-12-31T00:00:00Z", *AWS_ROW[3:]]
    )
    _refused(db, aws, "row 2", "'line_item_usage_start_date'", "outside")
    gcp = _write(
        tmp_path / "gcp.csv", GCP_COLUMNS, [*GCP_ROW[:2], "0001-01-01T00:00:00+00:00", *GCP_ROW[3:]]
    )
    _refused(db, gcp, "row 2", "'usage_start_time'", "outside")
    options = _with_mapping(db)
    mapped = _write(tmp_path / "m.csv", MAPPED_COLUMNS, ["9999-12-31", *MAPPED_ROW[1:]])
    _refused(db, mapped, "row 2", "'Date'", "outside", **options)


def test_far_date_in_parquet_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "far.parquet"
    far = datetime(9999, 12, 31, 23, 59, 59)
    table = pa.table(
        {
            "BilledCost": pa.array([Decimal("1.00")], pa.decimal128(10, 2)),
            "BillingCurrency": ["USD"],
            "BillingPeriodStart": pa.array([datetime(2026, 9, 1)], pa.timestamp("us")),
            "ChargePeriodStart": pa.array([far], pa.timestamp("us")),
            "ProviderName": ["OpenAI"],
        }
    )
    pq.write_table(table, path)
    _refused(db, path, "row 1", "'ChargePeriodStart'", "outside")


def test_lenient_mode_rejects_the_far_row_and_keeps_the_rest(db: Database, tmp_path: Path) -> None:
    path = write_focus(
        tmp_path / "far.csv", [focus_row(), focus_row(ChargePeriodStart="9999-12-31T23:59:59Z")]
    )
    result = billing_import.import_files(db, ADMIN, [path], lenient=True)
    assert (result.summary["imported"], result.summary["rejected"]) == (1, 1)
    assert "outside the accepted dates" in result.files[0].problems[0]


# --- duplicate column names -----------------------------------------------------------------


def test_two_columns_of_one_name_are_refused_naming_both(db: Database, tmp_path: Path) -> None:
    columns = [*FOCUS_COLUMNS, "BilledCost"]
    text = focus_text([focus_row()], columns=columns)
    path = tmp_path / "twice.csv"
    path.write_text(text, encoding="utf-8", newline="")
    _refused(db, path, "row 1", "columns 1 and 16", "'BilledCost'")


def test_duplicate_columns_refused_by_aws_gcp_mapped_and_parquet(
    db: Database, tmp_path: Path
) -> None:
    aws = _write(tmp_path / "cur.csv", [*AWS_COLUMNS, "line_item_unblended_cost"], [*AWS_ROW, "99"])
    _refused(db, aws, "columns 4 and 6", "'line_item_unblended_cost'")
    gcp = _write(tmp_path / "gcp.csv", [*GCP_COLUMNS, "service_description"], [*GCP_ROW, "X"])
    _refused(db, gcp, "'service.description'", "'service_description'")
    options = _with_mapping(db)
    mapped = _write(tmp_path / "m.csv", [*MAPPED_COLUMNS, "Amount"], [*MAPPED_ROW, "7"])
    _refused(db, mapped, "columns 2 and 4", "'Amount'", **options)
    parquet = tmp_path / "twice.parquet"
    schema = pa.schema([("BilledCost", pa.string()), ("BilledCost", pa.string())])
    pq.write_table(pa.Table.from_arrays([pa.array(["1"]), pa.array(["2"])], schema=schema), parquet)
    _refused(db, parquet, "columns 1 and 2", "'BilledCost'")


# --- ASCII digits in strict mode --------------------------------------------------------------


@pytest.mark.parametrize("raw", ["١٢٣", "１２３", "12.٥"])
def test_strict_amounts_take_ascii_digits_only(db: Database, tmp_path: Path, raw: str) -> None:
    path = write_focus(tmp_path / "digits.csv", [focus_row(), focus_row(BilledCost=raw)])
    _refused(db, path, "row 3", "'BilledCost'")
    aws = _write(tmp_path / "cur.csv", AWS_COLUMNS, [*AWS_ROW[:3], raw, "USD"])
    _refused(db, aws, "row 2", "'line_item_unblended_cost'")


def test_strict_gcp_invoice_month_takes_ascii_digits_only(db: Database, tmp_path: Path) -> None:
    gcp = _write(tmp_path / "gcp.csv", [*GCP_COLUMNS, "invoice.month"], [*GCP_ROW, "٢٠٢٦٠٩"])
    _refused(db, gcp, "row 2", "'invoice.month'")


# --- NUL bytes ----------------------------------------------------------------------------------


def test_nul_byte_in_a_csv_value_is_refused_with_row_and_column(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(tmp_path / "nul.csv", [focus_row(), focus_row(ServiceName="GPT\x00API")])
    _refused(db, path, "row 3", "'ServiceName'", "NUL")
    result = billing_import.import_files(db, ADMIN, [path], lenient=True)
    assert (result.summary["imported"], result.summary["rejected"]) == (1, 1)
    with db.read() as s:
        assert all("\x00" not in line.service_name for line in s.exec(select(CostLine)))


def test_nul_byte_refused_by_aws_gcp_mapped_and_parquet(db: Database, tmp_path: Path) -> None:
    aws = _write(
        tmp_path / "cur.csv", AWS_COLUMNS, ["2026-09-01T00:00:00Z", "0123\x00", *AWS_ROW[2:]]
    )
    _refused(db, aws, "row 2", "'bill_payer_account_id'", "NUL")
    gcp = _write(tmp_path / "gcp.csv", GCP_COLUMNS, [GCP_ROW[0], "Vertex\x00AI", *GCP_ROW[2:]])
    _refused(db, gcp, "row 2", "'service.description'", "NUL")
    options = _with_mapping(db)
    mapped = _write(tmp_path / "m.csv", MAPPED_COLUMNS, [*MAPPED_ROW[:2], "Open\x00AI"])
    _refused(db, mapped, "row 2", "'Vendor'", "NUL", **options)
    parquet = tmp_path / "nul.parquet"
    table = pa.table(
        {
            "BilledCost": ["1.00", "2.00"],
            "BillingCurrency": ["USD", "USD"],
            "BillingPeriodStart": ["2026-09-01", "2026-09-01"],
            "ChargePeriodStart": ["2026-09-02", "2026-09-02"],
            "ProviderName": ["OpenAI", "Open\x00AI"],
        }
    )
    pq.write_table(table, parquet)
    _refused(db, parquet, "row 2", "'ProviderName'", "NUL")


# --- record imports -------------------------------------------------------------------------


def _record_refused(db: Database, tmp_path: Path, kind: str, text: str) -> RecordError:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordError) as info:
        import_file(db, ADMIN, kind, path)
    with db.read() as s:
        assert s.exec(select(Vendor).where(col(Vendor.name) == "Fine")).first() is None
    return info.value


def test_record_imports_refuse_duplicate_columns_nul_bytes_and_far_dates(
    db: Database, tmp_path: Path
) -> None:
    twice = _record_refused(
        db, tmp_path, "vendors", "name,category,website,name\nFine,other,,Other\n"
    )
    assert twice.row == 1 and twice.column == "name" and "columns 1 and 4" in str(twice)
    nul = _record_refused(
        db, tmp_path, "vendors", "name,category,website\nFine,other,\nBad\x00,other,\n"
    )
    assert (nul.row, nul.column) == (3, "name") and "NUL" in str(nul)
    far = _record_refused(
        db,
        tmp_path,
        "action-items",
        "title,owner_email,due_date,status,priority\nPay,,9999-12-31,open,high\n",
    )
    assert (far.row, far.column) == (2, "due_date") and "outside" in str(far)


@pytest.mark.parametrize(
    ("cells", "column"),
    [("١٢,,", "initial_term_months"), ("12,١٢٠٠٠,USD", "value"), ("12,１２０００,USD", "value")],
)
def test_record_imports_take_ascii_digits_only(
    db: Database, tmp_path: Path, cells: str, column: str
) -> None:
    make_vendor(db)
    months, value, currency = ([*cells.split(","), "", ""])[:3]
    text = (
        "vendor,title,start_date,initial_term_months,renewal_type,renewal_period_months,"
        f"notice_days,value,currency,owner_email\nAcme AI,T,2024-01-01,{months},none,,0,"
        f"{value},{currency or 'USD'},\n"
    )
    refused = _record_refused(db, tmp_path, "contracts", text)
    assert (refused.row, refused.column) == (2, column) and "ASCII" in str(refused)


# --- lenient dates and imports that import nothing (issue 15 item 5) --------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("4/1/25", "2025-04-01"),
        ("4/1/2025", "2025-04-01"),
        ("04/01/2025", "2025-04-01"),
        ("12/31/99", "2099-12-31"),
        ("4/1/25 13:30", "2025-04-01"),
        ("2025-04-01", "2025-04-01"),
        ("2025-04-01T00:00:00Z", "2025-04-01"),
        ("2025-04-01 00:00:00", "2025-04-01"),
    ],
)
def test_lenient_reads_dates_as_people_write_them(
    db: Database, tmp_path: Path, written: str, day: str
) -> None:
    path = write_focus(
        tmp_path / "d.csv", [focus_row(ChargePeriodStart=written, BillingPeriodStart=written)]
    )
    billing_import.import_files(db, ADMIN, [path], lenient=True)
    with db.read() as s:
        [line] = s.exec(select(CostLine)).all()
    assert line.charge_period_start.date().isoformat() == day


def test_strict_mode_still_refuses_us_dates(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "us.csv", [focus_row(ChargePeriodStart="4/1/25")])
    _refused(db, path, "row 2", "'ChargePeriodStart'")


def test_lenient_import_whose_every_row_is_rejected_is_refused_saying_why(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(
        tmp_path / "none.csv", [focus_row(BilledCost="twelve"), focus_row(BilledCost="ten")]
    )
    _refused(
        db, path, "no row could be imported", "2 rows were rejected", "'BilledCost'", lenient=True
    )


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_cli_lenient_import_of_nothing_exits_non_zero(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_focus(tmp_path / "none.csv", [focus_row(BilledCost="twelve")])
    assert cli.main(["import-billing", "--lenient", str(path)]) == 2
    err = capsys.readouterr().err
    assert "none.csv" in err and "no row could be imported" in err and "row 2" in err
