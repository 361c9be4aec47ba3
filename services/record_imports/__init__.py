"""`opsdesk import-records KIND FILE`: spreadsheet rows into records, all rows or none.

Each kind is a module in this package exposing ``KIND`` (the command word), ``PERMISSION``,
``REQUIRED`` (column names) and ``import_rows(session, actor, rows) -> int``, which raises
``RecordError`` naming the row and the problem. Reading, decoding and the all-or-nothing
transaction are shared here, so every kind refuses bad files the same way.
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlmodel import Session

from db.engine import Database
from integrations.billing.input_rules import NUL, NUL_PROBLEM, duplicate_problem, nul_column
from services.access import audit
from services.access.access import Actor, require

Row = tuple[int, dict[str, str]]  # (row number as a spreadsheet shows it, values by column)
MAX_RECORD_FILE_BYTES = 20 * 1024 * 1024


class RecordError(ValueError):
    """A row that cannot be imported; the whole file is refused."""

    def __init__(self, row: int | None, column: str | None, problem: str) -> None:
        where = ", ".join(
            part
            for part in (f"row {row}" if row else "", f"column {column!r}" if column else "")
            if part
        )
        super().__init__(f"{where}: {problem}" if where else problem)
        self.row, self.column, self.problem = row, column, problem


@dataclass(frozen=True)
class Kind:
    name: str
    permission: str
    required: tuple[str, ...]
    import_rows: Callable[[Session, Actor, list[Row]], int]


@functools.cache  # the package's modules do not change while a process runs
def kinds() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for info in pkgutil.iter_modules(__path__):
        module: ModuleType = importlib.import_module(f"{__name__}.{info.name}")
        kind = Kind(module.KIND, module.PERMISSION, tuple(module.REQUIRED), module.import_rows)
        found[kind.name] = kind
    return dict(sorted(found.items()))


def decode(data: bytes, filename: str) -> str:
    """UTF-8 (with or without Excel's byte-order mark) or UTF-16; anything else is refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    if data[:4] == b"PK\x03\x04" or data[:2] == b"\x1f\x8b":
        raise RecordError(None, None, f"{filename} is a zip, xlsx or gzip file, not a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(
            None, None, f"{filename} is not UTF-8 (byte {exc.start}); save it as CSV UTF-8"
        ) from exc


def read_rows(data: bytes, filename: str, required: tuple[str, ...]) -> list[Row]:
    text = decode(data, filename)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise RecordError(None, None, f"{filename} is empty")
    for index, column in enumerate(header, start=1):
        if NUL in column:
            raise RecordError(1, None, f"column {index}: {NUL_PROBLEM}")
    duplicate = duplicate_problem(header)
    if duplicate is not None:
        raise RecordError(1, duplicate[0], duplicate[1])
    missing = [c for c in required if c not in header]
    if missing:
        raise RecordError(1, missing[0], f"missing required column(s): {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[Row] = []
    for index, raw in enumerate(reader, start=2):
        if None in raw:
            raise RecordError(index, None, "more cells than header columns")
        values = {k: (v or "").strip() for k, v in raw.items()}
        bad = nul_column(header, [values[h] for h in header])
        if bad is not None:
            raise RecordError(index, bad, NUL_PROBLEM)
        if any(values.values()):
            rows.append((index, values))
    if not rows:
        raise RecordError(None, None, f"{filename} has a header but no rows")
    return rows


class _DryRun(Exception):
    """Raised inside a preview's transaction so that nothing it wrote is kept."""


@dataclass(frozen=True)
class Preview:
    """What importing a file would do: the rows read, and the first problem that would refuse
    the whole file (``problem`` None when every row would be imported)."""

    kind: str
    filename: str
    rows: list[dict[str, str]]
    count: int
    problem: str | None


def _kind(db: Database, actor: Actor, kind_name: str) -> Kind:
    kind = kinds().get(kind_name)
    if kind is None:
        raise RecordError(None, None, f"unknown record kind {kind_name!r}")
    require(db, actor, kind.permission, record_type=kind_name)
    return kind


def _check_size(size: int, filename: str) -> None:
    if size > MAX_RECORD_FILE_BYTES:
        raise RecordError(
            None, None, f"{filename} is larger than {MAX_RECORD_FILE_BYTES // 2**20} MB"
        )


def preview_bytes(
    db: Database, actor: Actor, kind_name: str, data: bytes, filename: str
) -> Preview:
    """Read and check every row exactly as the import would, inside a transaction that is then
    rolled back: the preview names the first refused row, or says all would be imported."""
    kind = _kind(db, actor, kind_name)
    try:
        _check_size(len(data), filename)
        rows = read_rows(data, filename, kind.required)
    except RecordError as exc:
        return Preview(kind_name, filename, [], 0, f"{filename}: {exc}")
    shown = [values for _number, values in rows]
    try:
        with db.write() as session:
            kind.import_rows(session, actor, rows)
            raise _DryRun
    except _DryRun:
        return Preview(kind_name, filename, shown, len(rows), None)
    except ValueError as exc:
        return Preview(kind_name, filename, shown, len(rows), f"{filename}: {exc}")


def import_bytes(db: Database, actor: Actor, kind_name: str, data: bytes, filename: str) -> int:
    """Import every row of a CSV's bytes as ``kind_name`` records in one transaction, or none."""
    kind = _kind(db, actor, kind_name)
    _check_size(len(data), filename)
    rows = read_rows(data, filename, kind.required)
    with db.write() as session:
        count = kind.import_rows(session, actor, rows)
        audit.record(
            session, actor, "import", kind_name, None, detail=f"{count} rows from {filename}"
        )
    return count


def import_file(db: Database, actor: Actor, kind_name: str, path: Path) -> int:
    """Import every row of ``path`` as ``kind_name`` records in one transaction, or none."""
    _kind(db, actor, kind_name)
    _check_size(path.stat().st_size, path.name)
    return import_bytes(db, actor, kind_name, path.read_bytes(), path.name)
