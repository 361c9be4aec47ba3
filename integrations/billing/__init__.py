"""Billing file formats: one module each, all producing the same normalised ``CostRow``.

``parse_file`` checks the size, finds the format (auto-detected from the header unless named),
checks the required columns and returns a lazy stream of rows, so a file of any length is read
in constant memory: CSV through the ``csv`` module, Parquet in record batches through pyarrow.
In strict mode the first bad value raises ``BillingError`` naming file, row and column; in
lenient mode a row that still cannot be read is counted as rejected and skipped. Row numbers
are as a spreadsheet shows them (the header is row 1); in a Parquet file, row 1 is the first
record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integrations.billing import aws_cur, focus, gcp, mapped
from integrations.billing.common import (
    BillingError,
    Converter,
    CostRow,
    ParseOptions,
    ParseStats,
    RowProblem,
)
from integrations.billing.csv_files import PARQUET_MAGIC, NulWatch, check_header, read_csv, sniff
from integrations.billing.input_rules import NUL, NUL_PROBLEM, nul_column
from integrations.billing.mapped import MappingError, MappingSpec

FORMATS = ("focus", "aws-cur", "gcp", "mapped")
PARQUET_BATCH_ROWS = 20_000

__all__ = [
    "FORMATS",
    "BillingError",
    "CostRow",
    "MappingError",
    "MappingSpec",
    "ParseOptions",
    "ParseStats",
    "ParsedFile",
    "parse_file",
]


@dataclass
class ParsedFile:
    format: str
    rows: Iterator[CostRow]
    stats: ParseStats
    header: list[str] = field(default_factory=list)
    comma_csv: bool = False  # a comma-separated CSV (not Parquet): the columnar reader may read it


def parse_file(
    path: Path,
    *,
    fmt: str = "auto",
    lenient: bool = False,
    mapping: MappingSpec | None = None,
    max_bytes: int | None = None,
    filename: str | None = None,
) -> ParsedFile:
    """Open ``path`` and return its rows as a stream; raises BillingError when it cannot."""
    name = filename or path.name
    if not path.is_file():
        raise BillingError(name, "no such file")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise BillingError(
            name, f"the file is {size:,} bytes, over the import limit of {max_bytes:,} bytes"
        )
    if size == 0:
        raise BillingError(name, "the file is empty")
    if fmt not in ("auto", *FORMATS):
        raise BillingError(name, f"unknown format {fmt!r}; use one of auto, {', '.join(FORMATS)}")
    options = ParseOptions(lenient=lenient)
    head = sniff(path)
    comma_csv = False
    if head[:4] == PARQUET_MAGIC:
        header, records = _parquet_records(path, name)
    else:
        table = read_csv(path, options, name)
        if table.delimiter == ";":
            options = ParseOptions(lenient=lenient, decimal_comma=True)
        header = table.header
        comma_csv = table.delimiter == ","
        records = _csv_records(table.header, table.rows, table.nul)
    header_set = set(header)
    chosen = _choose_format(fmt, header_set, mapping, name)
    convert = _converter(chosen, header_set, options, mapping, name)
    stats = ParseStats()
    rows = _stream(records, convert, options, stats, name)
    return ParsedFile(chosen, rows, stats, header, comma_csv)


def _choose_format(fmt: str, header: set[str], mapping: MappingSpec | None, name: str) -> str:
    if fmt != "auto":
        return fmt
    if mapping is not None:
        return "mapped"
    for module in (focus, aws_cur, gcp):
        if module.matches(header):
            return str(module.NAME)
    if any(";" in h for h in header):
        raise BillingError(
            name,
            "the columns are separated by semicolons; strict mode reads comma-separated files "
            "only (lenient mode reads ';' files with decimal commas such as 1.234,56)",
            row=1,
        )
    raise BillingError(
        name,
        "unrecognised billing format (not FOCUS, AWS CUR 2.0 or a Google Cloud export): "
        "import it with a saved column mapping",
        row=1,
    )


def _converter(
    fmt: str, header: set[str], options: ParseOptions, mapping: MappingSpec | None, name: str
) -> Converter:
    if fmt == "mapped":
        if mapping is None:
            raise BillingError(name, "the mapped format needs a saved column mapping")
        missing = mapped.missing_columns(header, mapping)
        if missing:
            raise _missing(name, missing)
        return mapped.converter(header, options, mapping)
    module: Any = {"focus": focus, "aws-cur": aws_cur, "gcp": gcp}[fmt]
    if fmt == "gcp":
        clash = gcp.same_field(header)
        if clash is not None:
            raise BillingError(name, clash[1], row=1, column=clash[0])
    missing = module.missing_columns(header)
    if missing:
        raise _missing(name, missing)
    converter: Converter = module.converter(header, options)
    return converter


def _missing(name: str, missing: list[str]) -> BillingError:
    return BillingError(
        name, f"missing required column(s): {', '.join(missing)}", row=1, column=missing[0]
    )


PROBLEM = "__problem__"  # a record that stands for a row refused before conversion


def _csv_records(
    header: list[str], rows: Iterator[tuple[int, list[str]]], nul: NulWatch
) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(header)
    for number, cells in rows:
        if len(cells) != width:
            problem = (
                f"{len(cells)} cells where the header has {width} (a truncated or misaligned line)"
            )
            yield number, {PROBLEM: ("", problem)}
            continue
        if nul.seen:  # only rows whose lines held a NUL byte are searched
            nul.seen = False
            column = nul_column(header, cells)
            if column is not None:
                yield number, {PROBLEM: (column, NUL_PROBLEM)}
                continue
        yield number, dict(zip(header, cells, strict=True))


Records = Iterator[tuple[int, dict[str, Any]]]


def _parquet_records(path: Path, name: str) -> tuple[list[str], Records]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise BillingError(name, f"not a readable Parquet file: {exc}") from None
    header = list(parquet.schema_arrow.names)
    check_header(header, name)
    if parquet.metadata.num_rows == 0:
        raise BillingError(name, "the file has columns but no rows")

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            bad = _nul_cells(batch)
            for index, rec in enumerate(batch.to_pylist()):
                number += 1
                column = bad.get(index)
                yield number, ({PROBLEM: (column, NUL_PROBLEM)} if column else rec)

    return header, records()


def _nul_cells(batch: Any) -> dict[int, str]:
    """Row index in the batch -> first string column holding a NUL byte (found columnwise)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found: dict[int, str] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        mask = pc.fill_null(pc.match_substring(column, NUL), False)
        if pc.any(mask).as_py():
            for index in pc.indices_nonzero(mask).to_pylist():
                found.setdefault(index, name)
    return found


def _stream(
    records: Iterator[tuple[int, dict[str, Any]]],
    convert: Converter,
    options: ParseOptions,
    stats: ParseStats,
    name: str,
) -> Iterator[CostRow]:
    for number, rec in records:
        stats.rows_read += 1
        try:
            problem = rec.get(PROBLEM)
            if problem is not None:
                raise RowProblem(*problem)
            yield convert(number, rec)
        except RowProblem as exc:
            if not options.lenient:
                column = exc.column or None
                raise BillingError(name, exc.problem, row=number, column=column) from None
            stats.reject(number, exc.column, exc.problem)
        except KeyError as exc:
            column = str(exc.args[0]) if exc.args else ""
            if not options.lenient:
                raise BillingError(name, "value missing", row=number, column=column) from None
            stats.reject(number, column, "value missing")
    if stats.rows_read == 0:
        raise BillingError(name, "the file has a header but no rows")
