"""The contract rule of issue 4: term ends and cancellation deadlines against a reference."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from services.vendors.terms import add_months, compute_terms


def reference_terms(
    start: date, initial: int, renewal_type: str, renewal: int | None, notice: int, as_of: date
) -> tuple[date, date]:
    """The rule read literally: iterate k from 0 with dateutil's clamped month arithmetic."""

    def end(k: int) -> date:
        return start + relativedelta(months=initial + k * (renewal or 0)) - timedelta(days=1)

    if renewal_type != "auto":
        return end(0), end(0) - timedelta(days=notice)
    k = 0
    while end(k) < as_of:
        k += 1
    current = end(k)
    k = 0
    while end(k) - timedelta(days=notice) < as_of:
        k += 1
    return current, end(k) - timedelta(days=notice)


def _month_end_or_leap_day(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


start_dates = st.one_of(
    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(_month_end_or_leap_day),
    st.sampled_from([date(2024, 2, 29), date(2028, 2, 29), date(2024, 1, 31), date(2023, 8, 30)]),
)


@settings(max_examples=400, deadline=None)
@given(
    start=start_dates,
    initial=st.integers(1, 60),
    renewal_type=st.sampled_from(["none", "manual", "auto"]),
    renewal=st.integers(1, 36),
    notice=st.integers(0, 400),
    as_of_offset=st.integers(-400, 365 * 15),
)
def test_compute_terms_matches_the_literal_rule(
    start: date, initial: int, renewal_type: str, renewal: int, notice: int, as_of_offset: int
) -> None:
    as_of = start + timedelta(days=as_of_offset)
    terms = compute_terms(
        start_date=start,
        initial_term_months=initial,
        renewal_type=renewal_type,
        renewal_period_months=renewal,
        notice_days=notice,
        as_of=as_of,
    )
    assert (terms.current_term_end, terms.cancellation_deadline) == reference_terms(
        start, initial, renewal_type, renewal, notice, as_of
    )
    # ``renewals`` is the k of the current term: its end is B_k - 1 day.
    k_months = initial + terms.renewals * (renewal if renewal_type == "auto" else 0)
    assert terms.current_term_end == start + relativedelta(months=k_months) - timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(
    start=start_dates,
    initial=st.integers(1, 60),
    renewal=st.integers(1, 36),
    notice=st.integers(0, 400),
    as_of_offset=st.integers(-400, 365 * 15),
)
def test_auto_deadline_is_never_passed_and_current_term_never_ended(
    start: date, initial: int, renewal: int, notice: int, as_of_offset: int
) -> None:
    as_of = start + timedelta(days=as_of_offset)
    terms = compute_terms(
        start_date=start,
        initial_term_months=initial,
        renewal_type="auto",
        renewal_period_months=renewal,
        notice_days=notice,
        as_of=as_of,
    )
    assert terms.cancellation_deadline >= as_of
    assert terms.current_term_end >= as_of
    assert terms.days_to_deadline(as_of) >= 0


@given(start=start_dates, months=st.integers(0, 240))
def test_add_months_clamps_to_month_end_like_dateutil(start: date, months: int) -> None:
    assert add_months(start, months) == start + relativedelta(months=months)


def test_31_january_plus_one_month_is_29_february_2024() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_boundaries_count_from_the_start_so_31st_does_not_drift_to_28th() -> None:
    # Monthly auto renewal from 31 Jan: boundaries 29 Feb, 31 Mar, 30 Apr (not 29 Mar, 29 Apr).
    terms = compute_terms(
        start_date=date(2024, 1, 31),
        initial_term_months=1,
        renewal_type="auto",
        renewal_period_months=1,
        notice_days=0,
        as_of=date(2024, 3, 15),
    )
    assert terms.current_term_end == date(2024, 3, 30)


def test_auto_renewed_contracts_next_notice_date_uses_the_renewed_term() -> None:
    # 12-month initial term from 2024-01-01, renews for 12 months, 60 days notice.
    # The initial deadline (2024-11-01) has passed on 2025-01-15; the next one is the
    # renewed term's end (2025-12-31) minus 60 days, not the initial term's end plus anything.
    terms = compute_terms(
        start_date=date(2024, 1, 1),
        initial_term_months=12,
        renewal_type="auto",
        renewal_period_months=12,
        notice_days=60,
        as_of=date(2025, 1, 15),
    )
    assert terms.current_term_end == date(2025, 12, 31)
    assert terms.cancellation_deadline == date(2025, 11, 1)
    assert terms.renewals == 1


def test_auto_with_notice_longer_than_left_in_term_points_at_next_term() -> None:
    # On 2024-12-15 the current term still runs to 2024-12-31, but its deadline (2024-11-01) has
    # passed, so the next notice date belongs to the following term.
    terms = compute_terms(
        start_date=date(2024, 1, 1),
        initial_term_months=12,
        renewal_type="auto",
        renewal_period_months=12,
        notice_days=60,
        as_of=date(2024, 12, 15),
    )
    assert terms.current_term_end == date(2024, 12, 31)
    assert terms.cancellation_deadline == date(2025, 11, 1)


@pytest.mark.parametrize("renewal_type", ["none", "manual"])
def test_none_and_manual_keep_the_initial_deadline_even_when_passed(renewal_type: str) -> None:
    terms = compute_terms(
        start_date=date(2023, 3, 1),
        initial_term_months=12,
        renewal_type=renewal_type,
        renewal_period_months=12,
        notice_days=30,
        as_of=date(2026, 11, 22),
    )
    assert terms.current_term_end == date(2024, 2, 29)
    assert terms.cancellation_deadline == date(2024, 1, 30)
    assert terms.days_to_deadline(date(2026, 11, 22)) < 0


def test_auto_without_a_positive_renewal_period_is_refused() -> None:
    with pytest.raises(ValueError, match="renewal period"):
        compute_terms(
            start_date=date(2024, 1, 1),
            initial_term_months=12,
            renewal_type="auto",
            renewal_period_months=0,
            notice_days=30,
            as_of=date(2024, 6, 1),
        )


def test_unknown_renewal_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown renewal type"):
        compute_terms(
            start_date=date(2024, 1, 1),
            initial_term_months=12,
            renewal_type="evergreen",
            renewal_period_months=12,
            notice_days=30,
            as_of=date(2024, 6, 1),
        )
