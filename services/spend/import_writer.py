"""Writing one import: cost lines in bulk, daily rollups, and slice replacement in set form.

Rollups (daily totals) are summed with Decimal in the exact context while rows stream past:
SQLite stores money as text and must never SUM it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, text
from sqlalchemy.exc import OperationalError

from db.models import CostLine, CostRollup
from integrations.billing import CostRow
from services.core.money import EXACT

if TYPE_CHECKING:
    from services.spend.period_totals import FreshRollups

INSERT_BATCH_ROWS = 5_000
MAX_CACHED_MOMENTS = 100_000
ZERO = Decimal(0)
SLICE_KEY_MAX = 500

RollupKey = tuple[str, date, date, str, str, str, str, str, str]
ROLLUP_FIELDS = (
    "billing_account_id", "billing_period_start", "day", "provider", "source_name",
    "invoice_issuer", "service_name", "team", "currency",
)  # fmt: skip


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


def slice_key(slices: list[tuple[str, date]]) -> str:
    """The first slices as ``account|period;...``, cut at SLICE_KEY_MAX characters."""
    parts: list[str] = []
    length = 0
    for account, period in slices:
        if length > SLICE_KEY_MAX:
            break
        parts.append(f"{account}|{period.isoformat()}")
        length += len(parts[-1]) + 1
    return ";".join(parts)[:SLICE_KEY_MAX]


def estimate_rows(path: Path) -> int:
    """Rows in a CSV file, from the line length of its first 256 KiB (for progress)."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        sample = fh.read(256 * 1024)
    lines = max(sample.count(b"\n"), 1)
    return max(int(size / (len(sample) / lines)) - 1, 1)


class Rollups:
    """Daily totals per slice, day, names, service, team and currency, summed exactly."""

    def __init__(self) -> None:
        self.totals: dict[RollupKey, list[Any]] = {}
        self.written_slices: list[tuple[str, date]] | None = None  # set by the columnar path
        self.written: FreshRollups | None = None  # the columnar path's rollups as written

    def add(self, key: RollupKey, billed: Decimal, effective: Decimal) -> None:
        found = self.totals.get(key)
        if found is None:
            self.totals[key] = [billed, effective, 1]
        else:
            found[0] = EXACT.add(found[0], billed)
            found[1] = EXACT.add(found[1], effective)
            found[2] += 1

    def add_many(self, key: RollupKey, billed: Decimal, effective: Decimal, count: int) -> None:
        """Add a partial total of ``count`` lines (a batch's group-by)."""
        found = self.totals.get(key)
        if found is None:
            self.totals[key] = [billed, effective, count]
        else:
            found[0] = EXACT.add(found[0], billed)
            found[1] = EXACT.add(found[1], effective)
            found[2] += count

    def slices(self) -> list[tuple[str, date]]:
        if self.written_slices is not None:
            return self.written_slices
        return sorted({(k[0], k[1]) for k in self.totals})

    def write(self, conn: Connection, import_id: int) -> None:
        table: Any = CostRollup.__table__  # type: ignore[attr-defined]
        rows = [
            {
                "import_id": import_id,
                **dict(zip(ROLLUP_FIELDS, key, strict=True)),
                # Adding zero turns -0 into 0, as a sum of amounts would.
                "billed_cost": EXACT.add(billed, ZERO),
                "effective_cost": EXACT.add(effective, ZERO),
                "line_count": count,
            }
            for key, (billed, effective, count) in self.totals.items()
        ]
        for start in range(0, len(rows), INSERT_BATCH_ROWS):
            conn.execute(insert(table), rows[start : start + INSERT_BATCH_ROWS])


LINE_COLUMNS = (
    "import_id", "row_number", "provider", "publisher", "invoice_issuer", "billing_account_id",
    "sub_account_id", "billing_period_start", "charge_period_start", "charge_period_end",
    "charge_category", "service_name", "region", "resource_id", "sku_id", "billed_cost",
    "effective_cost", "list_cost", "currency", "team", "tags",
)  # fmt: skip


def write_rows(
    writer: LineWriter,
    rows: Iterable[CostRow],
    import_id: int,
    rollups: Rollups,
    tag_keys: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> int:
    """The row path: stream parsed rows into cost lines and rollups; returns the lines written."""
    batch: list[tuple[Any, ...]] = []
    imported = 0
    moment, money, day = writer.moment, writer.money, writer.day
    for row in rows:
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
                day(row.billing_period_start),
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
        key = (
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
        rollups.add(key, row.billed_cost, row.effective_cost)
        if len(batch) >= INSERT_BATCH_ROWS:
            writer.write(batch)
            imported += len(batch)
            batch = []
            if progress is not None:
                progress(imported)
    if batch:
        writer.write(batch)
        imported += len(batch)
    return imported


class LineWriter:
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

    def write_many(
        self,
        rows: Iterable[tuple[Any, ...]],
        table: str = "costline",
        columns: Sequence[str] = LINE_COLUMNS,
    ) -> None:
        """SQLite: one executemany over rows produced lazily (no list of tuples held).

        On the session's own DBAPI connection, so inside its transaction; sqlite3 takes an
        iterator where SQLAlchemy wants a list.
        """
        raw: Any = self.conn.connection.dbapi_connection
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = raw.cursor()
        try:
            cursor.executemany(sql, rows)
        except self.conn.dialect.loaded_dbapi.OperationalError as exc:
            # As SQLAlchemy would raise it: the importer turns it into "nothing was imported".
            raise OperationalError(sql, None, exc) from exc
        finally:
            cursor.close()

    def copy_csv(
        self, data: bytes, table: str = "costline", columns: Sequence[str] = LINE_COLUMNS
    ) -> None:
        """Postgres: rows already written as CSV (quoted values, unquoted empty = NULL)."""
        raw: Any = self.conn.connection.dbapi_connection
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        try:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                copy.write(data)
        except self.conn.dialect.loaded_dbapi.OperationalError as exc:
            raise OperationalError(sql, None, exc) from exc

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        if self.postgres:
            raw: Any = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(self._copy) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.conn.exec_driver_sql(self._sql, rows)


def replace_slices(conn: Connection, new_id: int, batch_ids: Sequence[int]) -> int:
    """Delete the new import's slices from earlier imports; returns the cost lines removed.

    A slice is (billing account, billing period). The new import's rollups are written first
    and name its slices, so a fixed handful of set-based statements does the work however many
    slices there are (one query set per slice was the cost of files with thousands of accounts).
    """
    others = {f"b{i}": v for i, v in enumerate(batch_ids)}
    not_batch = ", ".join(f":{k}" for k in others)
    params: dict[str, Any] = {"new": new_id, **others}
    in_new_slice = (
        "EXISTS (SELECT 1 FROM costrollup n WHERE n.import_id = :new"
        " AND n.billing_account_id = {t}.billing_account_id"
        " AND n.billing_period_start = {t}.billing_period_start)"
    )
    if conn.dialect.name == "postgresql":
        # The planner's row counts still predate this transaction's bulk insert: with them it
        # may pair every new slice with a scan of every rollup (minutes for thousands of
        # accounts). ANALYZE sees this transaction's rows and takes a sample, not a scan.
        conn.execute(text("ANALYZE costrollup"))
    touched = [
        row[0]
        for row in conn.execute(
            text(
                "SELECT DISTINCT r.import_id FROM costrollup r"
                f" WHERE r.import_id NOT IN ({not_batch}) AND {in_new_slice.format(t='r')}"
            ),
            params,
        )
    ]
    if not touched:
        return 0
    old = {f"o{i}": v for i, v in enumerate(touched)}
    in_old = ", ".join(f":{k}" for k in old)
    params.update(old)
    outcome: Any = conn.execute(
        text(
            f"DELETE FROM costline WHERE import_id IN ({in_old})"
            f" AND {in_new_slice.format(t='costline')}"
        ),
        params,
    )
    conn.execute(
        text(
            f"DELETE FROM costrollup WHERE import_id IN ({in_old})"
            f" AND {in_new_slice.format(t='costrollup')}"
        ),
        params,
    )
    conn.execute(
        text(
            "UPDATE billingimport SET status = 'replaced', replaced_by_id = :new"
            f" WHERE id IN ({in_old}) AND NOT EXISTS"
            " (SELECT 1 FROM costrollup c WHERE c.import_id = billingimport.id)"
        ),
        params,
    )
    return int(outcome.rowcount or 0)
