"""The lead's review board: open work by owner and team, overdue aging, blocked items, and the
weekly completion rate over the last eight weeks, each figure with its drill-down list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from db.engine import Database
from services import actions
from services.access import Actor, require
from services.clock import today as workspace_today

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


@dataclass
class Board:
    owners: list[OwnerLoad]
    teams: dict[str, int]  # team -> open items
    aging: dict[str, int]
    blocked: list[actions.ActionRow]
    weeks: list[WeekRate]
    open_total: int
    overdue_total: int


def board(db: Database, actor: Actor, *, today: date | None = None) -> Board:
    require(db, actor, "review.read")
    today = today or workspace_today()
    rows = actions.list_actions(db, actor, today=today, limit=100_000)
    open_rows = [r for r in rows if r.status in actions.OPEN_STATUSES]
    per_owner: dict[tuple[str, str, str], list[actions.ActionRow]] = {}
    for r in open_rows:
        per_owner.setdefault((r.owner or "(no owner)", r.owner_email, r.team), []).append(r)
    owners = sorted(
        (
            OwnerLoad(
                name,
                email,
                team,
                len(items),
                sum(i.overdue for i in items),
                sum(i.status == "blocked" for i in items),
            )
            for (name, email, team), items in per_owner.items()
        ),
        key=lambda o: (-o.overdue, -o.open, o.owner.casefold()),
    )
    teams = Counter(r.team or "(no team)" for r in open_rows)
    aging = dict.fromkeys(AGING_BUCKETS, 0)
    for r in open_rows:
        bucket = aging_bucket(r.due_date, today)
        if bucket:
            aging[bucket] += 1
    this_monday = today - timedelta(days=today.weekday())
    weeks: list[WeekRate] = []
    for back in range(WEEKS - 1, -1, -1):
        start = this_monday - timedelta(weeks=back)
        end = start + timedelta(days=7)
        due_rows = [
            r for r in rows if r.due_date and start <= r.due_date < end and r.status != "dropped"
        ]
        completed = sum(
            1
            for r in rows
            if r.status == "done" and r.completed_at and start <= r.completed_at.date() < end
        )
        weeks.append(
            WeekRate(start, len(due_rows), sum(r.status == "done" for r in due_rows), completed)
        )
    return Board(
        owners=owners,
        teams=dict(sorted(teams.items())),
        aging=aging,
        blocked=[r for r in open_rows if r.status == "blocked"],
        weeks=weeks,
        open_total=len(open_rows),
        overdue_total=sum(r.overdue for r in open_rows),
    )


def drill_down(
    db: Database,
    actor: Actor,
    *,
    owner_email: str | None = None,
    team: str | None = None,
    aging: str | None = None,
    blocked: bool = False,
    today: date | None = None,
) -> list[actions.ActionRow]:
    """The open items behind one figure of the board."""
    require(db, actor, "review.read")
    today = today or workspace_today()
    rows = [
        r
        for r in actions.list_actions(db, actor, today=today, limit=100_000)
        if r.status in actions.OPEN_STATUSES
    ]
    if owner_email is not None:
        rows = [r for r in rows if r.owner_email == owner_email]
    if team is not None:
        rows = [r for r in rows if (r.team or "(no team)") == team]
    if aging is not None:
        rows = [r for r in rows if aging_bucket(r.due_date, today) == aging]
    if blocked:
        rows = [r for r in rows if r.status == "blocked"]
    return rows
