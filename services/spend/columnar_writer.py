"""The fast path of a strict FOCUS CSV import: columnar batches into cost lines and rollups.

Every batch from ``integrations.billing.columnar`` is truncated to the column widths, bound the
way the column types store values (SQLite: SQLAlchemy's date and datetime text, canonical decimal
text; Postgres: ISO text through ``COPY ... (FORMAT csv)``) and written. Rollups are columnar
group-bys (``ColumnarRollups``) written once at the end. ``NotColumnar`` from the reader
propagates: the caller deletes what this import wrote and reads the file through the row parser.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy import Connection, text

from integrations.billing.columnar import (
    MAX_DIGITS,
    Coded,
    FocusBatch,
    NotColumnar,
    focus_batches,
)
from services.core.money import round_to
from services.spend.import_writer import LINE_COLUMNS, LineWriter
from services.spend.period_totals import NamedTotal

WIDTHS = {
    "provider": 200, "publisher": 200, "source_name": 200, "InvoiceIssuerName": 200,
    "BillingAccountId": 200, "SubAccountId": 200, "ChargeCategory": 32, "ServiceName": 300,
    "RegionId": 100, "ResourceId": 500, "SkuId": 200,
}  # fmt: skip
ROLLUP_KEYS = (
    "account", "period", "day", "provider", "source", "issuer", "service", "team", "currency",
)  # fmt: skip
ROLLUP_COLUMNS = (
    "import_id", "billing_account_id", "billing_period_start", "day", "provider", "source_name",
    "invoice_issuer", "service_name", "team", "currency", "billed_cost", "effective_cost",
    "line_count",
)  # fmt: skip
PLAIN_SCALE = 6  # pyarrow writes decimals of at most this scale without an exponent
CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="all_valid")

Progress = Callable[[int], None]
Slices = list[tuple[str, date]]


def import_columnar(
    writer: LineWriter,
    path: Path,
    header: Sequence[str],
    tag_keys: Sequence[str],
    import_id: int,
    progress: Progress | None = None,
) -> tuple[int, Slices, WrittenRollups | None]:
    """Write the file's cost lines and rollups; returns the rows written, the slices and the
    rollups as written (None when there were none)."""
    written = 0
    rollups = ColumnarRollups()
    for batch in focus_batches(path, header, tag_keys):
        cut = {name: _cut(batch.text[name], width) for name, width in WIDTHS.items()}
        team = batch.tags.take(lambda pair: pair[1][:200], pa.string())
        currency = batch.currency.take(str, pa.string())
        columns = _line_columns(writer, batch, cut, team, currency)
        _write(writer, "costline", LINE_COLUMNS, import_id, columns)
        rollups.add(batch, cut, team, currency)
        written += batch.size
        if progress is not None:
            progress(written)
    if not written:
        return 0, [], None
    # In the order of the rollups' unique key: its index then grows at the end instead of
    # taking each row at a random place (the cost of files with thousands of accounts).
    table = rollups.finish().sort_by([(key, "ascending") for key in ROLLUP_KEYS])
    dates = {"period", "day"}
    columns = [
        pc.cast(table[name], pa.string()) if name in dates else table[name]
        for name in (*ROLLUP_KEYS, "billed", "effective", "lines")
    ]
    _write(writer, "costrollup", ROLLUP_COLUMNS, import_id, columns)
    slices = table.group_by(["account", "period"], use_threads=False).aggregate([])
    accounts, periods = slices["account"].to_pylist(), slices["period"].to_pylist()
    return written, sorted(zip(accounts, periods, strict=True)), WrittenRollups(import_id, table)


class WrittenRollups:
    """One import's rollups as written (``period_totals.FreshRollups``): budget totals sum them here
    rather than read them back from the table."""

    def __init__(self, import_id: int, table: pa.Table) -> None:
        self._import_id = import_id
        self.table = table

    @property
    def import_ids(self) -> tuple[int]:
        return (self._import_id,)

    def days(self) -> tuple[date, date]:
        """The first and last day of these rollups."""
        found = pc.min_max(self.table["day"]).as_py()
        return found["min"], found["max"]

    def totals(
        self, start: date, end: date, currencies: frozenset[str] | None, basis: str
    ) -> list[NamedTotal]:
        table = self.table
        day = table["day"]
        keep = pc.and_(
            pc.greater_equal(day, pa.scalar(start, pa.date32())),
            pc.less(day, pa.scalar(end, pa.date32())),
        )
        if currencies:
            keep = pc.and_(keep, pc.is_in(table["currency"], pa.array(sorted(currencies))))
        keys = ["source", "provider", "issuer", "team", "currency"]
        rows = table.filter(keep)
        text = rows["billed" if basis == "billed" else "effective"]
        # Each amount is canonical text: its scale is the number of digits after the point.
        point = pc.find_substring(text, ".")
        scale = pc.if_else(
            pc.less(point, 0), 0, pc.subtract(pc.subtract(pc.utf8_length(text), point), 1)
        )
        # Exact in 38 digits: ``ColumnarRollups`` refused any file whose sum of all amounts,
        # at its largest scale, could need more.
        common = pc.max(scale).as_py() or 0
        grouped = (
            rows.select(keys)
            .append_column("amount", pc.cast(text, pa.decimal128(MAX_DIGITS, common)))
            .append_column("scale", scale)
            .group_by(keys, use_threads=False)
            .aggregate([("amount", "sum"), ("scale", "max")])
        )
        quanta: dict[int, Decimal] = {}
        out = []
        for row in grouped.to_pylist():
            places = row["scale_max"]
            quantum = quanta.get(places)
            if quantum is None:
                quantum = quanta[places] = Decimal(1).scaleb(-places)
            # Only zeros are cut: no amount of the group has more places than its largest,
            # which is the exponent a Decimal sum of them would have.
            total = round_to(row["amount_sum"], quantum)
            out.append((*(row[k] for k in keys), total))
        return out


def _write(
    writer: LineWriter,
    table: str,
    names: Sequence[str],
    import_id: int,
    columns: Sequence[pa.Array | pa.ChunkedArray],
) -> None:
    """Rows into ``table``: one executemany on SQLite, one CSV COPY on Postgres."""
    size = len(columns[0])
    if writer.postgres:
        ids = pa.array(itertools.repeat(import_id, size), pa.int64())
        out = pa.table([ids, *columns], names=list(names))
        buffer = io.BytesIO()
        pcsv.write_csv(out, buffer, CSV_OPTIONS)
        writer.copy_csv(buffer.getvalue(), table, names)
    else:
        values = [column.to_pylist() for column in columns]
        writer.write_many(zip(itertools.repeat(import_id), *values, strict=False), table, names)


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
    cut: dict[str, pa.Array],
    team: pa.Array,
    currency: pa.Array,
) -> list[pa.Array]:
    """The batch's columns in ``LINE_COLUMNS`` order, without ``import_id``."""
    rows = pa.array(range(batch.first_row, batch.first_row + batch.size), pa.int64())
    return [
        rows,
        cut["provider"],
        cut["publisher"],
        cut["InvoiceIssuerName"],
        cut["BillingAccountId"],
        cut["SubAccountId"],
        _bound(writer, batch.period, day=True),
        _bound(writer, batch.charge_start),
        _bound(writer, batch.charge_end),
        cut["ChargeCategory"],
        cut["ServiceName"],
        cut["RegionId"],
        cut["ResourceId"],
        cut["SkuId"],
        batch.billed,
        batch.effective,
        batch.listed,
        currency,
        team,
        batch.tags.take(lambda pair: pair[0], pa.string()),
    ]


class ColumnarRollups:
    """Daily totals by columnar group-bys: per batch, then once more over the partial totals.

    decimal128 sums are exact while they fit 38 digits; the bound is checked over the whole file
    (NotColumnar otherwise) before partial totals are combined. Each total is written with the
    largest scale among its amounts, the exponent a Decimal sum of them has, so the stored text
    equals the row path's.
    """

    COMPACT_ROWS = 400_000

    def __init__(self) -> None:
        self.partials: list[pa.Table] = []
        self.partial_rows = 0
        self.shrinks = True
        self.whole_digits = 1
        self.lines = 0

    def add(
        self, batch: FocusBatch, cut: dict[str, pa.Array], team: pa.Array, currency: pa.Array
    ) -> None:
        table = pa.table(
            {
                "account": cut["BillingAccountId"],
                "period": batch.period.take(lambda v: v, pa.date32()),
                "day": batch.charge_start.take(lambda v: v.date(), pa.date32()),
                "provider": cut["provider"],
                "source": cut["source_name"],
                "issuer": cut["InvoiceIssuerName"],
                "service": cut["ServiceName"],
                "team": team,
                "currency": currency,
                "billed": batch.billed_sum,
                "effective": batch.effective_sum,
                "lines": pa.array(itertools.repeat(1, batch.size), pa.int64()),
                "billed_scale": batch.billed_scale,
                "effective_scale": batch.effective_scale,
            }
        )
        self.whole_digits = max(self.whole_digits, batch.whole_digits)
        self.lines += batch.size
        # Files with a few accounts shrink a hundredfold when grouped per batch; files with
        # thousands hardly shrink, and grouping each batch before the whole was double work.
        grouped = _group(table) if self.shrinks else table.select(PARTIAL_COLUMNS)
        self.shrinks = self.shrinks and grouped.num_rows * 2 <= table.num_rows
        self.partials.append(grouped)
        self.partial_rows += grouped.num_rows
        if self.partial_rows > self.COMPACT_ROWS:  # memory stays flat on long files
            self.partials = [_group(self._combined())]
            self.partial_rows = self.partials[0].num_rows

    def _combined(self) -> pa.Table:
        """All partial totals in one table, their sums at one common scale."""
        scale = max(
            t.schema.field(name).type.scale
            for t in self.partials
            for name in ("billed", "effective")
        )
        if self.whole_digits + scale + len(str(self.lines)) + 1 > MAX_DIGITS:
            raise NotColumnar("sums could pass 38 digits")
        kind = pa.decimal128(MAX_DIGITS, scale)
        return pa.concat_tables(
            [
                _with_sums(t, t["billed"].cast(kind), t["effective"].cast(kind))
                for t in self.partials
            ]
        )

    def finish(self) -> pa.Table:
        """The file's rollups: keys, billed and effective cost as canonical text, line counts."""
        total = _group(self._combined())
        billed = _trimmed(total["billed"], total["billed_scale"])
        effective = _trimmed(total["effective"], total["effective_scale"])
        return _with_sums(total, billed, effective)


def _with_sums(table: pa.Table, billed: pa.Array, effective: pa.Array) -> pa.Table:
    table = table.set_column(table.schema.get_field_index("billed"), "billed", billed)
    return table.set_column(table.schema.get_field_index("effective"), "effective", effective)


PARTIAL_COLUMNS = (*ROLLUP_KEYS, "billed", "effective", "lines", "billed_scale", "effective_scale")


def _group(table: pa.Table) -> pa.Table:
    grouped = table.group_by(list(ROLLUP_KEYS), use_threads=False).aggregate(
        [
            ("billed", "sum"),
            ("effective", "sum"),
            ("lines", "sum"),
            ("billed_scale", "max"),
            ("effective_scale", "max"),
        ]
    )
    names = {
        "billed_sum": "billed",
        "effective_sum": "effective",
        "lines_sum": "lines",
        "billed_scale_max": "billed_scale",
        "effective_scale_max": "effective_scale",
    }
    return grouped.rename_columns([names.get(n, n) for n in grouped.schema.names]).select(
        PARTIAL_COLUMNS
    )


def _trimmed(sums: pa.ChunkedArray, scales: pa.ChunkedArray) -> pa.Array:
    """Decimal sums as canonical text, each at its own scale (exact: only zeros are cut).

    pyarrow writes a decimal in exponent form once its adjusted exponent is below -6 (3.7E-7),
    which cannot happen at a scale of 6 or less: there the text is cut columnwise. Beyond that,
    each sum is formatted in Python.
    """
    common = sums.type.scale
    if common <= PLAIN_SCALE:
        as_text = pc.cast(sums, pa.string()).combine_chunks()
        each = scales.combine_chunks()
        for scale in pc.unique(each).to_pylist():
            if scale != common:  # no decimals left: the point goes too
                cut = common - scale + (1 if scale == 0 else 0)
                shorter = pc.utf8_slice_codeunits(as_text, 0, -cut)
                as_text = pc.if_else(pc.equal(each, scale), shorter, as_text)
        return as_text
    quanta: dict[int, Decimal] = {}
    out = []
    for value, scale in zip(sums.to_pylist(), scales.to_pylist(), strict=True):
        quantum = quanta.get(scale)
        if quantum is None:
            quantum = quanta[scale] = Decimal(1).scaleb(-scale)
        out.append(format(round_to(value, quantum), "f"))
    return pa.array(out, pa.string())


def delete_lines(conn: Connection, import_id: int) -> None:
    """Remove what a fast path wrote before the row path takes over the same import."""
    conn.execute(text("DELETE FROM costline WHERE import_id = :id"), {"id": import_id})
    conn.execute(text("DELETE FROM costrollup WHERE import_id = :id"), {"id": import_id})
