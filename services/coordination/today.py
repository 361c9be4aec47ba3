"""The Today page's figures: what needs attention across the whole workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import col, func, select

from db.engine import Database
from db.models import ActionItem, Budget, Contract, CostRollup, SupportTicket, Vendor
from services.access.access import Actor, can, require
from services.core.money import totals_by_currency
from services.core.statuses import OPEN_ACTION_STATUSES, OPEN_TICKET_STATUSES
from services.vendors.terms import terms_of

DEADLINE_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    vendor: str
    contract: str
    deadline: date
    days_left: int


@dataclass
class TodaySummary:
    empty_workspace: bool
    overdue_actions: int | None = None
    deadlines: list[Deadline] | None = None
    open_tickets: int | None = None
    spend_mtd: dict[str, Decimal] | None = None
    budget_month: dict[str, Decimal] | None = None
    hidden: list[str] = field(default_factory=list)


def summary(db: Database, actor: Actor, *, today: date) -> TodaySummary:
    """Figures the actor's role may see; a figure it may not see is None."""
    require(db, actor, "home.read")
    with db.read() as s:
        vendors = s.exec(select(func.count()).select_from(Vendor)).one()
        actions = s.exec(select(func.count()).select_from(ActionItem)).one()
        out = TodaySummary(empty_workspace=(vendors == 0 and actions == 0))
        if can(actor, "actions.read"):
            out.overdue_actions = s.exec(
                select(func.count())
                .select_from(ActionItem)
                .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
                .where(col(ActionItem.due_date) < today)
            ).one()
        if can(actor, "contracts.read"):
            rows = s.exec(
                select(Contract, Vendor.name)
                .join(Vendor, col(Vendor.id) == Contract.vendor_id)
                .where(col(Contract.cancelled).is_(False))
            ).all()
            out.deadlines = []
            for contract, vendor_name in rows:
                terms = terms_of(contract, today)
                days = terms.days_to_deadline(today)
                if 0 <= days <= DEADLINE_WINDOW_DAYS:
                    out.deadlines.append(
                        Deadline(vendor_name, contract.title, terms.cancellation_deadline, days)
                    )
            out.deadlines.sort(key=lambda d: d.deadline)
        if can(actor, "tickets.read"):
            out.open_tickets = s.exec(
                select(func.count())
                .select_from(SupportTicket)
                .where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
            ).one()
        if can(actor, "spend.read"):
            month_start = today.replace(day=1)
            spent = s.exec(
                select(col(CostRollup.currency), col(CostRollup.effective_cost))
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
