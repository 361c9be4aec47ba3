"""Contract term ends and cancellation deadlines, by the rule in issue 4 / DESIGN.md.

Term boundaries are B_k = start + (initial + k * renewal) calendar months, each counted from the
start date (so 31 January keeps landing on month ends rather than drifting to the 28th), clamped
to the month's last day. A term ends the day before its boundary. Only automatically renewing
contracts roll forward; none and manual keep the initial term.

A renewal decision belongs to the term whose cancellation deadline it answers:
``Terms.decision_key``.
That term is not always the current one: an automatically renewing contract whose deadline
already falls in the next term (monthly renewal, 30 days' notice) decides the term after it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

# Far enough for any real contract; stops a bad as-of date from looping for ever.
MAX_RENEWALS = 2000


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the last day of the target month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if start.day <= 28:  # every month has the day: no need to look up its length
        return date(year, month, start.day)
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


_DAY = timedelta(days=1)


def term_end(start: date, initial_months: int, renewal_months: int, k: int) -> date:
    return add_months(start, initial_months + k * renewal_months) - _DAY


@dataclass(frozen=True)
class Terms:
    current_term_end: date
    cancellation_deadline: date
    renewals: int  # automatic renewals between the initial term and the current term (k)
    # The end of the term the cancellation deadline belongs to: current_term_end, or a later
    # term's end when the current term's deadline has already passed.
    deadline_term_end: date

    @property
    def decision_key(self) -> date:
        """The term end renewal decisions are stored and found under (RenewalDecision.term_end).

        Every reader of decisions (renewals, reminders, follow-ups, Today) compares with this,
        never with ``current_term_end``: the two differ when the deadline is in a later term.
        """
        return self.deadline_term_end

    def days_to_deadline(self, as_of: date) -> int:
        return (self.cancellation_deadline - as_of).days


def compute_terms(
    *,
    start_date: date,
    initial_term_months: int,
    renewal_type: str,
    renewal_period_months: int | None,
    notice_days: int,
    as_of: date,
) -> Terms:
    if initial_term_months <= 0:
        raise ValueError("initial term must be at least one month")
    if notice_days < 0:
        raise ValueError("notice period cannot be negative")
    notice = timedelta(days=notice_days)
    if renewal_type != "auto":
        if renewal_type not in ("none", "manual"):
            raise ValueError(f"unknown renewal type {renewal_type!r}")
        end = term_end(start_date, initial_term_months, 0, 0)
        return Terms(end, end - notice, 0, end)
    if not renewal_period_months or renewal_period_months <= 0:
        raise ValueError("an automatically renewing contract needs a positive renewal period")

    # Start the search near the as-of date instead of at k = 0, then step forward. Skipping is
    # safe: boundary B(first_k - 1) is at most (months_elapsed - 2) months after the start, so
    # it lies in a month before the as-of month, and every skipped term ended before as_of.
    months_elapsed = (as_of.year - start_date.year) * 12 + as_of.month - start_date.month
    first_k = max(0, (months_elapsed - initial_term_months) // renewal_period_months - 1)
    current: tuple[date, int] | None = None
    # term_end(k), with the months counted on rather than worked out again for each k: a
    # planning pass computes thousands of contracts' terms.
    months = initial_term_months + first_k * renewal_period_months
    for k in range(first_k, first_k + MAX_RENEWALS):
        end = add_months(start_date, months) - _DAY
        if current is None and end >= as_of:
            current = (end, k)
        if end - notice >= as_of:
            # notice_days >= 0, so this term also ended on or after as_of: current is set.
            assert current is not None
            return Terms(current[0], end - notice, current[1], end)
        months += renewal_period_months
    raise ValueError("as-of date too far beyond the contract's start")


class ContractDates(Protocol):
    """What a contract's terms are computed from (a Contract, or just its columns)."""

    @property
    def start_date(self) -> date: ...
    @property
    def initial_term_months(self) -> int: ...
    @property
    def renewal_type(self) -> str: ...
    @property
    def renewal_period_months(self) -> int | None: ...
    @property
    def notice_days(self) -> int: ...


def terms_of(contract: ContractDates, as_of: date) -> Terms:
    """The contract's terms on ``as_of``; the one way services read a contract's terms."""
    return compute_terms(
        start_date=contract.start_date,
        initial_term_months=contract.initial_term_months,
        renewal_type=contract.renewal_type,
        renewal_period_months=contract.renewal_period_months,
        notice_days=contract.notice_days,
        as_of=as_of,
    )
