"""Recurring meetings keep their wall-clock time in the series' zone across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.coordination import recurrence

BERLIN = ZoneInfo("Europe/Berlin")


def _local_times(rule: str, first_local: datetime, count: int) -> list[datetime]:
    first = first_local.replace(tzinfo=BERLIN).astimezone(UTC)
    return [
        t.astimezone(BERLIN)
        for t in recurrence.occurrences(rule, first, "Europe/Berlin", limit=count)
    ]


def test_weekly_0130_keeps_wall_clock_across_spring_and_autumn_changes() -> None:
    # 2026: clocks go forward on 29 March and back on 25 October in Berlin.
    times = _local_times("FREQ=WEEKLY", datetime(2026, 3, 15, 1, 30), 36)
    assert {t.time() for t in times} == {time(1, 30)}
    offsets = {t.utcoffset() for t in times}
    assert len(offsets) == 2  # both CET and CEST occurrences were produced
    assert times[-1].date() > datetime(2026, 10, 25).date()


def test_weekly_0230_lands_after_the_gap_on_spring_forward_day_only() -> None:
    times = _local_times("FREQ=WEEKLY", datetime(2026, 3, 22, 2, 30), 3)
    assert [t.date().isoformat() for t in times] == ["2026-03-22", "2026-03-29", "2026-04-05"]
    # 02:30 does not exist on 29 March: RFC 5545 reads it with the offset before the gap.
    assert times[1].time() == time(3, 30)
    assert times[0].time() == time(2, 30) and times[2].time() == time(2, 30)


def test_weekly_0230_on_autumn_overlap_takes_first_occurrence() -> None:
    times = _local_times("FREQ=WEEKLY", datetime(2026, 10, 18, 2, 30), 3)
    assert [t.time() for t in times] == [time(2, 30)] * 3
    assert times[1].utcoffset() is not None
    assert times[1].astimezone(UTC).hour == 0  # 02:30 CEST (+02:00), the first 02:30


def test_utc_instants_shift_by_an_hour_across_the_change() -> None:
    first = datetime(2026, 3, 22, 9, 0, tzinfo=BERLIN)
    a, b = recurrence.occurrences("FREQ=WEEKLY", first, "Europe/Berlin", limit=2)
    assert (a.hour, b.hour) == (8, 7)  # 09:00 CET = 08:00 UTC, 09:00 CEST = 07:00 UTC


def test_every_two_weeks_and_monthly_rules() -> None:
    first = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    biweekly = recurrence.occurrences(
        recurrence.FREQUENCIES["every two weeks"], first, "UTC", limit=3
    )
    assert [d.day for d in biweekly] == [31, 14, 28]
    monthly = recurrence.occurrences("FREQ=MONTHLY;BYMONTHDAY=-1", first, "UTC", limit=3)
    assert [d.date().isoformat() for d in monthly] == ["2026-01-31", "2026-02-28", "2026-03-31"]


def test_next_occurrence_is_strictly_after() -> None:
    first = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    nxt = recurrence.next_occurrence("FREQ=WEEKLY", first, "UTC", after=first)
    assert nxt == datetime(2026, 11, 9, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("rule", ["", "FREQ=SOMETIMES", "hello", "FREQ=WEEKLY\nFREQ=DAILY"])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(ValueError):
        recurrence.validate_rule(rule)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        recurrence.occurrences("FREQ=WEEKLY", datetime(2026, 1, 1, tzinfo=UTC), "Mars/Base")


def test_rules_are_described_in_words() -> None:
    """Issue 14 item 12: people read "Every month on the first Thursday", not the RRULE."""
    from services.coordination.recurrence import describe

    assert describe("FREQ=WEEKLY;BYDAY=TU") == "Every week on Tuesday"
    assert describe("FREQ=WEEKLY;INTERVAL=2") == "Every 2 weeks"
    assert describe("FREQ=MONTHLY;BYDAY=+1TH") == "Every month on the first Thursday"
    assert describe("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3") == "Every month on the last Friday, 3 times"
    assert describe("FREQ=WEEKLY;BYSETPOS=1") == "FREQ=WEEKLY;BYSETPOS=1"  # unknown: as written
