"""The Today page's figures: what needs attention across the whole workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    ActionItem,
    Budget,
    CostRollup,
    Meeting,
    Person,
    SupportTicket,
    Vendor,
)
from services.access.access import Actor, can, require
from services.core.memo import Memo, remembered
from services.core.money import totals_by_currency
from services.core.statuses import OPEN_ACTION_STATUSES, OPEN_TICKET_STATUSES
from services.vendors.contract_columns import ContractFacts, contract_facts, decisions_of
from services.vendors.terms import terms_of

DEADLINE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    vendor: str
    contract: str
    deadline: date
    days_left: int


@dataclass(frozen=True)
class MeetingToday:
    id: int
    title: str
    starts_at: datetime


@dataclass
class TodaySummary:
    empty_workspace: bool
    overdue_actions: int | None = None  # the whole team's
    my_overdue_actions: int | None = None  # the signed-in person's own
    meetings_today: list[MeetingToday] | None = None
    undecided_passed: list[Deadline] | None = None  # deadlines passed without a decision
    deadlines: list[Deadline] | None = None
    open_tickets: int | None = None
    spend_mtd: dict[str, Decimal] | None = None
    budget_month: dict[str, Decimal] | None = None
    hidden: list[str] = field(default_factory=list)


def _meetings_today(s: Session, today: date, tz: tzinfo) -> list[MeetingToday]:
    start = datetime.combine(today, time(0, 0), tzinfo=tz).astimezone(UTC)
    rows = s.exec(
        select(Meeting)
        .where(Meeting.status == "scheduled")
        .where(col(Meeting.starts_at) >= start)
        .where(col(Meeting.starts_at) < start + timedelta(days=1))
        .order_by(col(Meeting.starts_at))
    ).all()
    return [MeetingToday(m.id or 0, m.title, m.starts_at) for m in rows]


def _passed_without_decision(
    s: Session, rows: Sequence[tuple[ContractFacts, str]], today: date
) -> list[Deadline]:
    """Cancellation deadlines that passed in the last ``DEADLINE_WINDOW_DAYS`` days with no
    renewal decision for their term: the contract renewed (or lapsed) without anyone choosing."""
    since = today - timedelta(days=DEADLINE_WINDOW_DAYS)
    passed = []
    for contract, vendor_name in rows:
        terms = terms_of(contract, since)
        if since <= terms.cancellation_deadline < today:
            passed.append((contract, vendor_name, terms))
    # One read for every passed deadline's decisions, not one per contract.
    decided = decisions_of(s, [c.id for c, _, _ in passed])
    found = [
        Deadline(
            vendor_name,
            contract.title,
            terms.cancellation_deadline,
            (terms.cancellation_deadline - today).days,
        )
        for contract, vendor_name, terms in passed
        if (contract.id, terms.decision_key) not in decided
    ]
    return sorted(found, key=lambda d: d.deadline)


def _deadlines(s: Session, today: date) -> tuple[list[Deadline], list[Deadline]]:
    """Deadlines within ``DEADLINE_WINDOW_DAYS``, and those passed in as many days undecided."""
    rows = contract_facts(s, include_cancelled=False)
    ahead = []
    for contract, vendor_name in rows:
        terms = terms_of(contract, today)
        days = terms.days_to_deadline(today)
        if 0 <= days <= DEADLINE_WINDOW_DAYS:
            ahead.append(Deadline(vendor_name, contract.title, terms.cancellation_deadline, days))
    ahead.sort(key=lambda d: d.deadline)
    return ahead, _passed_without_decision(s, rows, today)


def summary(
    db: Database, actor: Actor, *, today: date, tz: tzinfo = UTC, memo: Memo | None = None
) -> TodaySummary:
    """Figures the actor's role may see; a figure it may not see is None. ``tz``: the
    workspace's zone, which decides which meetings are today's. ``memo``: fresh whenever
    ``contract_columns.data_version`` changes, keeps the deadlines (terms of every contract)
    between visits."""
    require(db, actor, "home.read")
    with db.read() as s:
        # Whether any row exists, not how many: counting 100,000 action items on every visit
        # cost Postgres a scan.
        anything = (
            s.exec(select(Vendor.id).limit(1)).first()
            or s.exec(select(ActionItem.id).limit(1)).first()
        )
        out = TodaySummary(empty_workspace=anything is None)
        if can(actor, "actions.read"):
            out.overdue_actions = s.exec(
                select(func.count())
                .select_from(ActionItem)
                .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
                .where(col(ActionItem.due_date) < today)
            ).one()
            out.my_overdue_actions = s.exec(
                select(func.count())
                .select_from(ActionItem)
                # The owner's ids first (a few people), so the count reads the owner index
                # instead of joining every overdue item to its owner.
                .where(
                    col(ActionItem.owner_id).in_(
                        select(col(Person.id)).where(
                            func.lower(Person.email) == actor.email.casefold()
                        )
                    )
                )
                .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
                .where(col(ActionItem.due_date) < today)
            ).one()
        if can(actor, "meetings.read"):
            out.meetings_today = _meetings_today(s, today, tz)
        if can(actor, "contracts.read"):
            ahead, passed = remembered(
                memo, ("today_deadlines", today), lambda: _deadlines(s, today)
            )
            out.deadlines, out.undecided_passed = list(ahead), list(passed)
        if can(actor, "tickets.read"):
            out.open_tickets = s.exec(
                select(func.count())
                .select_from(SupportTicket)
                .where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
            ).one()
        if can(actor, "spend.read"):
            month_start = today.replace(day=1)
            spent = s.exec(
                # Billed cost, what budgets compare by default (the page says so).
                select(col(CostRollup.currency), col(CostRollup.billed_cost))
                .where(CostRollup.day >= month_start)
                .where(CostRollup.day < today + timedelta(days=1))
            ).all()
            out.spend_mtd = totals_by_currency(spent)
            budgets = s.exec(
                select(col(Budget.currency), col(Budget.amount))
                .where(col(Budget.archived).is_(False))
                .where(Budget.period == "monthly")
                .where(Budget.scope == "team")
                .where(Budget.starts_on <= today)
            ).all()
            out.budget_month = totals_by_currency(budgets)
    return out
