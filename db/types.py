"""Column types that keep values exact on both SQLite and Postgres."""

from __future__ import annotations

import inspect
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from db.clock import stamp


class Money(TypeDecorator[Decimal]):
    """An exact Decimal: unconstrained NUMERIC on Postgres, canonical decimal text on SQLite.

    SQLite has no decimal type (NUMERIC affinity rounds through a double), so the value is kept as
    text there and summed in Python; Postgres NUMERIC without precision keeps every digit given.
    """

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("money must be a Decimal or a string, never a float")
            value = Decimal(str(value))
        if not value.is_finite():
            raise ValueError(f"money must be finite, got {value}")
        if dialect.name == "postgresql":
            return value
        return format(value, "f")

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def utcnow() -> datetime:
    """A new row's timestamp: the clock of the open transaction (see db/clock.py)."""
    return stamp()


# pydantic asks inspect.signature of a default factory on every model instance it builds (to
# see whether the factory takes the validated data); a stated signature is returned at once,
# where working it out cost more than the rest of building a row.
utcnow.__signature__ = inspect.signature(utcnow)  # type: ignore[attr-defined]
