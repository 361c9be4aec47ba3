"""The lead's review board: open work by owner and team, overdue aging, blocked items, and the
weekly completion rate over the last eight weeks, each figure with its drill-down list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import ActionItem, Person, Team
from services.access.access import Actor, require
from services.coordination import actions
from services.core.clock import today as workspace_today
from services.core.memo import Memo, remembered
from services.core.statuses import OPEN_ACTION_STATUSES

AGING_BUCKETS = ("1-7 days", "8-30 days", "over 30 days")
WEEKS = 8


def aging_bucket(due: date | None, today: date) -> str | None:
    if due is None or due >= today:
        return None
    days = (today - due).days
    if days <= 7:
        return AGING_BUCKETS[0]
    if days <= 30:
        return AGING_BUCKETS[1]
    return AGING_BUCKETS[2]


@dataclass(frozen=True)
class OwnerLoad:
    owner: str
    owner_email: str
    team: str
    open: int
    overdue: int
    blocked: int


@dataclass(frozen=True)
class WeekRate:
    week_start: date  # a Monday
    due: int  # items due that week, dropped ones left out
    done: int  # of those, done
    completed: int  # items completed during that week, whatever their due date

    @property
    def rate(self) -> float | None:
        return None if self.due == 0 else self.done / self.due


@dataclass(frozen=True)
class Board:
    owners: list[OwnerLoad]
    teams: dict[str, int]  # team -> open items
    aging: dict[str, int]
    blocked: list[actions.ActionRow]  # the first ``blocked_limit`` by due date
    weeks: list[WeekRate]
    open_total: int
    overdue_total: int
    blocked_total: int


def board(
    db: Database,
    actor: Actor,
    *,
    today: date | None = None,
    blocked_limit: int = 100,
    memo: Memo | None = None,
) -> Board:
    """The board as of ``today``. ``memo``: kept between calls by a caller that asks on every
    rerun, fresh whenever ``version.data_version`` changes; both permissions the board needs are
    checked first either way (a warm memo skips the blocked list's own check)."""
    require(db, actor, "review.read")
    require(db, actor, "actions.read")
    today = today or workspace_today(db)
    return remembered(
        memo, ("board", today, blocked_limit), lambda: _board(db, actor, today, blocked_limit)
    )


def _board(db: Database, actor: Actor, today: date, blocked_limit: int) -> Board:
    is_open = col(ActionItem.status).in_(OPEN_ACTION_STATUSES)
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=WEEKS - 1)
    week_end = this_monday + timedelta(days=7)
    with db.read() as s:
        owner_rows = _owner_rows(s, today)
        overdue_by_day = s.exec(
            select(col(ActionItem.due_date), func.count())
            .where(is_open)
            .where(col(ActionItem.due_date) < today)
            .group_by(col(ActionItem.due_date))
        ).all()
        due_by_day = s.exec(
            select(col(ActionItem.due_date), ActionItem.status, func.count())
            .where(col(ActionItem.due_date) >= first_monday)
            .where(col(ActionItem.due_date) < week_end)
            .where(ActionItem.status != "dropped")
            .group_by(col(ActionItem.due_date), col(ActionItem.status))
        ).all()
        completed_times = s.exec(
            select(ActionItem.completed_at)
            .where(ActionItem.status == "done")
            .where(col(ActionItem.completed_at).is_not(None))
            .where(
                col(ActionItem.completed_at)
                >= datetime.combine(first_monday - timedelta(days=1), time.min, tzinfo=UTC)
            )
            .where(
                col(ActionItem.completed_at)
                < datetime.combine(week_end + timedelta(days=1), time.min, tzinfo=UTC)
            )
        ).all()
    owners, teams = _owner_loads(owner_rows)
    aging = dict.fromkeys(AGING_BUCKETS, 0)
    for due, n in overdue_by_day:
        bucket = aging_bucket(due, today)
        if bucket:
            aging[bucket] += int(n)
    weeks = _week_rates(this_monday, due_by_day, completed_times)
    blocked = actions.list_actions(
        db, actor, today=today, statuses=("blocked",), limit=blocked_limit
    )
    return Board(
        owners=owners,
        teams=dict(sorted(teams.items())),
        aging=aging,
        blocked=blocked,
        weeks=weeks,
        open_total=sum(o.open for o in owners),
        overdue_total=sum(o.overdue for o in owners),
        blocked_total=sum(o.blocked for o in owners),
    )


def _owner_rows(s: Session, today: date) -> Any:
    """(name, email, team, open, overdue, blocked) of open items per owner.

    Counts are grouped in SQL (indexed by status), per owner id on the action item table
    alone; then the few owners are joined (``_owner_loads`` merges owners that show the same
    name, email and team). Only the small groups reach Python.
    """
    overdue_expr = func.sum(
        case(
            (and_(col(ActionItem.due_date).is_not(None), col(ActionItem.due_date) < today), 1),
            else_=0,
        )
    )
    blocked_expr = func.sum(case((col(ActionItem.status) == "blocked", 1), else_=0))
    per_owner = (
        select(
            col(ActionItem.owner_id).label("owner_id"),
            func.count().label("open"),
            overdue_expr.label("overdue"),
            blocked_expr.label("blocked"),
        )
        .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
        .group_by(col(ActionItem.owner_id))
        .subquery()
    )
    return s.exec(
        select(  # type: ignore[call-overload]
            Person.name,
            Person.email,
            Team.name,
            per_owner.c.open,
            per_owner.c.overdue,
            per_owner.c.blocked,
        )
        .select_from(per_owner)
        .join(Person, col(Person.id) == per_owner.c.owner_id, isouter=True)
        .join(Team, col(Team.id) == Person.team_id, isouter=True)
    ).all()


def _owner_loads(owner_rows: Any) -> tuple[list[OwnerLoad], Counter[str]]:
    """Open, overdue and blocked counts per owner (most overdue first) and open items per team."""
    per_owner: dict[tuple[str, str, str], list[int]] = {}
    teams: Counter[str] = Counter()
    for name, email, team, n_open, n_overdue, n_blocked in owner_rows:
        key = (name or "(no owner)", email or "", team or "")
        counts = per_owner.setdefault(key, [0, 0, 0])
        counts[0] += int(n_open)
        counts[1] += int(n_overdue or 0)
        counts[2] += int(n_blocked or 0)
        teams[team or "(no team)"] += int(n_open)
    owners = sorted(
        (
            OwnerLoad(name, email, team, n_open, n_overdue, n_blocked)
            for (name, email, team), (n_open, n_overdue, n_blocked) in per_owner.items()
        ),
        # Who needs a word first: most overdue, then most blocked, then most open.
        key=lambda o: (-o.overdue, -o.blocked, -o.open, o.owner.casefold()),
    )
    return owners, teams


def _week_rates(this_monday: date, due_by_day: Any, completed_times: Any) -> list[WeekRate]:
    """Per week of the last WEEKS: items due, of them done, and items completed that week."""
    weeks: list[WeekRate] = []
    for back in range(WEEKS - 1, -1, -1):
        start = this_monday - timedelta(weeks=back)
        end = start + timedelta(days=7)
        in_week = [
            (st, int(n)) for due, st, n in due_by_day if due is not None and start <= due < end
        ]
        completed = sum(1 for at in completed_times if at and start <= at.date() < end)
        weeks.append(
            WeekRate(
                start,
                sum(n for _, n in in_week),
                sum(n for st, n in in_week if st == "done"),
                completed,
            )
        )
    return weeks


def drill_down(
    db: Database,
    actor: Actor,
    *,
    owner_email: str | None = None,
    team: str | None = None,
    aging: str | None = None,
    blocked: bool = False,
    today: date | None = None,
    limit: int = 100_000,
) -> list[actions.ActionRow]:
    """The open items behind one figure of the board (at most ``limit``, by due date)."""
    require(db, actor, "review.read")
    today = today or workspace_today(db)
    statuses: tuple[str, ...] = ("blocked",) if blocked else OPEN_ACTION_STATUSES
    return actions.list_actions(
        db,
        actor,
        today=today,
        statuses=statuses,
        exact_owner_email=owner_email,
        team_name=team,
        due_range=_aging_range(aging, today) if aging is not None else None,
        limit=limit,
    )


def _aging_range(bucket: str, today: date) -> tuple[date | None, date]:
    """Due dates [low, high) of one aging bucket (low None: no lower bound)."""
    if bucket == AGING_BUCKETS[0]:
        return today - timedelta(days=7), today
    if bucket == AGING_BUCKETS[1]:
        return today - timedelta(days=30), today - timedelta(days=7)
    if bucket == AGING_BUCKETS[2]:
        return None, today - timedelta(days=30)
    return today, today  # an unknown bucket matches nothing
