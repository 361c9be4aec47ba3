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
  memory stays flat and speed is close to a bulk load. Rollups (daily totals) are summed in
  Python with Decimal while streaming: SQLite stores money as text and must never SUM it.
- Undo removes one import's lines and rollups and marks it ``undone``; the data it replaced is
  not brought back (import the earlier file again to restore it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, insert, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import BillingImport, ColumnMapping, CostLine, CostRollup, Vendor, VendorAlias
from integrations.billing import (
    BillingError,
    CostRow,
    MappingError,
    MappingSpec,
    parse_file,
)
from services.access import audit
from services.access.access import Actor, require
from settings import get_settings

INSERT_BATCH_ROWS = 5_000
HASH_CHUNK_BYTES = 1024 * 1024
SLICE_KEY_MAX = 500
MAX_CACHED_MOMENTS = 100_000

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


RollupKey = tuple[str, date, date, str, str, str, str, str, str]


def team_of(row: CostRow, tag_keys: Sequence[str]) -> str:
    """The row's team: an explicit team column, else the first configured tag key present."""
    if row.team:
        return row.team
    if not row.tags:
        return ""
    for key in tag_keys:
        value = row.tags.get(key)
        if value:
            return value
    folded = {k.casefold(): v for k, v in row.tags.items()}
    for key in tag_keys:
        value = folded.get(key.casefold())
        if value:
            return value
    return ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _estimate_rows(path: Path) -> int:
    size = path.stat().st_size
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    lines = max(sample.count(b"\n"), 1)
    return max(int(size / (len(sample) / lines)) - 1, 1)


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
    mapping: MappingSpec | None = None
    mapping_id: int | None = None
    if mapping_name:
        with db.read() as session:
            saved = session.exec(
                select(ColumnMapping).where(ColumnMapping.name == mapping_name)
            ).first()
        if saved is None:
            raise ValueError(f"no saved column mapping named {mapping_name!r}")
        try:
            mapping = MappingSpec.from_json(saved.spec)
        except MappingError as exc:
            raise ValueError(f"column mapping {mapping_name!r}: {exc}") from None
        mapping_id = saved.id
    for source in sources:  # size first, before any parsing or hashing
        if not source.path.is_file():
            raise BillingError(source.name, "no such file")
        if source.path.stat().st_size > settings.max_import_bytes:
            raise BillingError(
                source.name,
                f"the file is {source.path.stat().st_size:,} bytes, over the import limit of "
                f"{settings.max_import_bytes:,} bytes",
            )
    hashes = [file_sha256(s.path) for s in sources]
    results: list[FileResult] = []
    batch_ids: list[int] = []
    seen: set[str] = set()
    try:
        with db.write() as session:
            for source, sha in zip(sources, hashes, strict=True):
                earlier = session.exec(
                    select(BillingImport)
                    .where(BillingImport.sha256 == sha)
                    .where(BillingImport.status == "active")
                ).first()
                if earlier is not None or sha in seen:
                    skipped = earlier.rows_read if earlier is not None else 0
                    when = (
                        f"import #{earlier.id} on {earlier.imported_at:%Y-%m-%d %H:%M} UTC"
                        if earlier is not None
                        else "this batch"
                    )
                    results.append(
                        FileResult(
                            source.name,
                            format=earlier.format if earlier is not None else "",
                            import_id=earlier.id if earlier is not None else None,
                            rows_skipped_duplicate=skipped,
                            duplicate=True,
                            message=f"{source.name} was already imported ({when}): nothing changed",
                        )
                    )
                    continue
                seen.add(sha)
                result = _import_one(
                    session,
                    actor,
                    source,
                    sha,
                    fmt=fmt,
                    mapping=mapping,
                    mapping_id=mapping_id,
                    lenient=lenient,
                    tag_keys=settings.tag_keys,
                    batch_ids=batch_ids,
                    progress=progress,
                )
                results.append(result)
            if batch_ids:
                from services.spend import budgets

                budgets.queue_threshold_notifications(session)
    except OperationalError as exc:
        # Disk full, read-only file, lost connection: the transaction was rolled back whole.
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        raise ValueError(
            f"the database could not store the import ({reason}); nothing was imported"
        ) from exc
    return ImportResult(results)


def _import_one(
    session: Session,
    actor: Actor,
    source: SourceFile,
    sha: str,
    *,
    fmt: str,
    mapping: MappingSpec | None,
    mapping_id: int | None,
    lenient: bool,
    tag_keys: Sequence[str],
    batch_ids: list[int],
    progress: Progress | None,
) -> FileResult:
    parsed = parse_file(
        source.path, fmt=fmt, lenient=lenient, mapping=mapping, filename=source.name
    )
    record = BillingImport(
        filename=source.name[:500],
        format=parsed.format,
        sha256=sha,
        status="active",
        mapping_id=mapping_id if parsed.format == "mapped" else None,
        imported_by=actor.email,
    )
    session.add(record)
    session.flush()
    import_id = record.id
    assert import_id is not None
    batch_ids.append(import_id)

    conn = session.connection()
    writer = _LineWriter(conn)
    rollups: dict[RollupKey, list[Any]] = {}
    batch: list[tuple[Any, ...]] = []
    imported = 0
    estimate = _estimate_rows(source.path) if progress is not None else 0
    zero = Decimal(0)
    moment, money = writer.moment, writer.money
    for row in parsed.rows:
        team = team_of(row, tag_keys)[:200]
        account = row.billing_account_id[:200]
        provider = row.provider[:200]
        service = row.service_name[:300]
        batch.append(
            (
                import_id,
                row.row_number,
                provider,
                row.publisher[:200],
                row.invoice_issuer[:200],
                account,
                row.sub_account_id[:200],
                writer.day(row.billing_period_start),
                moment(row.charge_period_start),
                None if row.charge_period_end is None else moment(row.charge_period_end),
                row.charge_category[:32],
                service,
                row.region[:100],
                row.resource_id[:500],
                row.sku_id[:200],
                money(row.billed_cost),
                money(row.effective_cost),
                None if row.list_cost is None else money(row.list_cost),
                row.currency,
                team,
                row.tags_text,
            )
        )
        key: RollupKey = (
            account,
            row.billing_period_start,
            row.charge_period_start.date(),
            provider,
            (row.publisher or row.provider)[:200],
            row.invoice_issuer[:200],
            service,
            team,
            row.currency,
        )
        totals = rollups.get(key)
        if totals is None:
            rollups[key] = [row.billed_cost, row.effective_cost, 1]
        else:
            totals[0] += row.billed_cost
            totals[1] += row.effective_cost
            totals[2] += 1
        if len(batch) >= INSERT_BATCH_ROWS:
            writer.write(batch)
            imported += len(batch)
            batch = []
            if progress is not None:
                progress(source.name, imported, max(estimate, imported))
    if batch:
        writer.write(batch)
        imported += len(batch)
    if progress is not None:
        progress(source.name, imported, imported)

    slices = sorted({(k[0], k[1]) for k in rollups})
    replaced = _replace_slices(session, slices, import_id, batch_ids)
    rollup_table: Any = CostRollup.__table__  # type: ignore[attr-defined]
    rollup_rows = [
        {
            "import_id": import_id,
            "billing_account_id": k[0],
            "billing_period_start": k[1],
            "day": k[2],
            "provider": k[3],
            "source_name": k[4],
            "invoice_issuer": k[5],
            "service_name": k[6],
            "team": k[7],
            "currency": k[8],
            "billed_cost": v[0] + zero,
            "effective_cost": v[1] + zero,
            "line_count": v[2],
        }
        for k, v in rollups.items()
    ]
    for start in range(0, len(rollup_rows), INSERT_BATCH_ROWS):
        conn.execute(insert(rollup_table), rollup_rows[start : start + INSERT_BATCH_ROWS])

    stats = parsed.stats
    record.rows_read = stats.rows_read
    record.rows_imported = imported
    record.rows_replaced = replaced
    record.rows_rejected = stats.rows_rejected
    record.slice_key = ";".join(f"{a}|{p.isoformat()}" for a, p in slices)[:SLICE_KEY_MAX]
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


LINE_COLUMNS = (
    "import_id", "row_number", "provider", "publisher", "invoice_issuer", "billing_account_id",
    "sub_account_id", "billing_period_start", "charge_period_start", "charge_period_end",
    "charge_category", "service_name", "region", "resource_id", "sku_id", "billed_cost",
    "effective_cost", "list_cost", "currency", "team", "tags",
)  # fmt: skip


class _LineWriter:
    """Bulk insert of cost lines at the driver level, inside the session's transaction.

    SQLAlchemy's per-row bind processing costs more than the insert itself, so values are
    converted here, once per distinct timestamp, exactly as the column types would store them
    (SQLite: canonical decimal text and SQLAlchemy's datetime text; Postgres: native values).
    SQLite gets one ``executemany``; Postgres gets ``COPY FROM STDIN``.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        table: Any = CostLine.__table__  # type: ignore[attr-defined]
        self._moment_bind = table.c.charge_period_start.type._cached_bind_processor(conn.dialect)
        self._day_bind = table.c.billing_period_start.type._cached_bind_processor(conn.dialect)
        self._moments: dict[datetime, Any] = {}
        self._days: dict[date, Any] = {}
        names = ", ".join(LINE_COLUMNS)
        self._sql = f"INSERT INTO costline ({names}) VALUES ({', '.join('?' * len(LINE_COLUMNS))})"
        self._copy = f"COPY costline ({names}) FROM STDIN"

    def moment(self, value: datetime) -> Any:
        found = self._moments.get(value)
        if found is None:
            found = self._moment_bind(value) if self._moment_bind else value
            if len(self._moments) >= MAX_CACHED_MOMENTS:  # keep memory flat on long files
                self._moments.clear()
            self._moments[value] = found
        return found

    def day(self, value: date) -> Any:
        found = self._days.get(value)
        if found is None:
            found = self._day_bind(value) if self._day_bind else value
            self._days[value] = found
        return found

    def money(self, value: Decimal) -> Any:
        return value if self.postgres else format(value, "f")

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if self.postgres:
            raw: Any = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(self._copy) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.conn.exec_driver_sql(self._sql, rows)


def _replace_slices(
    session: Session, slices: list[tuple[str, date]], new_id: int, batch_ids: list[int]
) -> int:
    """Delete the given slices from earlier active imports; returns the cost lines removed."""
    removed = 0
    touched: set[int] = set()
    for account, period in slices:
        older = session.exec(
            select(CostRollup.import_id)
            .where(CostRollup.billing_account_id == account)
            .where(CostRollup.billing_period_start == period)
            .where(col(CostRollup.import_id).not_in(batch_ids))
            .distinct()
        ).all()
        for old_id in older:
            touched.add(old_id)
            outcome: Any = session.execute(
                delete(CostLine)
                .where(col(CostLine.import_id) == old_id)
                .where(col(CostLine.billing_account_id) == account)
                .where(col(CostLine.billing_period_start) == period)
            )
            removed += int(outcome.rowcount or 0)
            session.execute(
                delete(CostRollup)
                .where(col(CostRollup.import_id) == old_id)
                .where(col(CostRollup.billing_account_id) == account)
                .where(col(CostRollup.billing_period_start) == period)
            )
    for old_id in touched:
        remaining = session.exec(
            select(func.count()).select_from(CostRollup).where(CostRollup.import_id == old_id)
        ).one()
        if remaining == 0:
            session.execute(
                update(BillingImport)
                .where(col(BillingImport.id) == old_id)
                .values(status="replaced", replaced_by_id=new_id)
            )
    return removed


# --- history and undo ----------------------------------------------------------------------


def list_imports(db: Database, actor: Actor, *, limit: int = 200) -> list[BillingImport]:
    require(db, actor, "spend.read", record_type="billing_import")
    with db.read() as session:
        return list(
            session.exec(
                select(BillingImport).order_by(col(BillingImport.id).desc()).limit(limit)
            ).all()
        )


def undo_import(db: Database, actor: Actor, import_id: int) -> BillingImport:
    """Remove one import's cost lines and rollups; the import stays in history as undone."""
    require(db, actor, "spend.import", record_type="billing_import", record_id=import_id)
    with db.write() as session:
        record = session.get(BillingImport, import_id)
        if record is None:
            raise ValueError(f"no billing import #{import_id}")
        if record.status != "active":
            raise ValueError(
                f"import #{import_id} is {record.status}; only an active one can be undone"
            )
        before = audit.snapshot(record)
        session.execute(delete(CostLine).where(col(CostLine.import_id) == import_id))
        session.execute(delete(CostRollup).where(col(CostRollup.import_id) == import_id))
        record.status = "undone"
        session.add(record)
        audit.record(
            session,
            actor,
            "undo",
            "billing_import",
            import_id,
            before=before,
            after=audit.snapshot(record),
        )
        return record


def data_version(db: Database) -> tuple[int, ...]:
    """Changes whenever billing data or vendor matching does: a cache key for chart data."""
    with db.read() as session:
        top, total = session.exec(
            select(func.max(BillingImport.id), func.count()).select_from(BillingImport)
        ).one()
        inactive = session.exec(
            select(func.count())
            .select_from(BillingImport)
            .where(col(BillingImport.status) != "active")
        ).one()
        alias_top, aliases = session.exec(
            select(func.max(VendorAlias.id), func.count()).select_from(VendorAlias)
        ).one()
        # Versions too: renaming a vendor changes which billing names match it.
        vendor_top, vendors, vendor_versions = session.exec(
            select(func.max(Vendor.id), func.count(), func.sum(Vendor.version)).select_from(Vendor)
        ).one()
    return tuple(
        int(v or 0)
        for v in (top, total, inactive, alias_top, aliases, vendor_top, vendors, vendor_versions)
    )


# --- vendor matching -----------------------------------------------------------------------


def vendor_names(session: Session) -> dict[str, tuple[int, str]]:
    """Casefolded vendor names and aliases -> (vendor id, vendor name)."""
    vendors = {v.id: v.name for v in session.exec(select(Vendor)).all() if v.id is not None}
    found: dict[str, tuple[int, str]] = {
        name.casefold().strip(): (vid, name) for vid, name in vendors.items()
    }
    for alias in session.exec(select(VendorAlias)).all():
        if alias.vendor_id in vendors:
            found[alias.alias.casefold().strip()] = (alias.vendor_id, vendors[alias.vendor_id])
    return found


def match_vendor(
    names: dict[str, tuple[int, str]], source_name: str, provider: str, invoice_issuer: str = ""
) -> tuple[int, str] | None:
    """The vendor of a billing row: by publisher, else provider, else invoice issuer."""
    for name in (source_name, provider, invoice_issuer):
        found = names.get(name.casefold().strip()) if name else None
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class UnmatchedName:
    name: str
    provider: str
    line_count: int
    totals: dict[str, Decimal]


def unmatched_names(db: Database, actor: Actor) -> list[UnmatchedName]:
    """Billing names (publisher, provider, invoice issuer) none of which matches a vendor."""
    require(db, actor, "spend.read", record_type="billing_import")
    source, provider, issuer = (
        col(CostRollup.source_name),
        col(CostRollup.provider),
        col(CostRollup.invoice_issuer),
    )
    with db.read() as session:
        names = vendor_names(session)
        # Match each distinct name triple once, then read amounts for the unmatched ones only:
        # reading every rollup's cost to find a handful of unmatched names was the Imports
        # page's cost over a large workspace.
        lines: dict[tuple[str, str, str], int] = {
            (s, p, i): int(n or 0)
            for s, p, i, n in session.execute(
                sa_select(source, provider, issuer, func.sum(col(CostRollup.line_count))).group_by(
                    source, provider, issuer
                )
            )
            if match_vendor(names, s, p, i) is None
        }
        if not lines:
            return []
        cost = col(CostRollup.effective_cost)
        keys = (source, provider, issuer, col(CostRollup.currency))
        where = tuple_(source, provider, issuer).in_(list(lines))
        if session.get_bind().dialect.name == "postgresql":  # exact NUMERIC sums in SQL
            query = sa_select(*keys, func.sum(cost)).where(where).group_by(*keys)
        else:  # money is decimal text on SQLite: summed below as Decimals
            query = sa_select(*keys, cost).where(where)
        amounts = session.execute(query).all()
    grouped: dict[tuple[str, str], tuple[int, dict[str, Decimal]]] = {}
    for (s, p, _i), count in lines.items():
        total, totals = grouped.get((s, p), (0, {}))
        grouped[(s, p)] = (total + count, totals)
    for s, p, _i, currency, amount in amounts:
        totals = grouped[(s, p)][1]
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
    return [
        UnmatchedName(s, p, count, dict(sorted(totals.items())))
        for (s, p), (count, totals) in sorted(grouped.items())
    ]


def map_name_to_vendor(db: Database, actor: Actor, name: str, vendor_id: int) -> VendorAlias:
    """One-click mapping: add ``name`` as an alias of the vendor; charts use it at once."""
    require(db, actor, "spend.import", record_type="vendor", record_id=vendor_id)
    alias_text = name.casefold().strip()
    if not alias_text:
        raise ValueError("the name to map is blank")
    with db.write() as session:
        vendor = session.get(Vendor, vendor_id)
        if vendor is None:
            raise ValueError(f"no vendor #{vendor_id}")
        existing = session.exec(select(VendorAlias).where(VendorAlias.alias == alias_text)).first()
        if existing is not None:
            raise ValueError(f"{name!r} is already mapped to a vendor")
        alias = VendorAlias(vendor_id=vendor_id, alias=alias_text[:200])
        session.add(alias)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            "vendor_alias",
            alias.id,
            after=audit.snapshot(alias),
            detail=f"mapped billing name to {vendor.name}",
        )
        return alias


# --- saved column mappings -----------------------------------------------------------------


def list_mappings(db: Database, actor: Actor) -> list[ColumnMapping]:
    require(db, actor, "spend.import", record_type="column_mapping")
    with db.read() as session:
        return list(session.exec(select(ColumnMapping).order_by(col(ColumnMapping.name))).all())


def save_mapping(
    db: Database, actor: Actor, name: str, columns: dict[str, Any], defaults: dict[str, Any]
) -> ColumnMapping:
    """Create or update a saved column mapping; refuses an unusable one with the reason."""
    require(db, actor, "spend.import", record_type="column_mapping")
    clean = name.strip()
    if not clean:
        raise ValueError("give the mapping a name")
    try:
        spec = MappingSpec.build(columns, defaults)
    except MappingError as exc:
        raise ValueError(str(exc)) from None
    with db.write() as session:
        mapping = session.exec(select(ColumnMapping).where(ColumnMapping.name == clean)).first()
        before = audit.snapshot(mapping)
        if mapping is None:
            mapping = ColumnMapping(name=clean[:120], spec=spec.to_json(), created_by=actor.email)
        else:
            mapping.spec = spec.to_json()
        session.add(mapping)
        session.flush()
        audit.record(
            session,
            actor,
            "update" if before else "create",
            "column_mapping",
            mapping.id,
            before=before,
            after=audit.snapshot(mapping),
        )
        return mapping


def delete_mapping(db: Database, actor: Actor, mapping_id: int) -> None:
    require(db, actor, "spend.import", record_type="column_mapping", record_id=mapping_id)
    with db.write() as session:
        mapping = session.get(ColumnMapping, mapping_id)
        if mapping is None:
            raise ValueError(f"no column mapping #{mapping_id}")
        used = session.exec(
            select(func.count())
            .select_from(BillingImport)
            .where(BillingImport.mapping_id == mapping_id)
        ).one()
        if used:
            raise ValueError("this mapping was used by an import; it is kept for the history")
        before = audit.snapshot(mapping)
        session.delete(mapping)
        audit.record(session, actor, "delete", "column_mapping", mapping_id, before=before)


def mapping_spec(mapping: ColumnMapping) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(mapping.spec)
    return loaded
