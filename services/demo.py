"""The demo workspace (being written by the lead engineer in this session)."""

from __future__ import annotations

from db.engine import Database
from services.access import Actor


def load(db: Database, actor: Actor, *, reset: bool = False) -> dict[str, int]:
    raise NotImplementedError("demo workspace not written yet")
