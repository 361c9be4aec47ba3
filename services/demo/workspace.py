"""The demo workspace being built: what one seeding step leaves for the next, and small helpers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel

from db.models import (
    Contract,
    Meeting,
    Person,
    SupportTicket,
    Team,
    Vendor,
)

SEED = 20261122
DOCS_URL = "https://docs.acme-ml.example/contracts"


@dataclass
class Workspace:
    """One demo load: the open session, the day it is dated from, and the records made so far."""

    session: Session
    day: date
    now: datetime
    tz: ZoneInfo
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    counts: dict[str, int] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    vendors: dict[str, Vendor] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    tickets: dict[str, SupportTicket] = field(default_factory=dict)
    # The last past meeting of each series, by the series' key ("sync", "review").
    last_meetings: dict[str, Meeting] = field(default_factory=dict)


def email_for(name: str) -> str:
    return name.lower().replace(" ", ".") + "@acme-ml.example"


def at_local(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)


def money(value: str | int) -> Decimal:
    return Decimal(str(value))


def pk(record: SQLModel) -> int:
    """The primary key of a flushed record."""
    value = getattr(record, "id", None)
    assert isinstance(value, int), f"{type(record).__name__} was not flushed"
    return value
