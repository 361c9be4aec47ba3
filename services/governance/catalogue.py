"""The obligation catalogue: EU AI Act duties shipped as data (``obligations.toml``), not code.

``for_system`` picks the entries a system's risk class and our role imply. A malformed catalogue
is refused at load with the entry and field named, so a bad edit cannot assign half a list.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).with_name("obligations.toml")
RISK_CLASSES = ("prohibited", "high", "limited", "minimal")
ROLES = ("provider", "deployer", "importer", "distributor")


class CatalogueError(ValueError):
    """The catalogue file is malformed; names the entry and the field."""


@dataclass(frozen=True)
class CatalogueEntry:
    key: str
    article: str
    title: str
    summary: str
    risk_classes: tuple[str, ...]
    roles: tuple[str, ...]
    applies_from: date
    retention_months: int
    retention_basis: str
    recurrence_months: int | None = None
    evidence_valid_months: int | None = None

    def applies_to(self, risk_class: str, role: str) -> bool:
        return risk_class in self.risk_classes and role in self.roles


def _entry(index: int, raw: dict[str, Any]) -> CatalogueEntry:
    where = f"obligation {index + 1} ({raw.get('key', 'no key')})"

    def need(field: str, kind: type) -> Any:
        value = raw.get(field)
        if not isinstance(value, kind) or (isinstance(value, str | list) and not value):
            raise CatalogueError(f"{where}: field {field!r} must be a non-empty {kind.__name__}")
        return value

    # Fields in the file's order, so the first problem named is the first one a reader meets.
    core: dict[str, Any] = {
        "key": need("key", str),
        "article": need("article", str),
        "title": need("title", str),
        "summary": need("summary", str),
    }
    for field, allowed in (("risk_classes", RISK_CLASSES), ("roles", ROLES)):
        bad = [v for v in need(field, list) if v not in allowed]
        if bad:
            raise CatalogueError(f"{where}: field {field!r} has unknown value(s) {bad}")
    optional: dict[str, Any] = {}
    for field in ("recurrence_months", "evidence_valid_months"):
        value = raw.get(field)
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise CatalogueError(f"{where}: field {field!r} must be a positive number of months")
        optional[field] = value
    return CatalogueEntry(
        **core,
        risk_classes=tuple(raw["risk_classes"]),
        roles=tuple(raw["roles"]),
        applies_from=need("applies_from", date),
        retention_months=need("retention_months", int),
        retention_basis=need("retention_basis", str),
        **optional,
    )


def parse(text: str) -> list[CatalogueEntry]:
    """Entries of a catalogue in TOML; refuses duplicate keys and missing fields."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"the obligation catalogue is not valid TOML: {exc}") from None
    entries = [_entry(i, raw) for i, raw in enumerate(data.get("obligation", []))]
    keys = [e.key for e in entries]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise CatalogueError(f"obligation key(s) used twice: {', '.join(duplicates)}")
    return entries


@cache
def catalogue() -> tuple[CatalogueEntry, ...]:
    return tuple(parse(CATALOGUE_FILE.read_text(encoding="utf-8")))


def by_key() -> dict[str, CatalogueEntry]:
    return {e.key: e for e in catalogue()}


def for_system(risk_class: str, role: str) -> list[CatalogueEntry]:
    """The obligations a system of ``risk_class`` implies for us in ``role``."""
    return [e for e in catalogue() if e.applies_to(risk_class, role)]
