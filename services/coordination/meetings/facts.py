"""Vendor facts: the first agenda item of a vendor meeting, one line per fact Opsdesk holds."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, col, func, select

from db.models import (
    Budget,
    Contract,
    CostRollup,
    SeatPool,
    SupportTicket,
)
from services.core.money import format_money, totals_by_currency
from services.core.statuses import OPEN_TICKET_STATUSES
from services.core.vendor_matching import match_vendor, vendor_names
from services.vendors.terms import terms_of

VENDOR_FACTS_TITLE = "Vendor facts"


def _last_month(today: date) -> tuple[date, date]:
    first_this = today.replace(day=1)
    last_end = first_this - timedelta(days=1)
    return last_end.replace(day=1), first_this


def vendor_facts(session: Session, vendor_id: int, today: date) -> list[str]:
    """One line per fact the other parts of Opsdesk hold about this vendor (only what exists).

    No money: these lines are stored in an agenda item that every attendee sees, and that the
    .ics, the Google invite and Slack carry. ``reading.money_facts`` adds money per reader's role.
    """
    facts: list[str] = []
    contracts = session.exec(
        select(Contract)
        .where(Contract.vendor_id == vendor_id)
        .where(col(Contract.cancelled).is_(False))
    ).all()
    deadlines: list[tuple[int, str]] = []
    for c in contracts:
        try:
            terms = terms_of(c, today)
        except ValueError:
            continue
        days = terms.days_to_deadline(today)
        if days >= 0:
            deadlines.append((days, f"{c.title}: {terms.cancellation_deadline.isoformat()}"))
    if deadlines:
        days, what = min(deadlines)
        facts.append(f"Next cancellation deadline in {days} days ({what})")
    elif contracts:
        facts.append("No upcoming cancellation deadline on the vendor's contracts")

    pools = session.exec(select(SeatPool).where(SeatPool.vendor_id == vendor_id)).all()
    for pool in pools:
        facts.append(
            f"Seats ({pool.product}): {pool.seats_assigned} assigned, "
            f"{pool.seats_active_30d} active in 30 days, of {pool.seats_purchased} bought"
        )

    open_tickets = session.exec(
        select(func.count())
        .select_from(SupportTicket)
        .where(SupportTicket.vendor_id == vendor_id)
        .where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
    ).one()
    facts.append(f"Open vendor tickets: {open_tickets}")

    return facts


def spend_facts(session: Session, vendor_id: int, today: date) -> list[str]:
    """Last month's spend per currency, against the vendor's budget where it has one."""
    # The spend pages' matching rule: publisher, else provider, else invoice issuer.
    facts: list[str] = []
    names = vendor_names(session)
    start, end = _last_month(today)
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(CostRollup.source_name),
            col(CostRollup.provider),
            col(CostRollup.invoice_issuer),
            col(CostRollup.currency),
            col(CostRollup.effective_cost),
        )
        .where(CostRollup.day >= start)
        .where(CostRollup.day < end)
    ).all()
    # Money is summed in Python: SQLite stores it as text.
    spent = totals_by_currency(
        (cur, amount)
        for source, provider, issuer, cur, amount in rows
        if (match_vendor(names, source, provider, issuer) or (None,))[0] == vendor_id
    )
    budgets = session.exec(
        select(Budget)
        .where(Budget.vendor_id == vendor_id)
        .where(col(Budget.archived).is_(False))
        .where(Budget.starts_on < end)
    ).all()
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for b in budgets:
        monthly[b.currency] += b.amount if b.period == "monthly" else b.amount / 12
    label = start.strftime("%B %Y")
    for currency in sorted(set(spent) | set(monthly)):
        spend_text = format_money(spent.get(currency, Decimal(0)), currency)
        if currency in monthly:
            facts.append(
                f"Spend in {label}: {spend_text} against a budget of "
                f"{format_money(monthly[currency], currency)}"
            )
        else:
            facts.append(f"Spend in {label}: {spend_text} (no budget)")
    return facts
