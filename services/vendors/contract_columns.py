"""Contracts read as columns, not ORM objects, for lists of every contract.

Building thousands of ``Contract`` instances (identity map, instance state, pydantic set-up)
cost more than the query: at 2,000 contracts, a third of the Contracts & renewals page. A
list only reads, so it takes the columns a view needs into a plain frozen record.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlmodel import Session, col

from db.engine import Database
from db.models import AuditEvent, Contract, Person, RenewalDecision, Vendor
from services.core.versions import read_version, shape, top_id


class ContractFacts(NamedTuple):
    """The columns of one contract that ``contracts.view_of`` reads (a named tuple: built
    from a row at C speed, where a frozen dataclass sets each field through a call)."""

    id: int
    vendor_id: int
    title: str
    start_date: date
    initial_term_months: int
    renewal_type: str
    renewal_period_months: int | None
    notice_days: int
    value: Decimal | None
    currency: str
    billing_period: str
    committed_amount: Decimal | None
    prepaid_amount: Decimal | None
    owner_id: int | None
    document_url: str | None
    sla_hours: int | None
    escalation_path: str | None
    previous_contract_id: int | None
    cancelled: bool
    notes: str
    version: int


COLUMNS = ContractFacts._fields


def contract_facts(
    session: Session, *, vendor_id: int | None = None, include_cancelled: bool = True
) -> list[tuple[ContractFacts, str]]:
    """Every contract (of one vendor, live ones only when asked) with its vendor's name."""
    query = select(*(getattr(Contract, name) for name in COLUMNS), col(Vendor.name)).join(
        Vendor, col(Vendor.id) == Contract.vendor_id
    )
    if vendor_id is not None:
        query = query.where(col(Contract.vendor_id) == vendor_id)
    if not include_cancelled:
        query = query.where(col(Contract.cancelled).is_(False))
    return [(ContractFacts._make(row[:-1]), row[-1]) for row in session.execute(query)]


class DecisionFacts(NamedTuple):
    """One renewal decision's columns."""

    id: int
    contract_id: int
    term_end: date
    decision: str
    note: str
    decided_by: str
    decided_at: datetime


DECISION_COLUMNS = DecisionFacts._fields
# Ids beyond which every decision is read and filtered here: an IN list of 2,000 contract ids
# cost more to bind, send and plan (up to hundreds of ms on Postgres) than reading the
# decisions it would have left out.
IN_LIST_LIMIT = 200


def decisions_of(
    session: Session, contract_ids: Collection[int]
) -> dict[tuple[int, date], DecisionFacts]:
    """The renewal decisions of these contracts, by (contract id, term end)."""
    if not contract_ids:
        return {}
    wanted = set(contract_ids)
    query = select(*(getattr(RenewalDecision, name) for name in DECISION_COLUMNS))
    if len(wanted) <= IN_LIST_LIMIT:
        query = query.where(col(RenewalDecision.contract_id).in_(wanted))
    found = (DecisionFacts._make(row) for row in session.execute(query))
    return {(d.contract_id, d.term_end): d for d in found if d.contract_id in wanted}


def data_version(db: Database) -> tuple[int, ...]:
    """Changes whenever a contract list or its renewals would read differently: a memo key.

    Contracts, vendors and people bump ``version`` on every edit, and rows come and go with
    their count and top id. A renewal decision is changed in place without a version, but every
    change, like every other service write, records an audit event, whose top id moves with it.
    One statement, so a page pays one round trip for it.
    """

    return read_version(
        db,
        [
            *shape(Contract),
            *shape(Vendor),
            *shape(Person),
            *shape(RenewalDecision, versioned=False),
            top_id(AuditEvent),
        ],
    )
