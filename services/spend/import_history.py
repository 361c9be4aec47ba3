"""Billing import history: list, undo, and the data version charts cache on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import BillingImport, CostLine, CostRollup, Vendor, VendorAlias
from services.access import audit
from services.access.access import Actor, require
from services.core import versions


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
    """Changes whenever billing data or vendor matching does: a cache key for chart data.

    Read in one statement, on every rerun of the spend pages: each part was a round trip.
    """
    undone = col(BillingImport.status) != "active"
    return versions.read_version(
        db,
        [
            versions.top_id(BillingImport),
            select(func.count()).select_from(BillingImport).scalar_subquery(),
            select(func.count()).select_from(BillingImport).where(undone).scalar_subquery(),
            *versions.shape(VendorAlias, versioned=False),
            # Versions too: renaming a vendor changes which billing names match it.
            *versions.shape(Vendor),
        ],
    )


def imported_days(session: Session, import_ids: list[int]) -> tuple[date, date] | None:
    """The first and last day of these imports' costs (None when they hold none)."""
    first, last = session.exec(
        select(func.min(CostRollup.day), func.max(CostRollup.day)).where(
            col(CostRollup.import_id).in_(import_ids)
        )
    ).one()
    return None if first is None else (first, last)
