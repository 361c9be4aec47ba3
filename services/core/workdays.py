"""Working days: Monday to Friday, less the public holidays of the countries that apply.

Holidays come from the maintained `holidays` package (never a list of our own). A country is an
ISO 3166-1 alpha-2 code, optionally with a subdivision (``DE-BY``, ``US-CA``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(code: str) -> holidays.HolidayBase:
    country, _, subdiv = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdiv or None)


def check_country(code: str) -> str:
    """``code`` in canonical form, or ValueError naming it when `holidays` does not know it."""
    canonical = code.strip().upper()
    try:
        _holidays(canonical)
    except (NotImplementedError, KeyError, ValueError, AttributeError):
        raise ValueError(
            f"{code!r} is not a country code with known public holidays "
            "(use ISO 3166, for example DE, US or DE-BY)"
        ) from None
    return canonical


class WorkingDays:
    """Weekdays that are no public holiday in any of ``countries``.

    Answers are memoised per instance: a planning pass asks the same few hundred days over and
    over (every item due on a day shares its schedule), and a `holidays` lookup is slow."""

    def __init__(self, countries: Iterable[str] = ()) -> None:
        self.countries = tuple(sorted({c.strip().upper() for c in countries if c and c.strip()}))
        self._calendars = [_holidays(c) for c in self.countries]
        self._working: dict[date, bool] = {}
        self._moves: dict[tuple[str, date, int], date] = {}

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = day.weekday() < 5 and not any(day in cal for cal in self._calendars)
            self._working[day] = known
        return known

    def previous(self, day: date) -> date:
        """``day`` itself when it is a working day, else the last working day before it."""
        key = ("previous", day, 0)
        found = self._moves.get(key)
        if found is None:
            found = day
            while not self.is_working_day(found):
                found -= timedelta(days=1)
            self._moves[key] = found
        return found

    def next(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        key = ("next", day, 0)
        found = self._moves.get(key)
        if found is None:
            found = day
            while not self.is_working_day(found):
                found += timedelta(days=1)
            self._moves[key] = found
        return found

    def add(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day``."""
        key = ("add", day, n)
        found = self._moves.get(key)
        if found is None:
            found, left = day, n
            while left > 0:
                found += timedelta(days=1)
                if self.is_working_day(found):
                    left -= 1
            self._moves[key] = found
        return found


WEEKDAYS = WorkingDays()
