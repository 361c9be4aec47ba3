"""The fast path of a strict FOCUS CSV import: columnar batches into cost lines and rollups.

Every batch from ``integrations.billing.columnar`` is truncated to the column widths, bound the
way the column types store values (SQLite: SQLAlchemy's date and datetime text, canonical decimal
text; Postgres: ISO text through ``COPY ... (FORMAT csv)``), written, and rolled up with a
pyarrow group-by whose decimal128 sums are exact (the reader refuses a batch whose sums could
overflow). Partial sums are merged across batches in Python's exact decimal context, and rounded
back to the largest scale written in each group, so a rollup holds the very Decimal the row path
would have summed. ``NotColumnar`` from the reader propagates: the caller deletes what this
import wrote and reads the file through the row parser instead.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection, text

from integrations.billing.columnar import Coded, FocusBatch, focus_batches
from services.core.money import round_to
from services.spend.import_writer import LINE_COLUMNS, LineWriter, Rollups

WIDTHS = {
    "provider": 200, "publisher": 200, "source_name": 200, "InvoiceIssuerName": 200,
    "BillingAccountId": 200, "SubAccountId": 200, "ChargeCategory": 32, "ServiceName": 300,
    "RegionId": 100, "ResourceId": 500, "SkuId": 200,
}  # fmt: skip
ROLLUP_KEYS = (
    "account", "period", "day", "provider", "source", "issuer", "service", "team", "currency",
)  # fmt: skip
CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="all_valid")

Progress = Callable[[int], None]


def import_columnar(
    writer: LineWriter,
    path: Path,
    header: Sequence[str],
    tag_keys: Sequence[str],
    import_id: int,
    rollups: Rollups,
    progress: Progress | None = None,
) -> int:
    """Write every row of the file as cost lines and add its rollups; returns the rows written."""
    written = 0
    for batch in focus_batches(path, header, tag_keys):
        text = {name: _cut(batch.text[name], width) for name, width in WIDTHS.items()}
        team = batch.tags.take(lambda pair: pair[1][:200], pa.string())
        currency = batch.currency.take(str, pa.string())
        columns = _line_columns(writer, batch, text, team, currency)
        if writer.postgres:
            _copy(writer, import_id, columns)
        else:
            _insert(writer, import_id, columns)
        _roll_up(batch, text, team, currency, rollups)
        written += batch.size
        if progress is not None:
            progress(written)
    return written


def _cut(column: pa.Array, width: int) -> pa.Array:
    if (pc.max(pc.utf8_length(column)).as_py() or 0) <= width:
        return column
    return pc.utf8_slice_codeunits(column, 0, width)


def _bound(writer: LineWriter, coded: Coded, day: bool = False) -> pa.Array:
    """A coded date or datetime column as the database stores it (None stays null)."""
    if writer.postgres:
        return coded.take(lambda v: None if v is None else v.isoformat(), pa.string())
    bind = writer.day if day else writer.moment
    return coded.take(lambda v: None if v is None else bind(v))


def _line_columns(
    writer: LineWriter,
    batch: FocusBatch,
    text: dict[str, pa.Array],
    team: pa.Array,
    currency: pa.Array,
) -> list[pa.Array]:
    """The batch's columns in ``LINE_COLUMNS`` order, without ``import_id``."""
    rows = pa.array(range(batch.first_row, batch.first_row + batch.size), pa.int64())
    return [
        rows,
        text["provider"],
        text["publisher"],
        text["InvoiceIssuerName"],
        text["BillingAccountId"],
        text["SubAccountId"],
        _bound(writer, batch.period, day=True),
        _bound(writer, batch.charge_start),
        _bound(writer, batch.charge_end),
        text["ChargeCategory"],
        text["ServiceName"],
        text["RegionId"],
        text["ResourceId"],
        text["SkuId"],
        batch.billed,
        batch.effective,
        batch.listed,
        currency,
        team,
        batch.tags.take(lambda pair: pair[0], pa.string()),
    ]


def _insert(writer: LineWriter, import_id: int, columns: list[pa.Array]) -> None:
    values = [column.to_pylist() for column in columns]
    writer.write_many(zip(itertools.repeat(import_id), *values, strict=False))


def _copy(writer: LineWriter, import_id: int, columns: list[pa.Array]) -> None:
    size = len(columns[0])
    table = pa.table([pa.array([import_id] * size, pa.int64()), *columns], names=list(LINE_COLUMNS))
    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer, CSV_OPTIONS)
    writer.copy_csv(buffer.getvalue())


def _roll_up(
    batch: FocusBatch,
    text: dict[str, pa.Array],
    team: pa.Array,
    currency: pa.Array,
    rollups: Rollups,
) -> None:
    """Daily totals of the batch by a columnar group-by, merged into ``rollups`` exactly."""
    table = pa.table(
        {
            "account": text["BillingAccountId"],
            "period": batch.period.take(lambda v: v, pa.date32()),
            "day": batch.charge_start.take(lambda v: v.date(), pa.date32()),
            "provider": text["provider"],
            "source": text["source_name"],
            "issuer": text["InvoiceIssuerName"],
            "service": text["ServiceName"],
            "team": team,
            "currency": currency,
            "billed": batch.billed_sum,
            "effective": batch.effective_sum,
            "billed_scale": batch.billed_scale,
            "effective_scale": batch.effective_scale,
        }
    )
    grouped = table.group_by(list(ROLLUP_KEYS), use_threads=False).aggregate(
        [
            ("billed", "sum"),
            ("effective", "sum"),
            ("billed", "count"),
            ("billed_scale", "max"),
            ("effective_scale", "max"),
        ]
    )
    keys = [grouped.column(k).to_pylist() for k in ROLLUP_KEYS]
    billed = grouped.column("billed_sum").to_pylist()
    effective = grouped.column("effective_sum").to_pylist()
    counts = grouped.column("billed_count").to_pylist()
    billed_scale = grouped.column("billed_scale_max").to_pylist()
    effective_scale = grouped.column("effective_scale_max").to_pylist()
    for i, key in enumerate(zip(*keys, strict=True)):
        rollups.add_many(
            key,  # type: ignore[arg-type]
            _at_scale(billed[i], billed_scale[i]),
            _at_scale(effective[i], effective_scale[i]),
            counts[i],
        )


def _at_scale(value: Decimal, scale: int) -> Decimal:
    """The sum with the exponent a Decimal sum of the written amounts has (exact: no rounding)."""
    return round_to(value, Decimal(1).scaleb(-scale))


def delete_lines(conn: Connection, import_id: int) -> None:
    """Remove what a fast path wrote before the row path takes over the same import."""
    conn.execute(text("DELETE FROM costline WHERE import_id = :id"), {"id": import_id})
