"""Saved column mappings: how an arbitrary CSV's columns map to billing fields."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, func, select

from db.engine import Database
from db.models import BillingImport, ColumnMapping
from integrations.billing import MappingError, MappingSpec
from services.access import audit
from services.access.access import Actor, require


def load_mapping(db: Database, name: str) -> tuple[MappingSpec, int | None]:
    """The saved mapping named ``name`` and its id; ValueError when missing or unusable."""
    with db.read() as session:
        saved = session.exec(select(ColumnMapping).where(ColumnMapping.name == name)).first()
    if saved is None:
        raise ValueError(f"no saved column mapping named {name!r}")
    try:
        return MappingSpec.from_json(saved.spec), saved.id
    except MappingError as exc:
        raise ValueError(f"column mapping {name!r}: {exc}") from None


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
