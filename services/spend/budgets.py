"""Budgets per team or vendor, monthly or yearly, with alert thresholds.

Actual spend is the billed cost (what the invoices charge) in the budget's currency, unless the
budget's ``cost_basis`` says effective cost; other currencies are never converted or added.
A team budget counts cost lines whose team (from the configured tag keys) equals the team's
name, casefolded; a vendor budget counts lines matched to the vendor through its name or
aliases.

Forecast to period end: once ``FORECAST_MIN_DAYS`` of the period have passed, spend so far ÷ days
elapsed × days in the period (the period's run rate). Earlier, a run rate over one or two days
is noise (the 1st's spend × 31), so the forecast is spend so far + the average daily spend of the
last ``TRAILING_DAYS`` days × the days left. Each status says which it used.

Crossing a threshold queues one Notification (outbox) per budget, period, threshold and channel:
the dedupe key ``budget:<id>:<period start>:<pct>:slack`` makes a second check a no-op. Only the
period containing today is checked, so importing last year's history alerts nobody.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Budget, Team, User, Vendor
from services.access import audit
from services.access.access import Actor, require
from services.core.clock import session_today
from services.core.money import exact_sum, format_money, round_to
from services.delivery import outbox
from services.spend.budget_fields import clean_fields, parse_thresholds
from services.spend.period_totals import FreshRollups, Total, TotalsMemo, memoised_period_totals
from settings import get_settings

FORECAST_MIN_DAYS = 7  # days of the period before its own run rate is used
TRAILING_DAYS = 30  # the window the forecast uses before that
NOTIFY_CHANNEL = "slack"


def period_bounds(budget: Budget, day: date) -> tuple[date, date]:
    """The budget period containing ``day``: [start, end) as dates."""
    if budget.period == "yearly":
        start = date(day.year, budget.starts_on.month, 1)
        if start > day:
            start = date(day.year - 1, budget.starts_on.month, 1)
        return start, date(start.year + 1, start.month, 1)
    start = date(day.year, day.month, 1)
    end = date(day.year + (day.month // 12), day.month % 12 + 1, 1)
    return start, end


@dataclass
class BudgetStatus:
    budget: Budget
    target: str  # team or vendor name
    period_start: date
    period_end: date  # exclusive
    actual: Decimal
    forecast: Decimal
    percent: Decimal  # actual / amount × 100
    crossed: list[int]
    forecast_method: str = ""  # how the forecast was made, in words


def _read_key(budget: Budget, today: date) -> tuple[date, date, str]:
    start, end = period_bounds(budget, today)
    return start, end, budget.cost_basis or "billed"


def _trailing_key(budget: Budget, today: date) -> tuple[date, date, str]:
    return today - timedelta(days=TRAILING_DAYS - 1), today + timedelta(days=1), budget.cost_basis


def forecast(
    actual: Decimal, trailing: Decimal, start: date, end: date, today: date
) -> tuple[Decimal, str]:
    """The forecast to period end and how it was made (see the module docstring)."""
    days_total = (end - start).days
    elapsed = min(max((today - start).days + 1, 1), days_total)
    left = days_total - elapsed
    if elapsed >= FORECAST_MIN_DAYS:
        return actual / elapsed * days_total, f"run rate of the {elapsed} days so far"
    daily = trailing / TRAILING_DAYS
    return (
        actual + daily * left,
        f"spend so far + the last {TRAILING_DAYS} days' daily average × {left} days left",
    )


def _target_costs(
    budget: Budget, names: Mapping[tuple[str, int | None], str], read: list[Total]
) -> tuple[str, list[Decimal]]:
    """The budget's target name and costs; ``read``: the totals of the budget's period."""
    rows = [r for r in read if r[2] == budget.currency]
    if budget.scope == "team":
        name = names.get(("team", budget.team_id), "?")
        folded = name.casefold()
        return name, [r[3] for r in rows if r[1].casefold() == folded]
    name = names.get(("vendor", budget.vendor_id), "?")
    return name, [r[3] for r in rows if r[0] == budget.vendor_id]


def _target_names(session: Session, budgets: Sequence[Budget]) -> dict[tuple[str, int | None], str]:
    """The name of every team and vendor the budgets are for, read at once: asking the session
    for each budget's target went back to the database every time (its map holds no object
    nobody references)."""
    team_ids = {b.team_id for b in budgets if b.scope == "team" and b.team_id is not None}
    vendor_ids = {b.vendor_id for b in budgets if b.scope != "team" and b.vendor_id is not None}
    names: dict[tuple[str, int | None], str] = {}
    if team_ids:
        for team_id, name in session.exec(
            select(col(Team.id), col(Team.name)).where(col(Team.id).in_(team_ids))
        ):
            names["team", team_id] = name
    if vendor_ids:
        for vendor_id, name in session.exec(
            select(col(Vendor.id), col(Vendor.name)).where(col(Vendor.id).in_(vendor_ids))
        ):
            names["vendor", vendor_id] = name
    return names


def _status(
    budget: Budget,
    names: Mapping[tuple[str, int | None], str],
    today: date,
    read: list[Total],
    trailing: list[Total],
) -> BudgetStatus:
    start, end = period_bounds(budget, today)
    target, costs = _target_costs(budget, names, read)
    actual = exact_sum(costs)
    _name, recent = _target_costs(budget, names, trailing)
    expected, method = forecast(actual, exact_sum(recent), start, end, today)
    percent = (actual / budget.amount * 100) if budget.amount > 0 else Decimal(0)
    crossed = [t for t in parse_thresholds(budget.thresholds) if percent >= t]
    return BudgetStatus(
        budget,
        target,
        start,
        end,
        actual,
        round_to(expected, Decimal("0.01")),
        round_to(percent, Decimal("0.1")),
        crossed,
        method,
    )


def forecast_methods(statuses: Sequence[BudgetStatus]) -> list[str]:
    """The ways the forecasts shown were made, each once."""
    return sorted({s.forecast_method for s in statuses if s.forecast_method})


def budget_statuses(
    db: Database, actor: Actor, *, today: date, memo: TotalsMemo | None = None
) -> list[BudgetStatus]:
    """Each active budget's current period: actual, forecast and thresholds crossed. ``memo``:
    see ``period_totals.memoised_period_totals``; budgets themselves are read every time."""
    require(db, actor, "spend.read", record_type="budget")
    with db.read() as session:
        budgets = session.exec(
            select(Budget).where(col(Budget.archived).is_(False)).order_by(col(Budget.name))
        ).all()
        return _statuses(session, budgets, today, memo)


def _statuses(
    session: Session,
    budgets: Sequence[Budget],
    today: date,
    memo: TotalsMemo | None = None,
    fresh: FreshRollups | None = None,
) -> list[BudgetStatus]:
    """The status of each budget already started, with one read per distinct period (this
    month, this budget year) rather than one per budget."""
    current = [b for b in budgets if b.starts_on <= today]
    windows: dict[tuple[date, date, str], list[Budget]] = {}
    for budget in current:
        windows.setdefault(_read_key(budget, today), []).append(budget)
        if (today - period_bounds(budget, today)[0]).days + 1 < FORECAST_MIN_DAYS:
            windows.setdefault(_trailing_key(budget, today), []).append(budget)
    reads = {
        (start, end, basis): memoised_period_totals(
            session, start, end, frozenset(b.currency for b in members), basis, memo, fresh
        )
        for (start, end, basis), members in windows.items()
    }
    names = _target_names(session, current)
    return [
        _status(
            b,
            names,
            today,
            reads[_read_key(b, today)],
            reads.get(_trailing_key(b, today), []),
        )
        for b in current
    ]


def list_budgets(db: Database, actor: Actor, *, include_archived: bool = False) -> list[Budget]:
    require(db, actor, "spend.read", record_type="budget")
    with db.read() as session:
        query = select(Budget).order_by(col(Budget.name))
        if not include_archived:
            query = query.where(col(Budget.archived).is_(False))
        return list(session.exec(query).all())


def create_budget(db: Database, actor: Actor, **values: Any) -> Budget:
    """Create a budget from the allowed fields only; anything else is refused."""
    require(db, actor, "budgets.edit", record_type="budget")
    allowed = {
        "name",
        "scope",
        "period",
        "amount",
        "currency",
        "thresholds",
        "starts_on",
        "team_id",
        "vendor_id",
        "cost_basis",
    }
    extra = sorted(set(values) - allowed)
    if extra:
        raise ValueError(f"unknown budget field(s): {', '.join(extra)}")
    clean = clean_fields(values)
    with db.write() as session:
        budget = Budget(**clean)
        session.add(budget)
        session.flush()
        audit.record(session, actor, "create", "budget", budget.id, after=audit.snapshot(budget))
        queue_threshold_notifications(session)
        return budget


def update_budget(
    db: Database, actor: Actor, budget_id: int, version: int, **values: Any
) -> Budget:
    """Change amount, thresholds, currency, period or name; refuses a stale form."""
    require(db, actor, "budgets.edit", record_type="budget", record_id=budget_id)
    with db.write() as session:
        budget = session.get(Budget, budget_id)
        if budget is None:
            raise ValueError(f"no budget #{budget_id}")
        if budget.version != version:
            raise ValueError("this budget changed since you opened it; reload and try again")
        clean = clean_fields({**budget.model_dump(), **values})
        changed = {k: v for k, v in clean.items() if getattr(budget, k) != v}
        if not changed:  # a form saved as it was opened: no new version, no audit row
            return budget
        audit.apply_change(session, actor, budget, "budget", changed)
        queue_threshold_notifications(session)
        return budget


def archive_budget(db: Database, actor: Actor, budget_id: int) -> None:
    require(db, actor, "budgets.edit", record_type="budget", record_id=budget_id)
    with db.write() as session:
        budget = session.get(Budget, budget_id)
        if budget is None:
            raise ValueError(f"no budget #{budget_id}")
        audit.apply_change(session, actor, budget, "budget", {"archived": True}, action="archive")


def _alert_recipients(session: Session) -> list[str]:
    """The default Slack channel when one is set, else every active finance user (by DM)."""
    channel = get_settings().slack_default_channel
    if channel:
        return [channel]
    return list(
        session.exec(
            select(User.email)
            .where(User.role == "finance")
            .where(col(User.active).is_(True))
            .order_by(col(User.email))
        )
    )


def queue_threshold_notifications(
    session: Session,
    *,
    today: date | None = None,
    days: tuple[date, date] | None = None,
    fresh: FreshRollups | None = None,
) -> int:
    """Queue one outbox row per newly crossed threshold and recipient; returns how many.

    ``days``: the first and last day of the costs just written. A threshold is crossed by the
    actual cost of the current period alone, so only budgets whose period overlaps those days
    can have crossed a new one (last month's export leaves this month's budgets alone, and
    reading their totals was a twentieth of a large import). ``fresh``: the rollups just
    written, summed from memory (``period_totals``).
    """
    day = today or session_today(session)
    budgets = [
        b
        for b in session.exec(select(Budget).where(col(Budget.archived).is_(False))).all()
        if days is None or _overlaps(period_bounds(b, day), days)
    ]
    if not budgets:
        return 0
    recipients = _alert_recipients(session)
    queued = 0
    for status in _statuses(session, budgets, day, fresh=fresh):
        budget = status.budget
        assert budget.id is not None
        for pct in status.crossed:
            for recipient in recipients:
                queued += outbox.enqueue(
                    session,
                    kind="budget_threshold",
                    record_type="budget",
                    record_id=budget.id,
                    occurrence=f"{status.period_start.isoformat()}:{pct}:{recipient}",
                    channel=NOTIFY_CHANNEL,
                    recipient=recipient,
                    subject=f"Budget {budget.name} passed {pct}%",
                    body=(
                        f"{status.target}: {format_money(status.actual, budget.currency)} of "
                        f"{format_money(budget.amount, budget.currency)} "
                        f"({status.percent}%) in the {budget.period} period from "
                        f"{status.period_start.isoformat()}; forecast to period end "
                        f"{format_money(status.forecast, budget.currency)}."
                    ),
                    payload={
                        "budget_id": budget.id,
                        "threshold": pct,
                        "period_start": status.period_start.isoformat(),
                        "actual": format(status.actual, "f"),
                        "amount": format(budget.amount, "f"),
                        "currency": budget.currency,
                    },
                )
    return queued


def _overlaps(period: tuple[date, date], days: tuple[date, date]) -> bool:
    start, end = period  # [start, end)
    return days[0] < end and days[1] >= start


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def budget_targets(db: Database, actor: Actor) -> tuple[dict[int, str], dict[int, str]]:
    """Teams and vendors a budget can be for: (team id -> name, vendor id -> name)."""
    require(db, actor, "spend.read", record_type="budget")
    with db.read() as session:
        teams = {
            t.id: t.name
            for t in session.exec(select(Team).where(col(Team.archived).is_(False)))
            if t.id is not None
        }
        vendors = {v.id: v.name for v in session.exec(select(Vendor)) if v.id is not None}
    return dict(sorted(teams.items(), key=lambda kv: kv[1])), dict(
        sorted(vendors.items(), key=lambda kv: kv[1])
    )
