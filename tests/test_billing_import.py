"""Billing import: the billing and money rows of RELIABILITY.md, on SQLite and Postgres."""

from __future__ import annotations

import csv
import gzip
import json
import zipfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FOCUS_SAMPLE, actor
from sqlmodel import col, select

from db.engine import Database
from db.models import AuditEvent, BillingImport, CostLine, CostRollup
from integrations.billing import BillingError
from services.access.access import NotAllowed
from services.spend import billing_import, spend
from services.spend.billing_import import SourceFile
from settings import get_settings
from tests.builders import counts, focus_row, focus_text, make_vendor, write_focus

ADMIN = actor("admin")


def _import(db: Database, *paths: Path, **kwargs):  # type: ignore[no-untyped-def]
    return billing_import.import_files(db, ADMIN, list(paths), **kwargs)


def _lines(db: Database) -> list[CostLine]:
    with db.read() as s:
        return list(s.exec(select(CostLine).order_by(col(CostLine.row_number))).all())


def _totals(db: Database) -> dict[str, Decimal]:
    return spend.totals(spend.spend_rows(db, ADMIN))


def _refused(db: Database, path: Path, *needles: str, **kwargs) -> BillingError:  # type: ignore[no-untyped-def]
    before = counts(db)
    with pytest.raises(BillingError) as info:
        _import(db, path, **kwargs)
    message = str(info.value)
    assert path.name in message
    for needle in needles:
        assert needle in message, message
    assert counts(db) == before
    return info.value


# --- the real FOCUS 1.0 sample ----------------------------------------------------------------


def test_focus_sample_imports_as_it_is_with_exact_totals(db: Database) -> None:
    expected_billed: dict[str, Decimal] = defaultdict(Decimal)
    expected_effective: dict[str, Decimal] = defaultdict(Decimal)
    with FOCUS_SAMPLE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        expected_billed[row["BillingCurrency"]] += Decimal(row["BilledCost"])
        expected_effective[row["BillingCurrency"]] += Decimal(row["EffectiveCost"])

    result = _import(db, FOCUS_SAMPLE)

    assert result.summary == {
        "rows read": 1000,
        "imported": 1000,
        "replaced": 0,
        "skipped as duplicates": 0,
        "rejected": 0,
    }
    assert result.files[0].format == "focus"
    report = spend.report(db, ADMIN, ["currency"])
    assert report == [
        {
            "currency": "USD",
            "billed_cost": expected_billed["USD"],
            "effective_cost": expected_effective["USD"],
        }
    ]
    assert expected_billed["USD"] == Decimal("20.52022672899")
    lines = _lines(db)
    assert sum((line.billed_cost for line in lines), Decimal(0)) == expected_billed["USD"]
    # Account ids stay strings; the NULL literal is null; the credit stays negative.
    assert {line.billing_account_id for line in lines} >= {"1234567890123"}
    assert all(line.sub_account_id != "NULL" for line in lines)
    credits = [line for line in lines if line.charge_category == "Credit"]
    assert [c.billed_cost for c in credits] == [Decimal("-2.61370000000")]
    # Team from the configured tag keys: no `team` tag, so `business_unit`.
    assert {line.team for line in lines if line.tags} >= {"ViennaAI"}
    tagged = [json.loads(r["Tags"]) for r in rows if r["Tags"] != "NULL"]
    assert len(tagged) == 711
    with_unit = sum(1 for t in tagged if t.get("team") or t.get("business_unit"))
    assert sum(1 for line in lines if line.team) == with_unit


def test_focus_sample_by_provider_matches_an_independent_sum(db: Database) -> None:
    expected: dict[str, Decimal] = defaultdict(Decimal)
    with FOCUS_SAMPLE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            expected[row["ProviderName"]] += Decimal(row["BilledCost"])
    _import(db, FOCUS_SAMPLE)
    got = {r["provider"]: r["billed_cost"] for r in spend.report(db, ADMIN, ["provider"])}
    assert got == dict(expected)
    months = {r["month"] for r in spend.report(db, ADMIN, ["month"])}
    assert months == {"2024-09"}


# --- idempotency, slices, undo -----------------------------------------------------------------


def test_same_file_twice_is_a_no_op_with_a_message(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "sept.csv", [focus_row(), focus_row(BilledCost="5")])
    _import(db, path)
    before = counts(db)
    again = _import(db, path)
    assert counts(db) == before
    assert again.files[0].duplicate
    assert "already imported" in again.files[0].message
    assert again.summary["skipped as duplicates"] == 2
    assert again.summary["imported"] == 0


def test_newer_export_of_the_same_account_and_month_replaces_that_slice(
    db: Database, tmp_path: Path
) -> None:
    old = write_focus(
        tmp_path / "sept-v1.csv",
        [
            focus_row(BilledCost="10", EffectiveCost="10"),
            focus_row(BilledCost="20", EffectiveCost="20"),
            focus_row(
                BillingPeriodStart="2026-08-01",
                ChargePeriodStart="2026-08-20",
                BilledCost="7",
                EffectiveCost="7",
            ),
        ],
    )
    new = write_focus(tmp_path / "sept-v2.csv", [focus_row(BilledCost="31", EffectiveCost="31")])
    _import(db, old)
    result = _import(db, new)
    assert result.summary["replaced"] == 2
    assert _totals(db) == {"USD": Decimal("38")}  # 31 for September + 7 kept for August
    with db.read() as s:
        statuses = [i.status for i in s.exec(select(BillingImport).order_by(BillingImport.id))]
    assert statuses == ["active", "active"]  # the old import keeps its August slice


def test_a_fully_replaced_import_is_marked_replaced_and_totals_never_double(
    db: Database, tmp_path: Path
) -> None:
    first = write_focus(tmp_path / "a.csv", [focus_row(BilledCost="10", EffectiveCost="10")])
    second = write_focus(
        tmp_path / "b.csv",
        [
            focus_row(BilledCost="12", EffectiveCost="12"),
            focus_row(BilledCost="1", EffectiveCost="1"),
        ],
    )
    _import(db, first)
    _import(db, second)
    assert _totals(db) == {"USD": Decimal("13")}
    with db.read() as s:
        imports = list(s.exec(select(BillingImport).order_by(BillingImport.id)))
    assert [i.status for i in imports] == ["replaced", "active"]
    assert imports[0].replaced_by_id == imports[1].id
    # The older file again is not a duplicate of an active import: it replaces back.
    _import(db, first)
    assert _totals(db) == {"USD": Decimal("10")}


def test_parts_of_one_export_imported_together_do_not_replace_each_other(
    db: Database, tmp_path: Path
) -> None:
    part1 = write_focus(tmp_path / "part1.csv", [focus_row(BilledCost="3", EffectiveCost="3")])
    part2 = write_focus(tmp_path / "part2.csv", [focus_row(BilledCost="4", EffectiveCost="4")])
    result = _import(db, part1, part2)
    assert result.summary["replaced"] == 0
    assert _totals(db) == {"USD": Decimal("7")}


def test_two_identical_rows_are_both_kept_and_credit_with_reversal_nets(
    db: Database, tmp_path: Path
) -> None:
    same = focus_row(BilledCost="9.99", EffectiveCost="9.99")
    credit = focus_row(BilledCost="-5.00", EffectiveCost="-5.00", ChargeCategory="Credit")
    reversal = focus_row(BilledCost="5.00", EffectiveCost="5.00", ChargeCategory="Adjustment")
    path = write_focus(tmp_path / "f.csv", [same, same, credit, reversal])
    _import(db, path)
    lines = _lines(db)
    assert len(lines) == 4
    assert lines[2].billed_cost == Decimal("-5.00")
    assert _totals(db) == {"USD": Decimal("19.98")}


def test_undo_removes_one_import_and_its_rollups(db: Database, tmp_path: Path) -> None:
    a = write_focus(
        tmp_path / "a.csv", [focus_row(BillingAccountId="A", BilledCost="1", EffectiveCost="1")]
    )
    b = write_focus(
        tmp_path / "b.csv", [focus_row(BillingAccountId="B", BilledCost="2", EffectiveCost="2")]
    )
    _import(db, a)
    result = _import(db, b)
    import_id = result.files[0].import_id
    assert import_id is not None
    billing_import.undo_import(db, ADMIN, import_id)
    assert _totals(db) == {"USD": Decimal("1")}
    with db.read() as s:
        undone = s.get(BillingImport, import_id)
        assert undone is not None and undone.status == "undone"
        assert not s.exec(select(CostRollup).where(CostRollup.import_id == import_id)).all()
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "undo")).all()
    assert len(events) == 1
    with pytest.raises(ValueError, match="undone"):
        billing_import.undo_import(db, ADMIN, import_id)
    # Undone, the same file may be imported again.
    assert _import(db, b).summary["imported"] == 1


def test_import_and_undo_need_the_import_permission(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "f.csv", [focus_row()])
    with pytest.raises(NotAllowed):
        billing_import.import_files(db, actor("lead"), [path])
    assert counts(db)["lines"] == 0
    with pytest.raises(NotAllowed):
        billing_import.undo_import(db, actor("va"), 1)


def test_import_history_records_who_and_when(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "f.csv", [focus_row()])
    billing_import.import_files(db, actor("finance", "fin@example.com"), [path])
    history = billing_import.list_imports(db, ADMIN)
    assert [(h.filename, h.imported_by, h.rows_imported) for h in history] == [
        ("f.csv", "fin@example.com", 1)
    ]
    assert history[0].imported_at is not None


# --- encodings and file kinds -------------------------------------------------------------------


def test_utf8_with_bom_recognises_the_first_column(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + focus_text([focus_row(BilledCost="4.20")]).encode())
    _import(db, path)
    assert _lines(db)[0].billed_cost == Decimal("4.20")


def test_utf16_file_is_decoded(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(focus_text([focus_row(ServiceName="Café API")]).encode("utf-16"))
    _import(db, path)
    assert _lines(db)[0].service_name == "Café API"


def test_cp1252_file_is_refused_not_stored_garbled(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(focus_text([focus_row(), focus_row(ServiceName="Café API")]).encode("cp1252"))
    _refused(db, path, "not UTF-8", "row 3")


def test_xlsx_renamed_csv_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    _refused(db, path, "xlsx")


def test_gzip_renamed_csv_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "billing.csv"
    path.write_bytes(gzip.compress(focus_text([focus_row()]).encode()))
    _refused(db, path, "gzip")


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "exact"),
    [
        ("1,234.56", Decimal("1234.56")),
        ("$12.00", Decimal("12.00")),
        ("(12.34)", Decimal("-12.34")),
        ("1.2E-07", Decimal("1.2E-7")),
    ],
)
def test_spreadsheet_amounts_refused_in_strict_and_exact_in_lenient(
    db: Database, tmp_path: Path, raw: str, exact: Decimal
) -> None:
    path = write_focus(
        tmp_path / "amounts.csv", [focus_row(), focus_row(BilledCost=raw, EffectiveCost="1")]
    )
    _refused(db, path, "row 3", "'BilledCost'")
    result = _import(db, path, lenient=True)
    assert result.summary["imported"] == 2
    assert _lines(db)[1].billed_cost == exact


def test_semicolon_file_with_decimal_commas_converts_in_lenient_mode(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(
        tmp_path / "eu.csv",
        [focus_row(BilledCost="1.234,56", EffectiveCost="0,5", ListCost="")],
        delimiter=";",
    )
    _refused(db, path, "semicolons", "lenient")
    _import(db, path, lenient=True)
    line = _lines(db)[0]
    assert (line.billed_cost, line.effective_cost) == (Decimal("1234.56"), Decimal("0.5"))


def test_lenient_accepts_us_dates_and_rejects_rows_still_unreadable(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(
        tmp_path / "us.csv",
        [
            focus_row(ChargePeriodStart="09/05/2026", BillingPeriodStart="09/01/2026"),
            focus_row(BilledCost="twelve"),
        ],
    )
    _refused(db, path, "row 2", "ChargePeriodStart")
    result = _import(db, path, lenient=True)
    assert (result.summary["imported"], result.summary["rejected"]) == (1, 1)
    assert "row 3" in result.files[0].problems[0]
    assert _lines(db)[0].charge_period_start.date().isoformat() == "2026-09-05"


def test_unparseable_date_is_refused_with_row_and_column(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "d.csv", [focus_row(ChargePeriodStart="next tuesday")])
    _refused(db, path, "row 2", "ChargePeriodStart")


def test_quoted_commas_and_newlines_keep_columns_aligned(db: Database, tmp_path: Path) -> None:
    path = write_focus(
        tmp_path / "q.csv",
        [
            focus_row(
                ServiceName="Compute, GPU\nand storage", BilledCost="1.50", EffectiveCost="1.5"
            ),
            focus_row(ServiceName='Quote "x", y', BilledCost="2.50", EffectiveCost="2.5"),
        ],
    )
    _import(db, path)
    lines = _lines(db)
    assert [line.service_name for line in lines] == ["Compute, GPU\nand storage", 'Quote "x", y']
    assert _totals(db) == {"USD": Decimal("4.0")}


def test_account_ids_keep_leading_zeros(db: Database, tmp_path: Path) -> None:
    path = write_focus(
        tmp_path / "z.csv", [focus_row(BillingAccountId="012345678910", SubAccountId="000042")]
    )
    _import(db, path)
    line = _lines(db)[0]
    assert (line.billing_account_id, line.sub_account_id) == ("012345678910", "000042")


# --- currencies ---------------------------------------------------------------------------------


def test_mixed_currencies_total_per_currency_and_lowercase_is_normalised(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(
        tmp_path / "c.csv",
        [
            focus_row(BilledCost="10", EffectiveCost="10", BillingCurrency="usd"),
            focus_row(
                BilledCost="3", EffectiveCost="3", BillingCurrency="EUR", BillingAccountId="E"
            ),
            focus_row(BilledCost="5", EffectiveCost="5", BillingCurrency="USD"),
        ],
    )
    _import(db, path)
    assert _totals(db) == {"EUR": Decimal("3"), "USD": Decimal("15")}


@pytest.mark.parametrize(
    ("code", "needle"),
    [("US$", "ISO 4217"), ("", "blank"), ("XYZ", "ISO 4217"), ("DOLLARS", "ISO 4217")],
)
def test_bad_currency_codes_are_refused(
    db: Database, tmp_path: Path, code: str, needle: str
) -> None:
    path = write_focus(tmp_path / "c.csv", [focus_row(BillingCurrency=code)])
    _refused(db, path, "row 2", "BillingCurrency", needle)


def test_us_dollar_sign_currency_is_accepted_only_in_lenient_mode(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus(tmp_path / "c.csv", [focus_row(BillingCurrency="US$")])
    _import(db, path, lenient=True)
    assert _lines(db)[0].currency == "USD"


# --- structure ----------------------------------------------------------------------------------


def test_header_only_file_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "h.csv", [])
    _refused(db, path, "no rows")


def test_empty_file_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _refused(db, path, "empty")


def test_truncated_last_line_is_refused(db: Database, tmp_path: Path) -> None:
    text = focus_text([focus_row(), focus_row()])
    path = tmp_path / "cut.csv"
    path.write_text(text[: len(text) - 40], encoding="utf-8")
    _refused(db, path, "row 3")


def test_truncated_inside_quotes_is_refused(db: Database, tmp_path: Path) -> None:
    text = focus_text([focus_row(), focus_row(ServiceName="a, b")])
    path = tmp_path / "cut.csv"
    path.write_text(text[: text.rindex("a, b") + 2], encoding="utf-8")
    _refused(db, path, "row 3")


def test_missing_required_column_is_refused_naming_it(db: Database, tmp_path: Path) -> None:
    columns = [c for c in focus_text([]).strip().split(",") if c != "BillingCurrency"]
    path = write_focus(tmp_path / "m.csv", [focus_row()], columns=columns)
    _refused(db, path, "missing required column", "BillingCurrency", "row 1")


def test_unknown_x_columns_are_ignored(db: Database, tmp_path: Path) -> None:
    columns = [*focus_text([]).strip().split(","), "x_CostCenter", "x_Weird"]
    rows = [{**focus_row(), "x_CostCenter": "cc-1", "x_Weird": "=1+1"}]
    path = write_focus(tmp_path / "x.csv", rows, columns=columns)
    assert _import(db, path).summary["imported"] == 1


def test_size_limit_is_checked_before_parsing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_MAX_IMPORT_BYTES", "100")
    get_settings.cache_clear()
    try:
        path = tmp_path / "big.csv"
        path.write_bytes(b"\x00" * 200)  # not even a CSV: parsing would refuse it differently
        _refused(db, path, "over the import limit")
    finally:
        get_settings.cache_clear()


def test_one_bad_file_in_a_batch_writes_nothing_at_all(db: Database, tmp_path: Path) -> None:
    good = write_focus(tmp_path / "good.csv", [focus_row()])
    bad = write_focus(tmp_path / "bad.csv", [focus_row(BilledCost="abc")])
    before = counts(db)
    with pytest.raises(BillingError, match=r"bad\.csv"):
        _import(db, good, bad)
    assert counts(db) == before


def test_upload_keeps_the_users_file_name(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "tmp123", [focus_row(BilledCost="x")])
    with pytest.raises(BillingError, match=r"my bill\.csv"):
        billing_import.import_files(db, ADMIN, [SourceFile(path, "my bill.csv")])


# --- other formats ------------------------------------------------------------------------------


def test_focus_parquet_imports_with_exact_amounts(db: Database, tmp_path: Path) -> None:
    table = pa.table(
        {
            "BilledCost": pa.array(
                [Decimal("1.0000000001"), Decimal("-0.5")], pa.decimal128(20, 10)
            ),
            "EffectiveCost": pa.array([1.25, -0.5]),
            "BillingCurrency": ["USD", "USD"],
            "BillingAccountId": ["0001", "0001"],
            "BillingPeriodStart": pa.array(["2026-09-01", "2026-09-01"]).cast(pa.timestamp("s")),
            "ChargePeriodStart": pa.array(["2026-09-02", "2026-09-03"]).cast(pa.timestamp("s")),
            "ServiceProviderName": ["Databricks Inc.", "Databricks Inc."],
            "ChargeCategory": ["Usage", "Credit"],
            "Tags": pa.array([[("team", "ML")], []], pa.map_(pa.string(), pa.string())),
        }
    )
    path = tmp_path / "focus12.parquet"
    pq.write_table(table, path)
    result = _import(db, path)
    assert result.files[0].format == "focus"
    lines = _lines(db)
    assert [line.billed_cost for line in lines] == [Decimal("1.0000000001"), Decimal("-0.5")]
    assert lines[0].effective_cost == Decimal("1.25")
    assert lines[0].team == "ML"
    assert lines[0].billing_account_id == "0001"


AWS_COLUMNS = [
    "bill_billing_period_start_date", "bill_payer_account_id", "bill_invoicing_entity",
    "line_item_usage_account_id", "line_item_line_item_type", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_product_code", "line_item_unblended_cost",
    "line_item_net_unblended_cost", "line_item_currency_code", "line_item_legal_entity",
    "product_servicecode", "product_region_code", "resource_tags",
]  # fmt: skip


def test_aws_cur_2_csv_imports_with_credits_negative(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(AWS_COLUMNS)
        writer.writerow(
            [
                "2026-09-01T00:00:00Z",
                "012345678901",
                "Amazon Web Services, Inc.",
                "000111222333",
                "Usage",
                "2026-09-03T00:00:00Z",
                "2026-09-03T01:00:00Z",
                "AmazonEC2",
                "1.2345678901",
                "",
                "USD",
                "Amazon Web Services, Inc.",
                "AmazonEC2",
                "us-east-1",
                '{"user_team": "Research"}',
            ]
        )
        writer.writerow(
            [
                "2026-09-01T00:00:00Z",
                "012345678901",
                "Amazon Web Services, Inc.",
                "000111222333",
                "Credit",
                "2026-09-03T00:00:00Z",
                "2026-09-03T01:00:00Z",
                "AmazonEC2",
                "-0.2345678901",
                "",
                "USD",
                "Amazon Web Services, Inc.",
                "AmazonEC2",
                "us-east-1",
                "{}",
            ]
        )
    result = _import(db, path)
    assert result.files[0].format == "aws-cur"
    lines = _lines(db)
    assert [line.charge_category for line in lines] == ["Usage", "Credit"]
    assert lines[0].team == "Research"
    assert lines[0].billing_account_id == "012345678901"
    assert _totals(db) == {"USD": Decimal("1.0000000000")}


def test_aws_cur_parquet_imports(db: Database, tmp_path: Path) -> None:
    table = pa.table(
        {
            "bill_billing_period_start_date": pa.array(["2026-09-01"]).cast(pa.timestamp("ms")),
            "bill_payer_account_id": ["012345678901"],
            "line_item_usage_start_date": pa.array(["2026-09-02"]).cast(pa.timestamp("ms")),
            "line_item_unblended_cost": [0.1],
            "line_item_currency_code": ["USD"],
            "line_item_line_item_type": ["Usage"],
            "product_servicecode": ["AmazonS3"],
        }
    )
    path = tmp_path / "cur.parquet"
    pq.write_table(table, path)
    _import(db, path)
    assert _lines(db)[0].billed_cost == Decimal("0.1")


def test_gcp_billing_export_csv_nets_credits(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "gcp.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "billing_account_id",
                "service.description",
                "sku.id",
                "project.id",
                "usage_start_time",
                "usage_end_time",
                "labels",
                "cost",
                "currency",
                "credits",
                "invoice.month",
                "location.region",
            ]
        )
        writer.writerow(
            [
                "01ABCD-000000-123456",
                "Vertex AI",
                "SKU1",
                "ml-prod",
                "2026-09-04 00:00:00 UTC".replace(" UTC", "+00:00"),
                "2026-09-04T01:00:00+00:00",
                json.dumps([{"key": "team", "value": "Applied ML"}]),
                "10.50",
                "USD",
                json.dumps([{"name": "Free tier", "amount": -0.5}]),
                "202609",
                "us-central1",
            ]
        )
    result = _import(db, path)
    assert result.files[0].format == "gcp"
    line = _lines(db)[0]
    assert (line.billed_cost, line.team, line.service_name) == (
        Decimal("10.00"),
        "Applied ML",
        "Vertex AI",
    )


def test_any_csv_through_a_saved_column_mapping(db: Database, tmp_path: Path) -> None:
    billing_import.save_mapping(
        db,
        ADMIN,
        "Labelbox invoice",
        {"charge_date": "Date", "billed_cost": "Amount", "service_name": "Item", "team": "Team"},
        {"currency": "usd", "provider": "Labelbox"},
    )
    path = tmp_path / "invoice.csv"
    path.write_text(
        'Date,Item,Amount,Team\n2026-09-30,Seats,"1,200.00",Applied ML\n'
        "2026-09-30,Credits,(100.00),Applied ML\n",
        encoding="utf-8",
    )
    _refused(db, path, "row 2", "Amount", mapping_name="Labelbox invoice")
    result = _import(db, path, mapping_name="Labelbox invoice", lenient=True)
    assert result.files[0].format == "mapped"
    assert _totals(db) == {"USD": Decimal("1100.00")}
    assert {line.team for line in _lines(db)} == {"Applied ML"}


def test_a_mapping_without_the_needed_fields_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="billed_cost"):
        billing_import.save_mapping(db, ADMIN, "bad", {"charge_date": "Date"}, {})
    with pytest.raises(ValueError, match="currency"):
        billing_import.save_mapping(
            db, ADMIN, "bad", {"charge_date": "D", "billed_cost": "A"}, {"provider": "X"}
        )


def test_unknown_csv_without_a_mapping_is_refused_clearly(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "what.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    _refused(db, path, "unrecognised billing format", "column mapping")


# --- vendor matching ----------------------------------------------------------------------------


def test_unmatched_name_mapped_in_one_click_applies_at_once(db: Database, tmp_path: Path) -> None:
    vendor_id = make_vendor(db, "OpenAI Inc")
    path = write_focus(tmp_path / "f.csv", [focus_row(PublisherName="OpenAI, L.L.C.")])
    _import(db, path)
    assert [u.name for u in billing_import.unmatched_names(db, ADMIN)] == ["OpenAI, L.L.C."]
    billing_import.map_name_to_vendor(db, ADMIN, "OpenAI, L.L.C.", vendor_id)
    assert billing_import.unmatched_names(db, ADMIN) == []
    rows = spend.report(db, ADMIN, ["vendor"])
    assert [r["vendor"] for r in rows] == ["OpenAI Inc"]


def test_invoice_issuer_alias_matches_when_publisher_and_provider_do_not(
    db: Database, tmp_path: Path
) -> None:
    make_vendor(db, "Scale AI", "scale ai, inc.")
    path = write_focus(
        tmp_path / "f.csv",
        [
            focus_row(
                PublisherName="Reseller X",
                ProviderName="Cloud Y",
                InvoiceIssuerName="Scale AI, Inc.",
            )
        ],
    )
    _import(db, path)
    assert billing_import.unmatched_names(db, ADMIN) == []
    assert [r["vendor"] for r in spend.report(db, ADMIN, ["vendor"])] == ["Scale AI"]


def test_tabs_backslashes_and_unicode_survive_the_bulk_insert(db: Database, tmp_path: Path) -> None:
    name = "a\tb\\c\\N ünïcode 🚀 '; DROP TABLE costline; --"
    path = write_focus(tmp_path / "t.csv", [focus_row(ServiceName=name, Tags="NULL")])
    _import(db, path)
    line = _lines(db)[0]
    assert (line.service_name, line.tags, line.team) == (name, "", "")


def test_disk_full_during_an_import_rolls_everything_back(
    sqlite_db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import event, text

    with sqlite_db.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()

    @event.listens_for(sqlite_db.engine, "connect")
    def _small_disk(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 20}")

    rows = [focus_row(ServiceName="x" * 200, BillingAccountId=str(i)) for i in range(3000)]
    path = write_focus(tmp_path / "big.csv", rows)
    before = counts(sqlite_db)
    with pytest.raises(ValueError, match=r"full\); nothing was imported"):
        _import(sqlite_db, path)
    assert counts(sqlite_db) == before
