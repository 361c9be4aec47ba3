"""Spend figures, budgets, the money round trip and the spend commands, on SQLite and Postgres."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from conftest import FROZEN_TODAY, actor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

import cli
from db.engine import Database
from db.models import Budget, Contract, CostLine, Notification, SeatPool, User
from services import record_imports
from services.access.access import NotAllowed
from services.core.export import to_csv, to_json
from services.spend import billing_import, budgets, commitments, period_totals, spend
from settings import get_settings
from tests.builders import counts, focus_row, make_team, make_vendor, write_focus

ADMIN = actor("admin")
_files = count()


def _import_rows(db: Database, folder: Path, rows: list[dict[str, str]]) -> None:
    path = write_focus(folder / f"f{next(_files)}.csv", rows)
    billing_import.import_files(db, ADMIN, [path])


def _day_row(day: date, cost: str, **kw: str) -> dict[str, str]:
    period = day.replace(day=1)
    kw.setdefault("BillingAccountId", f"acct-{period:%Y%m}")
    return focus_row(
        BilledCost=cost,
        EffectiveCost=cost,
        ChargePeriodStart=f"{day.isoformat()}T00:00:00Z",
        BillingPeriodStart=f"{period.isoformat()}T00:00:00Z",
        **kw,
    )


# --- money round trip ---------------------------------------------------------------------------

MONEY = st.decimals(
    min_value=Decimal("-999999999999999.9999999999"),
    max_value=Decimal("999999999999999.9999999999"),
    places=10,
    allow_nan=False,
    allow_infinity=False,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(MONEY, min_size=1, max_size=25))
def test_money_round_trips_exactly_through_import_storage_and_export(
    db: Database, tmp_path: Path, amounts: list[Decimal]
) -> None:
    account = f"rt-{next(_files)}"
    rows = [
        focus_row(BilledCost=format(a, "f"), EffectiveCost=format(a, "f"), BillingAccountId=account)
        for a in amounts
    ]
    path = write_focus(tmp_path / f"{account}.csv", rows)
    result = billing_import.import_files(db, ADMIN, [path])
    import_id = result.files[0].import_id
    with db.read() as s:
        stored = [
            line.billed_cost
            for line in s.exec(
                select(CostLine)
                .where(CostLine.import_id == import_id)
                .order_by(col(CostLine.row_number))
            )
        ]
    assert stored == amounts
    assert [format(x, "f") for x in stored] == [format(a, "f") for a in amounts]
    exported = to_csv([{"amount": x} for x in stored], ["amount"]).splitlines()[1:]
    assert [Decimal(x) for x in exported] == amounts
    assert exported == [format(a, "f") for a in amounts]
    total = spend.group_spend(
        [r for r in spend.spend_rows(db, ADMIN) if r.source_name == "OpenAI"], ["currency"]
    )
    assert total  # sums exist; exactness of sums is checked below
    as_json = json.loads(to_json([{"x": sum(amounts, Decimal(0))}]))
    assert Decimal(as_json[0]["x"]) == sum(amounts, Decimal(0))


# --- grouping and report ------------------------------------------------------------------------


def test_totals_are_per_currency_and_never_summed_across(db: Database, tmp_path: Path) -> None:
    _import_rows(
        db,
        tmp_path,
        [
            _day_row(date(2026, 9, 2), "10.10"),
            _day_row(date(2026, 9, 3), "5.05", BillingCurrency="EUR", BillingAccountId="eu"),
            _day_row(date(2026, 10, 3), "1.00"),
        ],
    )
    rows = spend.report(db, ADMIN, ["month"])
    assert [(r["month"], r["currency"], r["billed_cost"]) for r in rows] == [
        ("2026-09", "EUR", Decimal("5.05")),
        ("2026-09", "USD", Decimal("10.10")),
        ("2026-10", "USD", Decimal("1.00")),
    ]
    limited = spend.report(db, ADMIN, ["month"], from_month="2026-10", to_month="2026-10")
    assert [r["month"] for r in limited] == ["2026-10"]


def test_month_is_the_utc_month_of_charge_period_start(db: Database, tmp_path: Path) -> None:
    row = focus_row(
        ChargePeriodStart="2026-09-30T23:30:00-02:00", BilledCost="2", EffectiveCost="2"
    )
    _import_rows(db, tmp_path, [row])
    assert [r["month"] for r in spend.report(db, ADMIN, ["month"])] == ["2026-10"]


def test_unknown_group_field_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="group-by field"):
        spend.report(db, ADMIN, ["name) OR 1=1 --"])


def test_spend_needs_the_read_permission(db: Database) -> None:
    with pytest.raises(NotAllowed):
        spend.spend_rows(db, actor("va"))


def test_team_and_vendor_filters(db: Database, tmp_path: Path) -> None:
    vendor_id = make_vendor(db, "OpenAI")
    make_vendor(db, "Anthropic", "anthropic pbc")
    _import_rows(
        db,
        tmp_path,
        [
            _day_row(date(2026, 9, 2), "1", Tags='{"team": "Research"}'),
            _day_row(
                date(2026, 9, 2),
                "2",
                Tags='{"team": "Applied"}',
                PublisherName="Anthropic PBC",
                ProviderName="Anthropic PBC",
                BillingAccountId="anth",
            ),
        ],
    )
    only_openai = spend.spend_rows(db, ADMIN, spend.SpendFilter(vendor_ids=frozenset({vendor_id})))
    assert [r.vendor for r in only_openai] == ["OpenAI"]
    applied = spend.spend_rows(db, ADMIN, spend.SpendFilter(teams=frozenset({"Applied"})))
    assert [r.vendor for r in applied] == ["Anthropic"]


# --- anomalies, commitments, seats --------------------------------------------------------------


def test_anomaly_rule_flags_a_spike_and_not_normal_variation(db: Database, tmp_path: Path) -> None:
    start = date(2026, 8, 1)
    rows = [_day_row(start + timedelta(days=i), "100.00") for i in range(40)]
    rows.append(_day_row(start + timedelta(days=40), "1000.00"))
    rows.append(_day_row(start + timedelta(days=41), "250.00"))
    _import_rows(db, tmp_path, rows)
    found = spend.find_anomalies(spend.spend_rows(db, ADMIN))
    assert [(a.day, a.cost, a.baseline) for a in found] == [
        (start + timedelta(days=40), Decimal("1000.00"), Decimal("100.00"))
    ]


def test_condensed_rows_give_the_same_totals_groups_and_anomalies(
    db: Database, tmp_path: Path
) -> None:
    make_vendor(db, "OpenAI")
    start = date(2026, 7, 1)
    rows = []
    for i in range(60):
        day = start + timedelta(days=i)
        cost = "1000.0000000001" if i == 45 else f"{100 + i % 3}.1234567891"
        rows.append(_day_row(day, cost))
        rows.append(_day_row(day, "7.0000000003", ServiceName="Batch", BillingCurrency="EUR"))
        rows.append(_day_row(day, "2.5", PublisherName="Unmatched Co", ProviderName="Unmatched Co"))
    _import_rows(db, tmp_path, rows)
    raw = spend.spend_rows(db, ADMIN)
    monthly = spend.condense(raw, by_month=True)
    daily = spend.condense(raw, by_month=False, detail=False)
    assert len(monthly) < len(raw) and len(daily) < len(raw)
    assert spend.totals(monthly) == spend.totals(daily) == spend.totals(raw)
    fields = ["month", "vendor", "team", "service"]
    assert spend.group_spend(monthly, fields) == spend.group_spend(raw, fields)
    assert spend.find_anomalies(daily) == spend.find_anomalies(raw)
    assert [a.day for a in spend.find_anomalies(daily)] == [start + timedelta(days=45)]


def _commitment(db: Database, amount: str) -> None:
    """An OpenAI contract from 2026-09-01 committing ``amount`` USD."""
    vendor_id = make_vendor(db, "OpenAI")
    with db.write() as s:
        s.add(
            Contract(
                vendor_id=vendor_id,
                title="Commit",
                start_date=date(2026, 9, 1),
                initial_term_months=12,
                committed_amount=Decimal(amount),
                currency="USD",
            )
        )


def test_commitment_burn_down_projects_exhaustion(db: Database, tmp_path: Path) -> None:
    _commitment(db, "3000")
    today = date(2026, 9, 30)
    _import_rows(db, tmp_path, [_day_row(date(2026, 9, d), "50") for d in range(1, 31)])
    [burn] = commitments.burn_downs(db, ADMIN, today=today)
    assert (burn.spent, burn.remaining, burn.daily_rate) == (
        Decimal("1500"),
        Decimal("1500"),
        Decimal("50.00"),
    )
    assert burn.exhaustion == today + timedelta(days=30)
    assert commitments.burn_downs(db, actor("finance"), today=today)


def test_a_used_up_commitment_shows_the_day_spend_reached_it(db: Database, tmp_path: Path) -> None:
    _commitment(db, "1000")
    # 100 a day from Sep 1: the 1,000 is reached on Sep 10, not on the last day with spend.
    _import_rows(db, tmp_path, [_day_row(date(2026, 9, d), "100") for d in range(1, 31)])
    [burn] = commitments.burn_downs(db, ADMIN, today=date(2026, 9, 30))
    assert (burn.remaining, burn.exhaustion) == (Decimal("-2000"), date(2026, 9, 10))


def test_unused_seats_cost_per_month(db: Database) -> None:
    vendor_id = make_vendor(db, "Weights & Biases")
    with db.write() as s:
        s.add(
            SeatPool(
                vendor_id=vendor_id,
                product="Teams",
                seats_purchased=20,
                seats_assigned=18,
                seats_active_30d=14,
                unit_price=Decimal("600"),
                billing_period="yearly",
            )
        )
    [waste] = commitments.unused_seats(db, ADMIN)
    assert (waste.unused, waste.monthly_cost) == (6, Decimal("300"))


# --- budgets ------------------------------------------------------------------------------------


def _notifications(db: Database) -> list[Notification]:
    with db.read() as s:
        return list(s.exec(select(Notification).order_by(col(Notification.id))).all())


def test_crossing_thresholds_queues_one_notification_each(db: Database, tmp_path: Path) -> None:
    with db.write() as s:
        s.add(User(email="fin@example.com", role="finance"))
        s.add(User(email="gone@example.com", role="finance", active=False))
    team_id = make_team(db, "Research")
    today = FROZEN_TODAY
    budget = budgets.create_budget(
        db,
        ADMIN,
        name="Research monthly",
        scope="team",
        team_id=team_id,
        amount="1000",
        currency="USD",
        starts_on=today.replace(day=1),
    )
    assert budget.thresholds == "50,75,90,100"
    _import_rows(db, tmp_path, [_day_row(today, "800", Tags='{"team": "research"}')])
    keys = [n.dedupe_key for n in _notifications(db)]
    period = today.replace(day=1).isoformat()
    key = f"budget_threshold:budget:{budget.id}:{period}"
    assert keys == [
        f"{key}:50:fin@example.com:slack",
        f"{key}:75:fin@example.com:slack",
    ]
    assert {n.recipient for n in _notifications(db)} == {"fin@example.com"}
    assert {n.kind for n in _notifications(db)} == {"budget_threshold"}
    # Another import in the same period: only the newly crossed thresholds are queued.
    _import_rows(
        db,
        tmp_path,
        [_day_row(today, "150", Tags='{"team": "Research"}', BillingAccountId="other")],
    )
    keys = [n.dedupe_key for n in _notifications(db)]
    assert keys[2:] == [f"{key}:90:fin@example.com:slack"]
    with db.write() as s:
        assert budgets.queue_threshold_notifications(s) == 0
    [status] = budgets.budget_statuses(db, ADMIN, today=today)
    assert status.actual == Decimal("950")
    assert status.crossed == [50, 75, 90]


def test_an_imports_budget_totals_from_memory_equal_those_read_back(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-file columnar import sums its own rollups from memory for the threshold check.
    Every window, basis and currency filter gives the totals a read of the whole table gives,
    down to the exponent (a Decimal sum keeps the most places of its amounts)."""
    make_vendor(db, "OpenAI")
    may, june = date(2026, 5, 1), date(2026, 6, 1)
    # An earlier import: one slice the next file replaces, one it leaves alone.
    _import_rows(
        db,
        tmp_path,
        [
            _day_row(may, "4.5", BillingAccountId="replaced"),
            _day_row(may, "0.125", BillingAccountId="kept", Tags='{"team": "Infra"}'),
        ],
    )
    amounts = ["0.1", "0.10", "12", "-3.250", "1.123456", "100.00000001", "7.5", "0.000"]
    rows = [
        {
            **_day_row(
                (may if i % 3 else june) + timedelta(days=i),
                amount,
                BillingAccountId="replaced" if i % 2 else "fresh",
                BillingCurrency="EUR" if i % 4 == 3 else "USD",
                ProviderName="OpenAI" if i % 2 else "Lambda Labs",
                PublisherName="OpenAI" if i % 2 else "Lambda Labs",
                InvoiceIssuerName="OpenAI" if i % 2 else "Lambda Labs",
                Tags='{"team": "Research"}' if i % 3 else '{"team": "Infra"}',
            ),
            "BilledCost": f"{amount}0" if "." in amount else f"{amount}.5",
        }
        for i, amount in enumerate(amounts)
    ]
    seen: list[period_totals.FreshRollups | None] = []
    queue = budgets.queue_threshold_notifications

    def spy(session: object, **kw: object) -> int:
        seen.append(kw.get("fresh"))  # type: ignore[arg-type]
        return queue(session, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(budgets, "queue_threshold_notifications", spy)
    _import_rows(db, tmp_path, rows)
    [fresh] = seen
    assert fresh is not None  # the columnar path read the file
    windows = [(may, june), (june, date(2026, 7, 1)), (date(2026, 1, 1), date(2027, 1, 1))]
    windows.append((date(2025, 1, 1), date(2025, 2, 1)))  # no day of the file
    with db.read() as s:
        for start, end in windows:
            for currencies in (None, frozenset({"USD"}), frozenset({"EUR", "USD"})):
                for basis in ("effective", "billed"):
                    read = period_totals.period_totals(s, start, end, currencies, basis)
                    summed = period_totals.period_totals(s, start, end, currencies, basis, fresh)
                    assert sorted(map(repr, summed)) == sorted(map(repr, read))


def test_long_and_short_windows_count_the_same_days(db: Database, tmp_path: Path) -> None:
    """Windows past SCAN_DAYS read SQLite's rollups without the day index: same days, same
    money, start counted and end not."""
    start = date(2025, 3, 1)
    days = [start - timedelta(days=1), start, date(2025, 7, 4), date(2025, 12, 31)]
    _import_rows(db, tmp_path, [_day_row(d, f"{i + 1}.25") for i, d in enumerate(days)])
    end = date(2025, 12, 31)
    assert (end - start).days > period_totals.SCAN_DAYS
    with db.read() as s:

        def total(a: date, b: date) -> Decimal:
            totals = period_totals.period_totals(s, a, b, None, "billed")
            return sum((t[3] for t in totals), Decimal(0))

        assert total(start, end) == Decimal("2.25") + Decimal("3.25")
        assert total(start, end + timedelta(days=1)) == Decimal("9.75")
        short = [total(d, d + timedelta(days=1)) for d in days]
        assert short == [Decimal("1.25"), Decimal("2.25"), Decimal("3.25"), Decimal("4.25")]
        assert total(days[0], end + timedelta(days=1)) == sum(short)


def test_only_budgets_whose_period_holds_the_imported_days_are_checked(
    db: Database, tmp_path: Path
) -> None:
    with db.write() as s:
        s.add(User(email="fin@example.com", role="finance"))
    team_id = make_team(db, "Research")
    today = FROZEN_TODAY
    budget = budgets.create_budget(
        db, ADMIN, name="Research monthly", scope="team", team_id=team_id, amount="1000",
        currency="USD", starts_on=today.replace(day=1) - timedelta(days=62),
    )  # fmt: skip
    last_month = today.replace(day=1) - timedelta(days=1)
    _import_rows(db, tmp_path, [_day_row(last_month, "5000", Tags='{"team": "research"}')])
    _import_rows(
        db, tmp_path, [_day_row(today, "600", Tags='{"team": "research"}', BillingAccountId="b")]
    )
    assert [n.dedupe_key.split(":")[4] for n in _notifications(db)] == ["50"]
    with db.write() as s:  # lowered behind the service's back: 600 of 650 is over 90%
        s.get(Budget, budget.id).amount = Decimal("650")  # type: ignore[union-attr]
    with db.write() as s:
        assert budgets.queue_threshold_notifications(s, days=(last_month, last_month)) == 0
        first = today.replace(day=1)
        assert budgets.queue_threshold_notifications(s, days=(last_month, first)) == 2
    assert [n.dedupe_key.split(":")[4] for n in _notifications(db)] == ["50", "75", "90"]


def test_memoised_budget_totals_follow_an_import_and_an_undo_and_still_refuse(
    db: Database, tmp_path: Path
) -> None:
    from ui.data_memo import VersionMemo, billing_version

    team_id = make_team(db, "Research")
    today = FROZEN_TODAY
    budgets.create_budget(
        db,
        ADMIN,
        name="Research monthly",
        scope="team",
        team_id=team_id,
        amount="1000",
        currency="USD",
        starts_on=today.replace(day=1),
    )
    memos = VersionMemo()

    def actual() -> Decimal:
        memo = memos.for_version(billing_version(db))
        [status] = budgets.budget_statuses(db, ADMIN, today=today, memo=memo)
        assert status.actual == budgets.budget_statuses(db, ADMIN, today=today)[0].actual
        return status.actual

    _import_rows(db, tmp_path, [_day_row(today, "800", Tags='{"team": "research"}')])
    assert actual() == Decimal("800")
    assert actual() == Decimal("800")  # from the memo
    more = [_day_row(today, "150", Tags='{"team": "Research"}', BillingAccountId="other")]
    _import_rows(db, tmp_path, more)
    assert actual() == Decimal("950")  # a new import is a new data version
    [latest, *_] = billing_import.list_imports(db, ADMIN)
    billing_import.undo_import(db, ADMIN, latest.id)
    assert actual() == Decimal("800")
    with pytest.raises(NotAllowed):  # a warm memo never skips the spend permission
        budgets.budget_statuses(
            db, actor("va"), today=today, memo=memos.for_version(billing_version(db))
        )


def test_threshold_alerts_go_to_the_default_channel_when_one_is_set(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_DEFAULT_CHANNEL", "C0FINANCE")
    get_settings.cache_clear()
    try:
        team_id = make_team(db, "Research")
        today = FROZEN_TODAY
        budgets.create_budget(
            db,
            ADMIN,
            name="R",
            scope="team",
            team_id=team_id,
            amount="100",
            currency="USD",
            starts_on=today.replace(day=1),
        )
        _import_rows(db, tmp_path, [_day_row(today, "60", Tags='{"team": "research"}')])
        assert [n.recipient for n in _notifications(db)] == ["C0FINANCE"]
    finally:
        get_settings.cache_clear()


def test_budget_forecast_is_the_run_rate_to_period_end(db: Database, tmp_path: Path) -> None:
    vendor_id = make_vendor(db, "OpenAI")
    budgets.create_budget(
        db,
        ADMIN,
        name="OpenAI",
        scope="vendor",
        vendor_id=vendor_id,
        amount="100000",
        starts_on=date(2026, 9, 1),
    )
    _import_rows(db, tmp_path, [_day_row(date(2026, 9, d), "10") for d in range(1, 11)])
    [status] = budgets.budget_statuses(db, ADMIN, today=date(2026, 9, 10))
    assert (status.actual, status.forecast) == (Decimal("100"), Decimal("300.00"))


def test_budget_forecast_on_the_first_uses_the_trailing_window_not_one_day_x_31(
    db: Database, tmp_path: Path
) -> None:
    """Issue 14 item 5: on the 1st, one day's spend × 31 is noise; the last 30 days' average
    carries the forecast, and the status says so."""
    vendor_id = make_vendor(db, "OpenAI")
    budgets.create_budget(
        db,
        ADMIN,
        name="OpenAI",
        scope="vendor",
        vendor_id=vendor_id,
        amount="30000",
        starts_on=date(2026, 11, 1),
    )
    rows = [_day_row(date(2026, 11, d), "900") for d in range(2, 31)]  # 29 days in November
    rows += [_day_row(date(2026, 12, 1), "11450")]  # a spike on the 1st
    _import_rows(db, tmp_path, rows)
    [status] = budgets.budget_statuses(db, ADMIN, today=date(2026, 12, 1))
    assert status.actual == Decimal("11450")
    # (29 × 900 + 11450) / 30 = 1251.67 a day, × 30 days left, + 11450 so far.
    assert status.forecast == Decimal("49000.00")
    assert status.forecast < Decimal("11450") * 31  # 354,950: what the run rate said
    assert "last 30 days" in status.forecast_method
    from ui.charts_spend import budget_vs_actual

    forecast_bar = budget_vs_actual([status]).data[1]
    assert "last 30 days" in forecast_bar.customdata[0][1]  # the chart says how, on hover


def test_budgets_compare_billed_cost_unless_the_budget_says_effective(
    db: Database, tmp_path: Path
) -> None:
    """Issue 14 item 6: budgets compare what the invoices charge by default."""
    vendor_id = make_vendor(db, "OpenAI")
    for name, basis in (("billed", None), ("effective", "effective")):
        budgets.create_budget(
            db,
            ADMIN,
            name=name,
            scope="vendor",
            vendor_id=vendor_id,
            amount="1000",
            starts_on=date(2026, 9, 1),
            **({"cost_basis": basis} if basis else {}),
        )
    row = _day_row(date(2026, 9, 10), "100")
    row["EffectiveCost"] = "60"
    _import_rows(db, tmp_path, [row])
    got = {
        s.budget.name: s.actual for s in budgets.budget_statuses(db, ADMIN, today=date(2026, 9, 12))
    }
    assert got == {"billed": Decimal("100"), "effective": Decimal("60")}


def test_monthly_and_yearly_budgets_sum_their_own_periods_exactly(
    db: Database, tmp_path: Path
) -> None:
    """Totals are summed per period in SQL (joined decimal text on SQLite): exact, and only the
    budget's own days and currency count."""
    vendor_id = make_vendor(db, "OpenAI")
    for name, period in (("month", "monthly"), ("year", "yearly")):
        budgets.create_budget(
            db,
            ADMIN,
            name=name,
            scope="vendor",
            vendor_id=vendor_id,
            period=period,
            amount="1000",
            starts_on=date(2026, 1, 1),
        )
    rows = [_day_row(date(2026, 9, d), "0.1") for d in range(1, 11)]  # 1.0, not 0.999…
    rows += [_day_row(date(2026, 9, 11), "0.0000000001")]
    rows += [_day_row(date(2026, 8, 31), "5")]  # same year, earlier month
    rows += [_day_row(date(2025, 12, 31), "7")]  # before the budget year
    rows += [_day_row(date(2026, 9, 12), "100", BillingCurrency="EUR", BillingAccountId="eur")]
    _import_rows(db, tmp_path, rows)
    statuses = {
        s.budget.name: s for s in budgets.budget_statuses(db, ADMIN, today=date(2026, 9, 12))
    }
    assert statuses["month"].actual == Decimal("1.0000000001")
    assert statuses["year"].actual == Decimal("6.0000000001")
    assert (statuses["year"].period_start, statuses["year"].period_end) == (
        date(2026, 1, 1),
        date(2027, 1, 1),
    )


def test_budget_edit_needs_permission_and_refuses_extra_fields(db: Database) -> None:
    team_id = make_team(db, "Ops")
    with pytest.raises(NotAllowed):
        budgets.create_budget(
            db,
            actor("lead"),
            name="x",
            scope="team",
            team_id=team_id,
            amount="1",
            starts_on=date(2026, 1, 1),
        )
    with pytest.raises(ValueError, match="unknown budget field"):
        budgets.create_budget(
            db,
            ADMIN,
            name="x",
            scope="team",
            team_id=team_id,
            amount="1",
            starts_on=date(2026, 1, 1),
            archived=True,
        )
    with pytest.raises(ValueError, match="positive"):
        budgets.create_budget(
            db,
            ADMIN,
            name="x",
            scope="team",
            team_id=team_id,
            amount="-1",
            starts_on=date(2026, 1, 1),
        )


def _ops_budget(db: Database) -> Budget:
    """A team budget of 10 a month, from January 2026."""
    team_id = make_team(db, "Ops")
    return budgets.create_budget(
        db,
        ADMIN,
        name="Ops",
        scope="team",
        team_id=team_id,
        amount="10",
        starts_on=date(2026, 1, 1),
    )


def test_budget_stale_edit_is_refused(db: Database) -> None:
    created = _ops_budget(db)
    assert created.id is not None
    budgets.update_budget(db, ADMIN, created.id, created.version, amount="20")
    with pytest.raises(ValueError, match="changed since"):
        budgets.update_budget(db, ADMIN, created.id, created.version, amount="30")


def test_a_budget_saved_unchanged_keeps_its_version_and_writes_no_audit_row(
    db: Database,
) -> None:
    from sqlmodel import func, select

    from db.models import AuditEvent

    def audits() -> int:
        with db.read() as s:
            return int(s.exec(select(func.count()).select_from(AuditEvent)).one())

    created = _ops_budget(db)
    assert created.id is not None
    before = audits()
    # As the form sends them: the amount as it shows it, thresholds as stored.
    same = budgets.update_budget(
        db, ADMIN, created.id, created.version, amount="10.00", thresholds=created.thresholds
    )
    assert same.version == created.version and audits() == before
    changed = budgets.update_budget(db, ADMIN, created.id, created.version, amount="12")
    assert changed.version == created.version + 1 and audits() == before + 1
    assert changed.amount == Decimal("12")


def test_import_records_budgets_all_or_nothing(db: Database, tmp_path: Path) -> None:
    make_team(db, "Research")
    make_vendor(db, "OpenAI")
    good = tmp_path / "budgets.csv"
    good.write_text(
        "name,scope,target,amount,period,thresholds\n"
        'R,team,research,5000,monthly,"80,100"\nO,vendor,OpenAI,60000,yearly,\n'
    )
    assert record_imports.import_file(db, ADMIN, "budgets", good) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,scope,target,amount\nX,team,Nobody,1\n")
    with pytest.raises(ValueError, match="row 2"):
        record_imports.import_file(db, ADMIN, "budgets", bad)
    with db.read() as s:
        rows = s.exec(select(Budget).order_by(col(Budget.name))).all()
    assert [(b.name, b.period, b.thresholds) for b in rows] == [
        ("O", "yearly", "50,75,90,100"),
        ("R", "monthly", "80,100"),
    ]


# --- commands -----------------------------------------------------------------------------------


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_cli_import_billing_prints_counts_and_is_idempotent(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_focus(tmp_path / "sept.csv", [focus_row(), focus_row()])
    assert cli.main(["import-billing", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rows read: 2, imported: 2, replaced: 0, skipped as duplicates: 0, rejected: 0" in out
    assert cli.main(["import-billing", str(path)]) == 0
    assert "already imported" in capsys.readouterr().out


def test_cli_import_billing_bad_file_exits_non_zero_and_writes_nothing(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_focus(tmp_path / "bad.csv", [focus_row(), focus_row(BilledCost="1,0")])
    before = counts(cli_db)
    assert cli.main(["import-billing", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "row 3" in err and "BilledCost" in err
    assert counts(cli_db) == before
    assert cli.main(["import-billing", "--lenient", str(path)]) == 0


def test_cli_report_spend_json_and_csv(
    cli_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_focus(
        tmp_path / "s.csv",
        [
            focus_row(BilledCost="0.10", EffectiveCost="0.10"),
            focus_row(BilledCost="0.20", EffectiveCost="-0.05", ServiceName="=cmd|' /C calc'!A0"),
        ],
    )
    assert cli.main(["import-billing", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["report", "spend", "--group-by", "month,provider", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {
            "month": "2026-09",
            "provider": "OpenAI",
            "currency": "USD",
            "billed_cost": "0.30",
            "effective_cost": "0.05",
        }
    ]
    assert cli.main(["report", "spend", "--group-by", "service", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "service,currency,billed_cost,effective_cost"
    assert "'=cmd|' /C calc'!A0,USD,0.20,-0.05" in lines


def test_yearly_budget_period_starts_in_the_budgets_start_month() -> None:
    budget = Budget(
        name="FY",
        scope="team",
        team_id=1,
        period="yearly",
        amount=Decimal(1),
        starts_on=date(2025, 4, 1),
    )
    assert budgets.period_bounds(budget, date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 4, 1))
    assert budgets.period_bounds(budget, date(2026, 4, 1)) == (date(2026, 4, 1), date(2027, 4, 1))
    budget.period = "monthly"
    assert budgets.period_bounds(budget, date(2026, 12, 31)) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
