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
    """Weekdays that are no public holiday in any of ``countries``."""

    def __init__(self, countries: Iterable[str] = ()) -> None:
        self.countries = tuple(sorted({c.strip().upper() for c in countries if c and c.strip()}))
        self._calendars = [_holidays(c) for c in self.countries]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not any(day in cal for cal in self._calendars)

    def previous(self, day: date) -> date:
        """``day`` itself when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def next(self, day: date) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day``."""
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day


WEEKDAYS = WorkingDays()
