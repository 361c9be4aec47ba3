"""The workspace's idea of "now" and "today", in its own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from settings import get_settings


def now_utc() -> datetime:
    return datetime.now(UTC)


def today(tz_name: str | None = None) -> date:
    """Today's date in the workspace time zone (an item due yesterday there is overdue)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name) if tz_name else get_settings().tz
    return datetime.now(tz).date()
