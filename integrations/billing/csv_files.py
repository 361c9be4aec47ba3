"""Reading billing CSV files: encodings, delimiters, a checked header and numbered rows.

UTF-8 (with or without Excel's BOM) or UTF-16 with a BOM; a zip, xlsx or gzip file is refused
with what it is. Rows are numbered as a spreadsheet shows them (the header is row 1), and a NUL
byte, a duplicate column name or a broken line is reported with its row.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from integrations.billing.common import BillingError, ParseOptions, RowProblem
from integrations.billing.input_rules import NUL, NUL_PROBLEM, duplicate_problem

PARQUET_MAGIC = b"PAR1"


def sniff(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4096)


def refuse_non_csv(head: bytes, filename: str) -> None:
    if head[:4] == b"PK\x03\x04":
        raise BillingError(
            filename,
            "this is a zip or xlsx file, not a CSV: export it from the spreadsheet as CSV UTF-8",
        )
    if head[:2] == b"\x1f\x8b":
        raise BillingError(filename, "this is a gzip file, not a CSV: decompress it first")
    if not head.strip(b"\xef\xbb\xbf\r\n\t ,;"):
        raise BillingError(filename, "the file is empty")


def open_lines(path: Path, head: bytes) -> tuple[Iterator[str], IO[Any]]:
    """The file as text lines: UTF-8 (with or without Excel's BOM) or UTF-16 with a BOM.

    UTF-8 is decoded line by line and strictly, so a cp1252 file fails at the row holding its
    first non-UTF-8 byte (reported with that row) instead of being stored garbled.
    """
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        text = path.open("r", encoding="utf-16", errors="strict", newline="")
        return iter(text), text
    raw = path.open("rb")
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    return (decoder.decode(line) for line in raw), raw


def detect_delimiter(header_line: str, options: ParseOptions) -> str:
    if options.lenient and header_line.count(";") > header_line.count(","):
        return ";"
    return ","


class NulWatch:
    """Notes a NUL byte in the lines the CSV reader pulls, so only those rows are searched."""

    def __init__(self) -> None:
        self.seen = False

    def lines(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            if NUL in line:
                self.seen = True
            yield line


@dataclass
class CsvTable:
    """A CSV being streamed: the header and an iterator of (row number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    delimiter: str
    nul: NulWatch = field(default_factory=NulWatch)


def check_header(header: list[str], name: str) -> None:
    """Refuse a header with a NUL byte or a column name given twice."""
    for index, column in enumerate(header, start=1):
        if NUL in column:
            raise BillingError(name, f"column {index}: {NUL_PROBLEM}", row=1)
    duplicate = duplicate_problem(header)
    if duplicate is not None:
        raise BillingError(name, duplicate[1], row=1, column=duplicate[0])


def read_csv(path: Path, options: ParseOptions, filename: str | None = None) -> CsvTable:
    name = filename or path.name
    head = sniff(path)
    refuse_non_csv(head, name)
    lines, handle = open_lines(path, head)
    try:
        first = next(lines, "")
    except UnicodeDecodeError as exc:
        handle.close()
        raise _not_utf8(name, 1, exc) from None
    delimiter = detect_delimiter(first, options)
    watch = NulWatch()
    reader = csv.reader(
        watch.lines(itertools.chain([first], lines)), delimiter=delimiter, strict=True
    )
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        handle.close()
        raise BillingError(name, "the file is empty") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        if isinstance(exc, UnicodeDecodeError):
            raise _not_utf8(name, 1, exc) from None
        raise BillingError(name, f"broken header: {exc}", row=1) from None
    if not any(header):
        handle.close()
        raise BillingError(name, "the first line is not a header row")
    check_header(header, name)
    return CsvTable(header, _rows(reader, handle, name, len(header)), delimiter, watch)


def _not_utf8(filename: str, row: int, exc: UnicodeDecodeError) -> BillingError:
    return BillingError(
        filename,
        f"the file is not UTF-8 ({exc.reason}); save it as CSV UTF-8 (or UTF-16) and import again",
        row=row,
    )


def _rows(
    reader: Any, handle: IO[Any], filename: str, width: int
) -> Iterator[tuple[int, list[str]]]:
    """Rows numbered as a spreadsheet shows them (header = 1), blank lines skipped."""
    number = 1
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _not_utf8(filename, number + 1, exc) from None
            except csv.Error as exc:
                raise BillingError(filename, f"broken CSV: {exc}", row=number + 1) from None
            number += 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield number, cells
    finally:
        handle.close()


def column_index(header: list[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(header)}


def check_width(cells: list[str], width: int, row: int) -> None:
    if len(cells) != width:
        raise RowProblem(
            "",
            f"{len(cells)} cells where the header has {width} (a truncated or misaligned line)",
        )
