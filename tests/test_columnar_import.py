"""The columnar fast path stores exactly what the row parser stores (issue 19 item 1)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from conftest import FOCUS_SAMPLE, actor
from sqlalchemy import text

from bench.generate import write_focus_csv
from db.engine import Database
from integrations.billing import columnar
from services.spend import billing_import
from services.spend.columnar_writer import ColumnarRollups
from tests.builders import FOCUS_COLUMNS, focus_row, write_focus

ADMIN = actor("admin")
LINE_FIELDS = (
    "row_number, provider, publisher, invoice_issuer, billing_account_id, sub_account_id, "
    "billing_period_start, charge_period_start, charge_period_end, charge_category, "
    "service_name, region, resource_id, sku_id, billed_cost, effective_cost, list_cost, "
    "currency, team, tags"
)
ROLLUP_FIELDS = (
    "billing_account_id, billing_period_start, day, provider, source_name, invoice_issuer, "
    "service_name, team, currency, billed_cost, effective_cost, line_count"
)


def _stored(db: Database, import_id: int) -> tuple[list[Any], list[Any]]:
    """Lines and rollups as the database holds them (text on SQLite, NUMERIC on Postgres)."""
    with db.read() as s:
        lines = s.execute(
            text(f"SELECT {LINE_FIELDS} FROM costline WHERE import_id = :i ORDER BY row_number"),
            {"i": import_id},
        ).all()
        order = f"ORDER BY {ROLLUP_FIELDS}"
        rollups = s.execute(
            text(f"SELECT {ROLLUP_FIELDS} FROM costrollup WHERE import_id = :i {order}"),
            {"i": import_id},
        ).all()
    return [tuple(map(str, r)) for r in lines], [tuple(map(str, r)) for r in rollups]


def _row_path_copy(path: Path, folder: Path) -> Path:
    """The same rows and a blank last line: the columnar reader fails, the row parser reads."""
    copy = folder / f"row-path-{path.name}"
    copy.write_bytes(path.read_bytes().rstrip(b"\r\n") + b"\n\n")
    return copy


def _both_ways(db: Database, path: Path, folder: Path) -> None:
    """Import through the fast path, then the row path (which replaces the same slices)."""
    assert columnar.can_read(path) is None
    fast = billing_import.import_files(db, ADMIN, [path]).files[0]
    assert fast.import_id is not None and fast.columnar
    by_fast = _stored(db, fast.import_id)
    row = billing_import.import_files(db, ADMIN, [_row_path_copy(path, folder)]).files[0]
    assert (
        row.import_id is not None and not row.columnar and row.rows_replaced == fast.rows_imported
    )
    assert fast.rows_imported == row.rows_imported > 0
    by_row = _stored(db, row.import_id)
    assert by_fast == by_row
    # Both paths group rollups by their whole key (no unique constraint in the schema does).
    keys = [r[:9] for r in by_row[1]]
    assert len(set(keys)) == len(keys)


def test_columnar_and_row_paths_store_the_same_generated_export(
    db: Database, tmp_path: Path
) -> None:
    path = write_focus_csv(tmp_path / "gen.csv", 12_000)
    _both_ways(db, path, tmp_path)


@pytest.mark.parametrize("shrink", [True, False])
def test_batches_that_do_or_do_not_shrink_when_grouped_store_what_the_row_path_does(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shrink: bool
) -> None:
    """Batches of a few rollup keys are grouped one by one; once a batch hardly shrinks, the
    rest are kept whole until the partial totals are compacted. Both store the row path's
    rollups."""
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 64 * 1024)
    monkeypatch.setattr(ColumnarRollups, "COMPACT_ROWS", 1_000)
    shrinks: list[bool] = []
    add = ColumnarRollups.add

    def spy(self: ColumnarRollups, *args: Any) -> None:
        add(self, *args)
        shrinks.append(self.shrinks)

    monkeypatch.setattr(ColumnarRollups, "add", spy)
    if shrink:  # one day, account and service: each batch groups into a row or two
        rows = [focus_row(BilledCost=f"{i}.{i % 7}", ListCost="NULL") for i in range(3_000)]
        path = write_focus(tmp_path / "few.csv", rows)
    else:
        path = write_focus_csv(tmp_path / "many.csv", 3_000, accounts=400)
    _both_ways(db, path, tmp_path)
    assert len(shrinks) > 5
    assert all(shrinks) if shrink else not any(shrinks)


def test_columnar_and_row_paths_store_the_same_focus_sample(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sample.csv"
    path.write_bytes(FOCUS_SAMPLE.read_bytes())
    _both_ways(db, path, tmp_path)


def test_columnar_and_row_paths_agree_on_unusual_values(db: Database, tmp_path: Path) -> None:
    rows = [
        focus_row(BilledCost="+5", EffectiveCost="NULL", ListCost="NULL"),
        focus_row(BilledCost="007.50", EffectiveCost=".5", ListCost=""),
        focus_row(BilledCost="-.25", EffectiveCost="5.", ChargePeriodEnd="NULL"),
        focus_row(BilledCost="-0.00", EffectiveCost="123456789012345678.1234567", Tags="NULL"),
        focus_row(ServiceName="x" * 400, PublisherName="NULL", Tags='{"Team": "ops"}'),
        focus_row(ChargeCategory="", InvoiceIssuerName="null", BillingCurrency="usd"),
        focus_row(ServiceName='quoted, "with"\nnewline', ChargePeriodStart="2026-09-05"),
    ]
    _both_ways(db, write_focus(tmp_path / "odd.csv", rows), tmp_path)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"BilledCost": " 1.00"}, None),  # padded: the row parser reads it, the fast path does not
        ({"BilledCost": "1,00"}, "BilledCost"),
        ({"ChargePeriodStart": "9999-12-31T00:00:00Z"}, "ChargePeriodStart"),
        ({"ProviderName": ""}, "ProviderName"),
    ],
)
def test_a_value_the_fast_path_cannot_take_goes_to_the_row_parser(
    db: Database, tmp_path: Path, change: dict[str, str], needle: str | None
) -> None:
    rows = [focus_row() for _ in range(3)] + [focus_row(**change)]
    path = write_focus(tmp_path / "late.csv", rows)
    if needle is None:
        result = billing_import.import_files(db, ADMIN, [path])
        assert result.summary["imported"] == 4 and not result.files[0].columnar
        return
    with pytest.raises(ValueError) as info:
        billing_import.import_files(db, ADMIN, [path])
    assert "row 5" in str(info.value) and needle in str(info.value)
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM costline")).scalar_one() == 0


def test_a_misaligned_line_is_refused_with_its_row(db: Database, tmp_path: Path) -> None:
    path = write_focus(tmp_path / "short.csv", [focus_row(), focus_row()])
    with path.open("a", newline="") as fh:
        csv.writer(fh).writerow(["1.00"] * (len(FOCUS_COLUMNS) - 1))
    with pytest.raises(ValueError, match="row 4"):
        billing_import.import_files(db, ADMIN, [path])


@pytest.mark.parametrize("line", ['a,"b"c,d', 'a,"b" ,d', 'a,""c,d', '"b"c'])
def test_a_quote_the_strict_csv_reader_refuses_keeps_the_file_on_the_row_path(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "q.csv"
    path.write_text(f"x,y,z\n1,2,3\n{line}\n", encoding="utf-8")
    assert columnar.can_read(path) is not None
    path.write_text(f"x,y,z\n1,2,3\n{line}", encoding="utf-8")  # at the very end too
    assert columnar.can_read(path) is not None


def test_ordinary_quoting_stays_on_the_columnar_path(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text(
        'x,y,z\n"a, b","say ""hi""",""\n"""x""",plain,"{""team"": ""ML""}"\n', encoding="utf-8"
    )
    assert columnar.can_read(path) is None
