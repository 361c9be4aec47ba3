"""Recurring meetings: RFC 5545 rules expanded on the series' local wall clock.

The rule runs on naive local times (the wall clock in the series' IANA zone) and each occurrence
is localized afterwards, so a weekly 09:00 meeting stays at 09:00 across clock changes. A local
time that does not exist (inside a spring-forward gap) is read with the offset before the gap,
as RFC 5545 section 3.3.5 says, so 02:30 becomes 03:30 on that one day; an ambiguous time in the
autumn overlap takes its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

# Frequencies the meeting form offers, as RFC 5545 rules.
FREQUENCIES: dict[str, str] = {
    "weekly": "FREQ=WEEKLY;INTERVAL=1",
    "every two weeks": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY;INTERVAL=1",
}
MAX_OCCURRENCES = 1000


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _rule(rule: str, local_start: datetime) -> rrule:
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "\n" in text:
        raise ValueError("a recurrence needs one RRULE line, for example FREQ=WEEKLY")
    try:
        parsed = rrulestr(text, dtstart=local_start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an RFC 5545 rule: {rule!r} ({exc})") from exc
    if not isinstance(parsed, rrule):
        raise ValueError(f"not a single RFC 5545 rule: {rule!r}")
    return parsed


def validate_rule(rule: str) -> str:
    """The rule text without an ``RRULE:`` prefix, or ValueError."""
    _rule(rule, datetime(2026, 1, 1, 9, 0))
    text = rule.strip()
    return text[6:] if text.upper().startswith("RRULE:") else text


def localize(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``tz`` as an aware UTC datetime (gap: offset before it)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def occurrences(
    rule: str,
    first_starts_at: datetime,
    tz_name: str,
    *,
    after: datetime | None = None,
    before: datetime | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[datetime]:
    """Occurrence start times (aware, UTC) from ``after`` (inclusive) to ``before`` (exclusive)."""
    tz = zone(tz_name)
    if first_starts_at.tzinfo is None:
        raise ValueError("first_starts_at must be timezone-aware")
    local_start = first_starts_at.astimezone(tz).replace(tzinfo=None, fold=0)
    out: list[datetime] = []
    for local in _rule(rule, local_start):
        start = localize(local, tz)
        if before is not None and start >= before:
            break
        if after is not None and start < after:
            continue
        out.append(start)
        if len(out) >= limit:
            break
    return out


def first_occurrence(rule: str, requested: datetime, tz_name: str) -> datetime:
    """The series' real start: the first instance of ``rule`` at or after ``requested``.

    RFC 5545 makes DTSTART the first instance, so a "first Thursday" series asked to start on
    a Saturday starts on the next first Thursday instead (dateutil, like RFC 5545, only yields
    times that match the rule).
    """
    found = occurrences(rule, requested, tz_name, limit=1)
    if not found:
        raise ValueError(f"the rule {rule!r} has no occurrence on or after {requested:%Y-%m-%d}")
    return found[0]


def next_occurrence(
    rule: str, first_starts_at: datetime, tz_name: str, *, after: datetime
) -> datetime | None:
    """The first occurrence strictly after ``after``."""
    found = occurrences(rule, first_starts_at, tz_name, after=after + timedelta(seconds=1), limit=1)
    return found[0] if found else None


def previous_occurrence(
    rule: str, first_starts_at: datetime, tz_name: str, *, before: datetime
) -> datetime | None:
    found = occurrences(rule, first_starts_at, tz_name, before=before)
    return found[-1] if found else None
