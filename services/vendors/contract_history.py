"""A contract's history: amendments (only ever added) and the chain of contracts it renews."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import col, select

from db.engine import Database
from db.models import Contract, ContractAmendment, Person, Vendor
from services.access import audit
from services.access.access import Actor, can, require
from services.core.clock import today as workspace_today
from services.core.records import InvalidRecord, check_amount, check_text
from services.vendors.contracts import ContractView, view_of


def add_amendment(
    db: Database,
    actor: Actor,
    contract_id: int,
    *,
    effective_date: date,
    summary: str,
    value_change: Decimal | str | None = None,
) -> int:
    """Record a change to a contract. Amendments are only ever added, never edited."""
    require(db, actor, "contracts.edit", record_type="contract", record_id=contract_id)
    change = check_amount(value_change, "value change", allow_negative=True)
    if change is not None:
        require(db, actor, "contracts.values", record_type="contract", record_id=contract_id)
    with db.write() as s:
        if s.get(Contract, contract_id) is None:
            raise InvalidRecord(f"no contract with id {contract_id}")
        row = ContractAmendment(
            contract_id=contract_id,
            effective_date=effective_date,
            summary=check_text(summary, "amendment summary", max_chars=5000),
            value_change=change,
            created_by=actor.email,
        )
        s.add(row)
        s.flush()
        audit.record(s, actor, "amend", "contract", contract_id, after=audit.snapshot(row))
        assert row.id is not None
        return row.id


@dataclass(frozen=True)
class AmendmentRow:
    id: int
    effective_date: date
    summary: str
    value_change: Decimal | None
    created_by: str


@dataclass
class ContractHistory:
    """Renewal history: the chain of previous contracts (newest first) and amendments."""

    contract: ContractView
    previous: list[ContractView] = field(default_factory=list)
    renewed_by: list[ContractView] = field(default_factory=list)
    amendments: list[AmendmentRow] = field(default_factory=list)


def contract_history(
    db: Database, actor: Actor, contract_id: int, *, as_of: date | None = None
) -> ContractHistory:
    require(db, actor, "contracts.read", record_type="contract", record_id=contract_id)
    as_of = as_of or workspace_today(db)
    show_values = can(actor, "contracts.values")
    with db.read() as s:

        def view(c: Contract) -> ContractView:
            vendor = s.get(Vendor, c.vendor_id)
            owner = s.get(Person, c.owner_id) if c.owner_id else None
            return view_of(c, vendor.name if vendor else "?", owner, as_of, show_values)

        c = s.get(Contract, contract_id)
        if c is None:
            raise InvalidRecord(f"no contract with id {contract_id}")
        out = ContractHistory(view(c))
        seen = {c.id}
        prev_id = c.previous_contract_id
        while prev_id is not None and prev_id not in seen:  # guard against a hand-made cycle
            seen.add(prev_id)
            prev = s.get(Contract, prev_id)
            if prev is None:
                break
            out.previous.append(view(prev))
            prev_id = prev.previous_contract_id
        out.renewed_by = [
            view(n)
            for n in s.exec(select(Contract).where(Contract.previous_contract_id == contract_id))
        ]
        out.amendments = [
            AmendmentRow(
                a.id,
                a.effective_date,
                a.summary,
                a.value_change if show_values else None,
                a.created_by,
            )
            for a in s.exec(
                select(ContractAmendment)
                .where(ContractAmendment.contract_id == contract_id)
                .order_by(
                    col(ContractAmendment.effective_date).desc(), col(ContractAmendment.id).desc()
                )
            )
            if a.id is not None
        ]
    return out
