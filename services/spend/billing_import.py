"""Billing import: files in, cost lines and daily rollups out, idempotent and all-or-nothing.

- The same file (by SHA-256) already active is skipped with a message: importing twice changes
  nothing.
- A billing slice is one billing account and one billing period. A newer export (a later import)
  containing a slice replaces that slice of every earlier active import, in the same transaction,
  so totals never double when exports overlap. Files imported together in one call never replace
  each other (providers split large exports into parts).
- Identical rows inside one file are all kept: each is a real charge.
- All files of one call are imported in one write transaction. A file that fails validation
  raises ``BillingError`` naming file, row and column, and nothing of the call is written.
- Rows are streamed and inserted in batches at the driver level (``executemany``, COPY), so
  memory stays flat and speed is close to a bulk load (``import_writer``).
- An import that imports no row at all (lenient mode with every row rejected) is refused with
  the reasons: nothing is written and the caller exits non-zero.
- Undo and history are in ``import_history``, saved mappings in ``column_mappings``, and which
  vendor a row belongs to in ``vendor_matching``; their functions are re-exported here because
  the Imports page and the CLI reach the whole import workflow through this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from db.engine import Database
from db.models import BillingImport
from integrations.billing import BillingError, MappingSpec, ParsedFile, columnar, parse_file
from services.access import audit
from services.access.access import Actor, require
from services.spend import budgets
from services.spend.column_mappings import (
    delete_mapping,
    list_mappings,
    load_mapping,
    mapping_spec,
    save_mapping,
)
from services.spend.columnar_writer import delete_lines, import_columnar
from services.spend.import_history import data_version, imported_days, list_imports, undo_import
from services.spend.import_writer import (
    LineWriter,
    Rollups,
    estimate_rows,
    replace_slices,
    slice_key,
    team_of,
    write_rows,
)
from services.spend.period_totals import FreshRollups
from services.spend.unmatched_names import UnmatchedName, map_name_to_vendor, unmatched_names
from settings import get_settings

__all__ = [
    "FileResult",
    "ImportResult",
    "SourceFile",
    "UnmatchedName",
    "data_version",
    "delete_mapping",
    "import_files",
    "list_imports",
    "list_mappings",
    "map_name_to_vendor",
    "mapping_spec",
    "save_mapping",
    "team_of",
    "undo_import",
    "unmatched_names",
]

IMPORT_CACHE_KIB = 64 * 1024

Progress = Callable[[str, int, int], None]  # filename, rows done, estimated rows in the file


@dataclass
class FileResult:
    filename: str
    format: str = ""
    import_id: int | None = None
    rows_read: int = 0
    rows_imported: int = 0
    rows_replaced: int = 0
    rows_skipped_duplicate: int = 0
    rows_rejected: int = 0
    duplicate: bool = False
    columnar: bool = False  # read by the columnar fast path (else by the row parser)
    message: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    files: list[FileResult]

    def total(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows read": self.total("rows_read"),
            "imported": self.total("rows_imported"),
            "replaced": self.total("rows_replaced"),
            "skipped as duplicates": self.total("rows_skipped_duplicate"),
            "rejected": self.total("rows_rejected"),
        }


@dataclass(frozen=True)
class SourceFile:
    """A file to import; ``name`` is what the user called it (an upload's original name)."""

    path: Path
    name: str

    @classmethod
    def of(cls, item: Path | SourceFile) -> SourceFile:
        return item if isinstance(item, SourceFile) else cls(item, item.name)


@dataclass(frozen=True)
class _Options:
    fmt: str
    mapping: MappingSpec | None
    mapping_id: int | None
    lenient: bool
    tag_keys: Sequence[str]
    progress: Progress | None


def _check_sizes(sources: list[SourceFile], limit: int) -> None:
    for source in sources:  # size first, before any parsing or hashing
        if not source.path.is_file():
            raise BillingError(source.name, "no such file")
        size = source.path.stat().st_size
        if size > limit:
            raise BillingError(
                source.name,
                f"the file is {size:,} bytes, over the import limit of {limit:,} bytes",
            )


def import_files(
    db: Database,
    actor: Actor,
    files: Iterable[Path | SourceFile],
    *,
    fmt: str = "auto",
    mapping_name: str | None = None,
    lenient: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import files in one transaction; a bad file raises BillingError and nothing is written."""
    require(db, actor, "spend.import", record_type="billing_import")
    sources = [SourceFile.of(f) for f in files]
    if not sources:
        raise ValueError("no files to import")
    settings = get_settings()
    mapping, mapping_id = load_mapping(db, mapping_name) if mapping_name else (None, None)
    options = _Options(fmt, mapping, mapping_id, lenient, settings.tag_keys, progress)
    _check_sizes(sources, settings.max_import_bytes)
    scans = [columnar.ByteScan() for _ in sources]
    hashes = [columnar.file_sha256(s.path, scan) for s, scan in zip(sources, scans, strict=True)]
    results: list[FileResult] = []
    batch_ids: list[int] = []
    written: list[FreshRollups | None] = []
    seen: set[str] = set()
    try:
        with db.write() as session:
            for source, sha, scan in zip(sources, hashes, scans, strict=True):
                duplicate = _duplicate(session, source, sha, seen)
                if duplicate is not None:
                    results.append(duplicate)
                    continue
                seen.add(sha)
                rollups = Rollups()
                results.append(
                    _import_one(
                        session, actor, source, sha, scan.reason, options, batch_ids, rollups
                    )
                )
                written.append(rollups.written)
            if batch_ids:
                # One file's rollups in memory are summed there. Of several, a later one may
                # have replaced an earlier one's slices: those are read back from the table.
                fresh = written[0] if len(written) == 1 else None
                days = fresh.days() if fresh is not None else imported_days(session, batch_ids)
                budgets.queue_threshold_notifications(session, days=days, fresh=fresh)
    except OperationalError as exc:
        # Disk full, read-only file, lost connection: the transaction was rolled back whole.
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        raise ValueError(
            f"the database could not store the import ({reason}); nothing was imported"
        ) from exc
    return ImportResult(results)


def _duplicate(session: Session, source: SourceFile, sha: str, seen: set[str]) -> FileResult | None:
    """A result saying the file was already imported, or None when it is new."""
    earlier = session.exec(
        select(BillingImport)
        .where(BillingImport.sha256 == sha)
        .where(BillingImport.status == "active")
    ).first()
    if earlier is None and sha not in seen:
        return None
    when = (
        f"import #{earlier.id} on {earlier.imported_at:%Y-%m-%d %H:%M} UTC"
        if earlier is not None
        else "this batch"
    )
    return FileResult(
        source.name,
        format=earlier.format if earlier is not None else "",
        import_id=earlier.id if earlier is not None else None,
        rows_skipped_duplicate=earlier.rows_read if earlier is not None else 0,
        duplicate=True,
        message=f"{source.name} was already imported ({when}): nothing changed",
    )


def _import_one(
    session: Session,
    actor: Actor,
    source: SourceFile,
    sha: str,
    not_columnar: str | None,
    options: _Options,
    batch_ids: list[int],
    rollups: Rollups,
) -> FileResult:
    parsed = parse_file(
        source.path,
        fmt=options.fmt,
        lenient=options.lenient,
        mapping=options.mapping,
        filename=source.name,
    )
    record = BillingImport(
        filename=source.name[:500],
        format=parsed.format,
        sha256=sha,
        status="active",
        mapping_id=options.mapping_id if parsed.format == "mapped" else None,
        imported_by=actor.email,
    )
    session.add(record)
    session.flush()
    import_id = record.id
    assert import_id is not None
    batch_ids.append(import_id)
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        # This connection only (each session opens its own): 64 MiB of page cache, so index
        # pages are not spilled to the WAL again and again during a bulk insert.
        conn.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    imported = None
    if not_columnar is None:
        imported = _columnar(conn, parsed, import_id, rollups, source, options)
    fast = imported is not None
    if imported is None:  # the row parser reads it: same meaning, errors with row and column
        imported = _write_rows(conn, parsed, import_id, rollups, source, options)
    if imported == 0:
        _refuse_empty(source, parsed)
    if not fast:  # the columnar path wrote its rollups already
        rollups.write(conn, import_id)
    replaced = replace_slices(conn, import_id, batch_ids)
    stats = parsed.stats
    record.rows_read = stats.rows_read
    record.rows_imported = imported
    record.rows_replaced = replaced
    record.rows_rejected = stats.rows_rejected
    slices = rollups.slices()
    record.slice_key = slice_key(slices)
    session.add(record)
    audit.record(
        session,
        actor,
        "import",
        "billing_import",
        import_id,
        after={"filename": source.name, "format": parsed.format, "sha256": sha},
        detail=(
            f"{stats.rows_read} read, {imported} imported, {replaced} replaced, "
            f"{stats.rows_rejected} rejected"
        ),
    )
    result = _file_result(source, parsed, import_id, imported, replaced)
    result.columnar = fast
    return result


def _refuse_empty(source: SourceFile, parsed: ParsedFile) -> None:
    stats = parsed.stats
    first = f" ({'; '.join(stats.problems[:3])})" if stats.problems else ""
    raise BillingError(
        source.name,
        f"no row could be imported: all {stats.rows_read} rows were rejected{first}; "
        "nothing was imported",
    )


def _file_result(
    source: SourceFile, parsed: ParsedFile, import_id: int, imported: int, replaced: int
) -> FileResult:
    stats = parsed.stats
    message = f"{source.name}: imported {imported} of {stats.rows_read} rows as {parsed.format}"
    if replaced:
        message += f"; replaced {replaced} rows of earlier exports for the same account and period"
    if stats.rows_rejected:
        message += f"; rejected {stats.rows_rejected} rows (lenient mode)"
    return FileResult(
        source.name,
        format=parsed.format,
        import_id=import_id,
        rows_read=stats.rows_read,
        rows_imported=imported,
        rows_replaced=replaced,
        rows_rejected=stats.rows_rejected,
        message=message,
        problems=list(stats.problems),
    )


def _columnar(
    conn: Connection,
    parsed: ParsedFile,
    import_id: int,
    rollups: Rollups,
    source: SourceFile,
    options: _Options,
) -> int | None:
    """Import through the columnar fast path when it can read the file; None when it cannot.

    Only strict FOCUS CSV files go this way. On ``NotColumnar`` (any value the fast path cannot
    prove it reads as the row parser does, or any value the row parser would refuse) the lines
    written so far are deleted and the row parser reads the file from the start.
    """
    if parsed.format != "focus" or options.lenient or not parsed.comma_csv:
        return None
    progress = options.progress
    estimate = estimate_rows(source.path) if progress is not None else 0

    def report(done: int) -> None:
        if progress is not None:
            progress(source.name, done, max(estimate, done))

    try:
        written, slices, rollups.written = import_columnar(
            LineWriter(conn), source.path, parsed.header, options.tag_keys, import_id, report
        )
    except columnar.NotColumnar:
        delete_lines(conn, import_id)
        return None
    if written == 0:  # a header without rows: the row parser refuses it with its message
        return None
    parsed.stats.rows_read = written
    rollups.written_slices = slices
    if progress is not None:
        progress(source.name, written, written)
    return written


def _write_rows(
    conn: Connection,
    parsed: ParsedFile,
    import_id: int,
    rollups: Rollups,
    source: SourceFile,
    options: _Options,
) -> int:
    progress = options.progress
    estimate = estimate_rows(source.path) if progress is not None else 0

    def report(done: int) -> None:
        if progress is not None:
            progress(source.name, done, max(estimate, done))

    rows = parsed.rows
    written = write_rows(LineWriter(conn), rows, import_id, rollups, options.tag_keys, report)
    if progress is not None:
        progress(source.name, written, written)
    return written
