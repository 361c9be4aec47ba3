"""Times as people read them: in the workspace's zone, without a "+00:00" offset."""

from __future__ import annotations

from datetime import datetime, tzinfo


def local(value: datetime | None, tz: tzinfo) -> datetime | None:
    """``value`` in the workspace zone as a plain (naive) time, for tables and captions."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None)


def local_text(value: datetime | None, tz: tzinfo) -> str:
    shown = local(value, tz)
    return "" if shown is None else shown.strftime("%Y-%m-%d %H:%M")
