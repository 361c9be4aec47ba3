"""The Article 73 reporting clocks of a serious incident, computed from the time we became aware.

How a period is counted: Regulation (EEC, Euratom) No 1182/71 on periods, dates and time limits.
Art. 3(1): the day during which the event (awareness) happens is not counted. Art. 3(2)(b): a
period in days starts at the beginning of the next day and ends with the expiry of the last hour
of its last day. So "not later than N days after awareness" ends at 23:59:59 on the Nth calendar
day after the day of awareness, in the workspace time zone (the zone's clock on that day, so a
clock change inside the period moves nothing). We do NOT apply Art. 3(4) (a period ending on a
Saturday, Sunday or public holiday runs to the next working day): public holidays differ per
Member State, and the earlier date is never late. Days are calendar days, weekends included.

Reminders go out 24 hours and 6 hours before a deadline and at it, counted in real (UTC) hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.models import INCIDENT_CATEGORIES

__all__ = ["INCIDENT_CATEGORIES", "Deadline", "deadlines", "report_due_at", "time_left"]

# Days from awareness to the latest report to the market surveillance authority, and the rule.
REPORT_DAYS: dict[str, tuple[int, str]] = {
    "critical_infrastructure": (2, "Art. 73(3)"),
    "widespread_infringement": (2, "Art. 73(3)"),
    "death": (10, "Art. 73(4)"),
    "other_serious": (15, "Art. 73(2)"),
}
REMINDER_OFFSETS_HOURS = (24, 6, 0)
COUNTING_RULE = (
    "Counted under Regulation 1182/71 Art. 3(1) and 3(2)(b): the day of awareness is not "
    "counted and a deadline ends at 23:59:59 on its last day in the workspace time zone; "
    "weekends count and a deadline on a weekend or holiday is not moved (Art. 3(4) not applied)."
)


def is_serious(category: str) -> bool:
    return category in REPORT_DAYS


def end_of_day_after(aware_at: datetime, days: int, tz: ZoneInfo) -> datetime:
    """23:59:59 local on the ``days``-th calendar day after the local day of ``aware_at``, in UTC.

    23:59:59 exists on every day in every zone with a DST rule (changes happen in the night)."""
    last_day = aware_at.astimezone(tz).date() + timedelta(days=days)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Deadline:
    """One clock: what must be done, under which rule, by when, and when it was done."""

    key: str  # provider_notice, initial_report, complete_report
    label: str
    rule: str
    due_at: datetime | None  # None: the law sets no date (the complete report)
    done_at: datetime | None

    @property
    def open(self) -> bool:
        return self.done_at is None

    def reminder_times(self) -> list[tuple[str, datetime]]:
        """(occurrence, send time) for 24 h and 6 h before the deadline and at it."""
        if self.due_at is None:
            return []
        return [
            (f"{self.key}:{h}h", self.due_at - timedelta(hours=h)) for h in REMINDER_OFFSETS_HOURS
        ]


def deadlines(
    *,
    category: str,
    aware_at: datetime,
    tz: ZoneInfo,
    deployer: bool,
    provider_notified_at: datetime | None = None,
    initial_report_at: datetime | None = None,
    complete_report_at: datetime | None = None,
) -> list[Deadline]:
    """Every clock of an incident; none for an incident that is not serious."""
    if not is_serious(category):
        return []
    days, rule = REPORT_DAYS[category]
    out = []
    if deployer:
        # Art. 26(5): "immediately inform first the provider"; no number of days, so due at once.
        out.append(
            Deadline(
                "provider_notice",
                "Inform the provider",
                "Art. 26(5)",
                aware_at,
                provider_notified_at,
            )
        )
    out.append(
        Deadline(
            "initial_report",
            f"Report to the market surveillance authority (within {days} days)",
            rule,
            end_of_day_after(aware_at, days, tz),
            initial_report_at,
        )
    )
    # Art. 73(5): an initial, incomplete report may be followed by a complete one; no date set.
    out.append(
        Deadline("complete_report", "Complete report", "Art. 73(5)", None, complete_report_at)
    )
    return out


def report_due_at(items: list[Deadline]) -> datetime | None:
    """The earliest reporting deadline to the authority still open (Art. 73(2)-(4))."""
    open_dates = [d.due_at for d in items if d.open and d.due_at and d.key == "initial_report"]
    return min(open_dates) if open_dates else None


def time_left(due_at: datetime, now: datetime) -> str:
    """'1 d 4 h left' or 'overdue by 3 h', to the hour, for people (rounded towards urgency)."""
    seconds = int((due_at - now).total_seconds())
    hours = abs(seconds) // 3600
    text = (
        f"{hours // 24} d {hours % 24} h"
        if hours >= 24
        else f"{hours} h {abs(seconds) // 60 % 60} min"
    )
    return f"{text} left" if seconds >= 0 else f"overdue by {text}"
