"""VTIMEZONE components that stay right for open-ended series.

icalendar's generator lists each transition one by one and stops in 2038, so a weekly series
exported today would drift by an hour after that in every calendar that trusts the file. Here
the zone's current rule (the POSIX TZ string at the end of its TZif file, the rule zoneinfo
itself applies past its table) becomes yearly RRULE observances, as Google and Apple write
them; transitions before that rule took effect are listed explicitly. The rule is checked
against zoneinfo for every year it is used for up to 2037, so a file never contradicts Python.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

LAST_CHECKED_YEAR = 2037  # past the last year fat TZif tables list explicitly
_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,2}(?::\d{2}){0,2}"
_RULE = r"M(\d{1,2})\.([1-5])\.([0-6])(?:/([+-]?\d{1,3}(?::\d{2}){0,2}))?"
_POSIX = re.compile(rf"^({_NAME})({_OFFSET})(?:({_NAME})({_OFFSET})?,{_RULE},{_RULE})?$")
_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]


@dataclass(frozen=True)
class _Change:
    """One yearly change: month, week (5 = last), weekday (0 = Sunday), local time."""

    month: int
    week: int
    weekday: int
    at: timedelta

    def day_in(self, year: int) -> date:
        first = date(year, self.month, 1)
        # date.weekday(): Monday = 0; POSIX: Sunday = 0.
        day = first + timedelta(days=(self.weekday - (first.weekday() + 1) % 7) % 7)
        day += timedelta(weeks=self.week - 1)
        while day.month != self.month:
            day -= timedelta(weeks=1)
        return day

    def local(self, year: int) -> datetime:
        return datetime.combine(self.day_in(year), time()) + self.at

    def rrule(self) -> vRecur | None:
        """The yearly rule, or None when no RRULE says it (a shifted day crossing a month)."""
        shift = self.at // timedelta(days=1)  # a change at -1:00 happens the day before
        if shift == 0:
            ordinal = -1 if self.week == 5 else self.week
            day = f"{ordinal}{_DAYS[self.weekday]}"
            return vRecur({"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": day})
        if self.week == 5:
            days = list(range(-7 + shift, shift))  # the last seven days, shifted
            fits = all(-28 <= d <= -1 for d in days)
        else:
            days = list(range(7 * (self.week - 1) + 1 + shift, 7 * self.week + 1 + shift))
            fits = all(1 <= d <= 28 for d in days)
        if not fits:
            return None
        weekday = _DAYS[(self.weekday + shift) % 7]
        return vRecur(
            {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": weekday, "BYMONTHDAY": days}
        )


@dataclass(frozen=True)
class _Rule:
    std_name: str
    std: timedelta
    dst_name: str
    dst: timedelta
    start: _Change  # standard -> daylight
    end: _Change  # daylight -> standard


def _duration(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def posix_footer(key: str) -> str | None:
    """The POSIX TZ string of ``key``'s TZif file, found where zoneinfo finds the file."""
    data: bytes | None = None
    for base in zoneinfo.TZPATH:
        path = Path(base) / key
        if path.is_file():
            data = path.read_bytes()
            break
    if data is None:
        try:
            data = resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
        except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError):
            return None
    if not data.startswith(b"TZif") or data[4:5] < b"2" or not data.endswith(b"\n"):
        return None
    start = data.rfind(b"\n", 0, len(data) - 1)
    return data[start + 1 : -1].decode("ascii", "replace") if start >= 0 else None


def _parse(footer: str) -> _Rule | None:
    match = _POSIX.match(footer)
    if not match or not match.group(3):
        return None  # no daylight saving time (or a form we do not read)
    std_name, std, dst_name, dst = match.group(1, 2, 3, 4)
    std_offset = -_duration(std)  # POSIX counts hours west of Greenwich
    dst_offset = -_duration(dst) if dst else std_offset + timedelta(hours=1)
    changes = []
    for month, week, weekday, at in (match.group(5, 6, 7, 8), match.group(9, 10, 11, 12)):
        changes.append(
            _Change(
                int(month), int(week), int(weekday), _duration(at) if at else timedelta(hours=2)
            )
        )
    if any(c.rrule() is None for c in changes):
        return None
    return _Rule(std_name.strip("<>"), std_offset, dst_name.strip("<>"), dst_offset, *changes)


def _holds(rule: _Rule, zone: ZoneInfo, year: int) -> bool:
    """Whether zoneinfo changes offset exactly when ``rule`` says, both times in ``year``."""
    minute = timedelta(minutes=1)
    for change, before, after in ((rule.start, rule.std, rule.dst), (rule.end, rule.dst, rule.std)):
        instant = (change.local(year) - before).replace(tzinfo=UTC)
        if (instant - minute).astimezone(zone).utcoffset() != before:
            return False
        if (instant + minute).astimezone(zone).utcoffset() != after:
            return False
    return True


def _observance(
    name: str, change: _Change, year: int, before: timedelta, after: timedelta
) -> TimezoneDaylight | TimezoneStandard:
    # Labelled by the offset, not by POSIX's order: Irish "standard" time is the summer one.
    part = TimezoneDaylight() if after > before else TimezoneStandard()
    part.add("tzname", name)
    part.add("dtstart", change.local(year))
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", after)
    part.add("rrule", change.rrule())
    return part


def _listed(key: str, first: date, until: date = date(2200, 1, 1)) -> Timezone:
    """Transitions one by one (icalendar's generator) from ``first`` to ``until``."""
    result = Timezone.from_tzid(key, first_date=first, last_date=until)
    result.pop("COMMENT", None)  # "only works until ...": the caller covers what follows
    return result


def vtimezone(key: str, first: date) -> Timezone:
    """A VTIMEZONE for ``key`` valid from ``first`` on, with no end date."""
    zone = ZoneInfo(key)
    footer = posix_footer(key)
    rule = _parse(footer) if footer else None
    if rule is None:
        # A fixed offset after the listed changes (right forever once they are all listed, and
        # some zones list changes to 2087), or a rule form an RRULE cannot say: list them all.
        return _listed(key, first)
    bad = [y for y in range(first.year - 1, LAST_CHECKED_YEAR + 1) if not _holds(rule, zone, y)]
    since = (max(bad) + 1) if bad else first.year - 1
    if since > LAST_CHECKED_YEAR:
        return _listed(key, first)
    if since >= first.year:
        result = _listed(key, first, date(since, 1, 1))
    else:
        result = Timezone()
        result.add("tzid", key)
    result.add_component(_observance(rule.dst_name, rule.start, since, rule.std, rule.dst))
    result.add_component(_observance(rule.std_name, rule.end, since, rule.dst, rule.std))
    return result
