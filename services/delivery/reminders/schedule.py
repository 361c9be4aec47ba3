"""When reminders go out: working days, 09:00 local send times, and each kind's schedule."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.access.access import Actor
from services.core.workdays import WEEKDAYS, WorkingDays
from settings import get_settings

log = logging.getLogger(__name__)

REMINDER_HOUR = 9
ACTION_NUDGE_EVERY_WORKING_DAYS = 3
ACTION_MAX_NUDGES = 5
CONTRACT_OFFSETS_DAYS = (120, 90, 60, 30, 14, 7)
MEETING_LOOKBACK_DAYS = 1
RENEWAL_MEETING_HOUR = 10
RENEWAL_MEETING_LEAD_DAYS = 7
RENEWAL_MEETING_LAST_HOUR = 16  # the latest start of a same-day decision meeting
# An item due further ahead than this has no reminder whose send time has come, in any time zone
# (its first one is the working day before the due date, at most 3 days before it).
ACTION_LOOKAHEAD_DAYS = 7
KEY_BATCH = 500
STOP_REASON = "the record no longer needs reminding"
SYSTEM = Actor.system("reminders")

# kind -> (default offsets, default channel, what the rule means), seeded on first use.
DEFAULT_RULES: dict[str, tuple[str, str, str]] = {
    "action_item": (
        "",
        "slack",
        "working day before the due date, first overdue day, then every 3 working "
        "days while open (at most 5 nudges)",
    ),
    "contract": (
        ",".join(str(d) for d in CONTRACT_OFFSETS_DAYS),
        "slack",
        "days before the cancellation deadline, to the contract owner",
    ),
    "ticket_sla": ("", "slack", "once when a vendor ticket passes its SLA"),
    "meeting_agenda": ("1", "slack", "agenda reminder to the organizer, working days before"),
    "meeting_invite": ("", "google_calendar", "invite, update and cancel in Google Calendar"),
    "budget_threshold": ("", "slack", "budget thresholds crossed (queued by the spend engine)"),
}
# record type -> (the page's url_path in ui/navigation.py, the query parameter it reads)
RECORD_PAGES: dict[str, tuple[str, str | None]] = {
    "action_item": ("follow-ups", None),
    "contract": ("renewals", None),
    "ticket": ("tickets", None),
    "meeting": ("meetings", "meeting"),
    "budget": ("budgets", None),
}


def app_url() -> str:
    return get_settings().app_url.rstrip("/")


def record_link(record_type: str, record_id: int, base: str | None = None) -> str:
    """The record's page; ``base`` is ``app_url()``, passed by a caller linking thousands of
    records."""
    path, param = RECORD_PAGES.get(record_type, (record_type, None))
    query = f"?{param}={record_id}" if param else ""
    return f"{base or app_url()}/{path}{query}"


# --- working days and send times -------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return get_settings().tz


@lru_cache(maxsize=8192)  # a pass asks the same (day, zone) for thousands of records
def send_time(day: date, tz: ZoneInfo) -> datetime:
    """09:00 on ``day`` in ``tz``, as UTC (09:00 exists on every clock-change day)."""
    return datetime.combine(day, time(REMINDER_HOUR), tzinfo=tz).astimezone(UTC)


def latest_passed(
    schedule: Iterable[tuple[str, date]], tz: ZoneInfo, now: datetime
) -> tuple[str, date] | None:
    """The most recent occurrence whose send time has come: no burst of missed ones."""
    passed = [(occ, day) for occ, day in schedule if send_time(day, tz) <= now]
    return max(passed, key=lambda item: item[1]) if passed else None


def action_schedule(due: date, days: WorkingDays = WEEKDAYS) -> list[tuple[str, date]]:
    """The day before (working), the first overdue working day, then every 3 working days."""
    schedule = [(f"{due}:before", days.previous(due - timedelta(days=1)))]
    first = days.next(due + timedelta(days=1))
    for n in range(ACTION_MAX_NUDGES):
        schedule.append(
            (f"{due}:overdue{n + 1}", days.add(first, n * ACTION_NUDGE_EVERY_WORKING_DAYS))
        )
    return schedule


def action_subject(due: date, title: str, occurrence: str) -> str:
    if occurrence.endswith(":before"):
        return f"Due {due}: {title}"
    return f"Overdue since {due}: {title}"


def contract_schedule(
    deadline: date, offsets: Iterable[int], days: WorkingDays = WEEKDAYS
) -> list[tuple[str, date]]:
    return [
        (f"{deadline}:{d}d", days.previous(deadline - timedelta(days=d)))
        for d in sorted(set(offsets), reverse=True)
    ]


@lru_cache(maxsize=8192)
def _tag(recipient: str) -> str:
    return hashlib.sha1(recipient.lower().encode(), usedforsecurity=False).hexdigest()[:10]
