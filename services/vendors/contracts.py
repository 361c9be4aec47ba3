"""Contracts: terms, renewal type, notice, value, and their history (amendments, previous ones).

``current_term_end`` and ``cancellation_deadline`` are never stored: they are computed by
``services.vendors.terms.terms_of`` for an as-of date in the workspace time zone, so they roll
forward on their own as automatically renewing contracts renew. Values (value, committed and
prepaid amounts) are shown only to roles holding ``contracts.values``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from db.engine import Database
from db.models import BILLING_PERIODS as BILLING_PERIODS
from db.models import RENEWAL_TYPES as RENEWAL_TYPES
from db.models import Contract, Person, Vendor
from services.access import audit
from services.access.access import Actor, can, require
from services.core.clock import today as workspace_today
from services.core.memo import Memo, remembered
from services.core.records import (
    InvalidRecord,
    check_amount,
    check_choice,
    check_currency,
    check_person,
    check_text,
    check_version,
    check_web_url,
    locked_get,
    people_by_id,
)
from services.vendors.contract_columns import ContractFacts, contract_facts
from services.vendors.terms import terms_of


@dataclass
class ContractInput:
    """The editable fields of a contract, as a form or an import row gives them."""

    vendor_id: int
    title: str
    start_date: date
    initial_term_months: int
    renewal_type: str = "none"
    renewal_period_months: int | None = None
    notice_days: int = 0
    value: Decimal | None = None
    currency: str = "USD"
    billing_period: str = "yearly"
    committed_amount: Decimal | None = None
    prepaid_amount: Decimal | None = None
    owner_id: int | None = None
    document_url: str | None = None
    sla_hours: int | None = None
    escalation_path: str | None = None
    previous_contract_id: int | None = None
    cancelled: bool = False
    notes: str = ""

    def has_values(self) -> bool:
        return any(v is not None for v in (self.value, self.committed_amount, self.prepaid_amount))


@dataclass(frozen=True)
class ContractView:
    """A contract as the UI and reports show it, with its computed dates."""

    id: int
    vendor_id: int
    vendor_name: str
    title: str
    start_date: date
    initial_term_months: int
    renewal_type: str
    renewal_period_months: int | None
    notice_days: int
    value: Decimal | None  # None also when the actor may not see values
    currency: str
    billing_period: str
    committed_amount: Decimal | None
    prepaid_amount: Decimal | None
    values_hidden: bool
    owner_id: int | None
    owner_name: str | None
    owner_email: str | None
    document_url: str | None
    sla_hours: int | None
    escalation_path: str | None
    previous_contract_id: int | None
    cancelled: bool
    notes: str
    version: int
    as_of: date
    current_term_end: date
    cancellation_deadline: date
    renewals: int
    decision_key: date  # Terms.decision_key: the term end a renewal decision is stored under

    @property
    def days_to_deadline(self) -> int:
        return (self.cancellation_deadline - self.as_of).days

    @property
    def deadline_passed(self) -> bool:
        return self.cancellation_deadline < self.as_of


def view_of(
    c: Contract | ContractFacts,
    vendor_name: str,
    owner: Person | None,
    as_of: date,
    show_values: bool,
) -> ContractView:
    assert c.id is not None
    t = terms_of(c, as_of)
    return ContractView(
        id=c.id,
        vendor_id=c.vendor_id,
        vendor_name=vendor_name,
        title=c.title,
        start_date=c.start_date,
        initial_term_months=c.initial_term_months,
        renewal_type=c.renewal_type,
        renewal_period_months=c.renewal_period_months,
        notice_days=c.notice_days,
        value=c.value if show_values else None,
        currency=c.currency,
        billing_period=c.billing_period,
        committed_amount=c.committed_amount if show_values else None,
        prepaid_amount=c.prepaid_amount if show_values else None,
        values_hidden=not show_values,
        owner_id=c.owner_id,
        owner_name=owner.name if owner else None,
        owner_email=owner.email if owner else None,
        document_url=c.document_url,
        sla_hours=c.sla_hours,
        escalation_path=c.escalation_path,
        previous_contract_id=c.previous_contract_id,
        cancelled=c.cancelled,
        notes=c.notes,
        version=c.version,
        as_of=as_of,
        current_term_end=t.current_term_end,
        cancellation_deadline=t.cancellation_deadline,
        renewals=t.renewals,
        decision_key=t.decision_key,
    )


def _validate(s: Session, data: ContractInput, contract_id: int | None) -> dict[str, object]:
    if s.get(Vendor, data.vendor_id) is None:
        raise InvalidRecord(f"unknown vendor id {data.vendor_id}")
    if not isinstance(data.start_date, date):
        raise InvalidRecord("start date must be a date")
    renewal_type = check_choice(data.renewal_type, RENEWAL_TYPES, "renewal type")
    if int(data.initial_term_months) <= 0:
        raise InvalidRecord("initial term must be at least one month")
    period = data.renewal_period_months
    if period is not None and int(period) <= 0:
        period = None
    if renewal_type == "auto" and period is None:
        raise InvalidRecord("an automatically renewing contract needs a renewal period in months")
    if int(data.notice_days) < 0:
        raise InvalidRecord("notice period cannot be negative")
    if data.sla_hours is not None and int(data.sla_hours) <= 0:
        raise InvalidRecord("SLA hours must be positive")
    previous = data.previous_contract_id
    if previous is not None:
        if previous == contract_id:
            raise InvalidRecord("a contract cannot be its own previous contract")
        if s.get(Contract, previous) is None:
            raise InvalidRecord(f"unknown previous contract id {previous}")
    return {
        "vendor_id": data.vendor_id,
        "title": check_text(data.title, "contract title"),
        "start_date": data.start_date,
        "initial_term_months": int(data.initial_term_months),
        "renewal_type": renewal_type,
        "renewal_period_months": None if period is None else int(period),
        "notice_days": int(data.notice_days),
        "currency": check_currency(data.currency),
        "billing_period": check_choice(data.billing_period, BILLING_PERIODS, "billing period"),
        "owner_id": check_person(s, data.owner_id),
        "document_url": check_web_url(data.document_url, "document link"),
        "sla_hours": None if data.sla_hours is None else int(data.sla_hours),
        "escalation_path": (data.escalation_path or "").strip() or None,
        "previous_contract_id": previous,
        "cancelled": bool(data.cancelled),
        "notes": data.notes or "",
    }


def _values(data: ContractInput) -> dict[str, object]:
    return {
        "value": check_amount(data.value, "value"),
        "committed_amount": check_amount(data.committed_amount, "committed amount"),
        "prepaid_amount": check_amount(data.prepaid_amount, "prepaid amount"),
    }


def new_contract(s: Session, actor: Actor, data: ContractInput) -> Contract:
    """Validate and add a contract inside an open write session (used by imports too)."""
    fields = _validate(s, data, None)
    if can(actor, "contracts.values"):
        fields |= _values(data)
    elif data.has_values():
        raise InvalidRecord("your role cannot set contract values")
    contract = Contract(**fields)  # type: ignore[arg-type]
    s.add(contract)
    s.flush()
    audit.record(s, actor, "create", "contract", contract.id, after=audit.snapshot(contract))
    return contract


def create_contract(db: Database, actor: Actor, data: ContractInput) -> int:
    require(db, actor, "contracts.edit", record_type="contract")
    if data.has_values():
        require(db, actor, "contracts.values", record_type="contract")
    with db.write() as s:
        contract = new_contract(s, actor, data)
        assert contract.id is not None
        return contract.id


def update_contract(
    db: Database, actor: Actor, contract_id: int, data: ContractInput, *, expected_version: int
) -> None:
    """Save a contract form; refused when it changed since the form read ``expected_version``.

    A role without ``contracts.values`` never sees the values, so its form cannot carry them:
    they are kept as stored (and setting one is refused).
    """
    require(db, actor, "contracts.edit", record_type="contract", record_id=contract_id)
    show_values = can(actor, "contracts.values")
    if data.has_values() and not show_values:
        require(db, actor, "contracts.values", record_type="contract", record_id=contract_id)
    with db.write() as s:
        contract: Contract = locked_get(s, Contract, contract_id, "contract")
        check_version(contract, expected_version, "contract")
        fields = _validate(s, data, contract_id)
        if show_values:
            fields |= _values(data)
        audit.apply_change(s, actor, contract, "contract", fields)


def get_contract(
    db: Database, actor: Actor, contract_id: int, *, as_of: date | None = None
) -> ContractView:
    require(db, actor, "contracts.read", record_type="contract", record_id=contract_id)
    as_of = as_of or workspace_today(db)
    with db.read() as s:
        c = s.get(Contract, contract_id)
        if c is None:
            raise InvalidRecord(f"no contract with id {contract_id}")
        vendor = s.get(Vendor, c.vendor_id)
        owner = s.get(Person, c.owner_id) if c.owner_id else None
        return view_of(
            c, vendor.name if vendor else "?", owner, as_of, can(actor, "contracts.values")
        )


def list_contracts(
    db: Database,
    actor: Actor,
    *,
    vendor_id: int | None = None,
    as_of: date | None = None,
    include_cancelled: bool = True,
    memo: Memo | None = None,
) -> list[ContractView]:
    """Contracts with their computed dates, sorted by cancellation deadline.

    ``memo``: kept between calls by a caller that asks on every rerun, fresh whenever
    ``contract_columns.data_version`` changes; the permission is checked first either way, and
    whether money is shown is part of the key.
    """
    require(db, actor, "contracts.read", record_type="contract")
    as_of = as_of or workspace_today(db)
    show_values = can(actor, "contracts.values")
    return list(
        remembered(
            memo,
            ("contracts", vendor_id, as_of, include_cancelled, show_values),
            lambda: _contract_views(db, vendor_id, as_of, include_cancelled, show_values),
        )
    )


def _contract_views(
    db: Database, vendor_id: int | None, as_of: date, include_cancelled: bool, show_values: bool
) -> list[ContractView]:
    with db.read() as s:
        rows = contract_facts(s, vendor_id=vendor_id, include_cancelled=include_cancelled)
        owners = people_by_id(s, {c.owner_id for c, _ in rows})
    views = [
        view_of(c, name, owners.get(c.owner_id) if c.owner_id else None, as_of, show_values)
        for c, name in rows
    ]
    return sorted(views, key=lambda v: (v.cancellation_deadline, v.vendor_name.lower(), v.id))
