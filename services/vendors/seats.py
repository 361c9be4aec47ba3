"""Licence seat pools: how many seats are paid for, assigned and used, and what the unused cost.

Unused seats are paid seats not active in the last 30 days (purchased - active). Their monthly
cost normalises the unit price to a month by the pool's billing period (quarterly / 3, yearly /
12; a one-time price has no monthly cost) in exact Decimal arithmetic. A pool is flagged when
its free seats (purchased - assigned) are at or below its ``low_free_seats`` threshold.

Seat money (unit price, unused cost) is a contract value: only roles holding
``contracts.values`` see it. For the others the view carries ``None``, and their saves keep the
stored price (setting one is refused), as contract forms do.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import BILLING_PERIODS as BILLING_PERIODS
from db.models import Contract, SeatPool, Vendor
from services.access import audit
from services.access.access import Actor, can, require
from services.core.records import (
    InvalidRecord,
    check_amount,
    check_choice,
    check_currency,
    check_text,
    check_version,
    locked_get,
)

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}


def monthly_unit_price(unit_price: Decimal, billing_period: str) -> Decimal:
    """The unit price per month; one-time prices have no monthly cost (zero)."""
    months = MONTHS_PER_PERIOD.get(billing_period)
    if months is None:
        return Decimal("0")
    return unit_price / months


@dataclass
class SeatPoolInput:
    vendor_id: int
    product: str
    seats_purchased: int
    seats_assigned: int = 0
    seats_active_30d: int = 0
    unit_price: Decimal | None = Decimal("0")  # None: not given (kept on update, 0 on create)
    currency: str = "USD"
    billing_period: str = "monthly"
    low_free_seats: int = 2
    contract_id: int | None = None


@dataclass(frozen=True)
class SeatPoolView:
    id: int
    vendor_id: int
    vendor_name: str
    contract_id: int | None
    product: str
    seats_purchased: int
    seats_assigned: int
    seats_active_30d: int
    unit_price: Decimal | None  # None: the reader's role may not see money
    currency: str
    billing_period: str
    low_free_seats: int
    version: int

    @property
    def free_seats(self) -> int:
        return self.seats_purchased - self.seats_assigned

    @property
    def unused_seats(self) -> int:
        return max(0, self.seats_purchased - self.seats_active_30d)

    @property
    def utilisation(self) -> Decimal | None:
        """Active seats per purchased seat, 0..1 (None for a pool with no seats)."""
        if self.seats_purchased == 0:
            return None
        return Decimal(self.seats_active_30d) / Decimal(self.seats_purchased)

    @property
    def assigned_share(self) -> Decimal | None:
        if self.seats_purchased == 0:
            return None
        return Decimal(self.seats_assigned) / Decimal(self.seats_purchased)

    @property
    def monthly_unused_cost(self) -> Decimal | None:
        # Multiply before dividing so whole-month results stay exact (3 x 120 / 12 = 30).
        if self.unit_price is None:
            return None
        months = MONTHS_PER_PERIOD.get(self.billing_period)
        if months is None:
            return Decimal("0")
        return self.unused_seats * self.unit_price / months

    @property
    def low_free(self) -> bool:
        return self.free_seats <= self.low_free_seats


def _view(p: SeatPool, vendor_name: str, show_money: bool) -> SeatPoolView:
    assert p.id is not None
    return SeatPoolView(
        p.id,
        p.vendor_id,
        vendor_name,
        p.contract_id,
        p.product,
        p.seats_purchased,
        p.seats_assigned,
        p.seats_active_30d,
        p.unit_price if show_money else None,
        p.currency,
        p.billing_period,
        p.low_free_seats,
        p.version,
    )


def list_seat_pools(
    db: Database, actor: Actor, *, vendor_id: int | None = None
) -> list[SeatPoolView]:
    require(db, actor, "seats.read", record_type="seat_pool")
    show_money = can(actor, "contracts.values")
    with db.read() as s:
        query = (
            select(SeatPool, Vendor.name)
            .join(Vendor, col(Vendor.id) == SeatPool.vendor_id)
            .order_by(func.lower(Vendor.name), SeatPool.product)
        )
        if vendor_id is not None:
            query = query.where(SeatPool.vendor_id == vendor_id)
        return [_view(p, name, show_money) for p, name in s.exec(query)]


def _fields(s: Session, data: SeatPoolInput, *, with_price: bool = True) -> dict[str, object]:
    if s.get(Vendor, data.vendor_id) is None:
        raise InvalidRecord(f"unknown vendor id {data.vendor_id}")
    if data.contract_id is not None:
        contract = s.get(Contract, data.contract_id)
        if contract is None or contract.vendor_id != data.vendor_id:
            raise InvalidRecord(f"contract {data.contract_id} is not a contract of this vendor")
    counts = {
        "seats purchased": data.seats_purchased,
        "seats assigned": data.seats_assigned,
        "seats active in the last 30 days": data.seats_active_30d,
        "low free seats threshold": data.low_free_seats,
    }
    for what, n in counts.items():
        if int(n) < 0:
            raise InvalidRecord(f"{what} cannot be negative")
    price = check_amount(data.unit_price, "unit price")
    fields: dict[str, object] = {
        "vendor_id": data.vendor_id,
        "contract_id": data.contract_id,
        "product": check_text(data.product, "product"),
        "seats_purchased": int(data.seats_purchased),
        "seats_assigned": int(data.seats_assigned),
        "seats_active_30d": int(data.seats_active_30d),
        "unit_price": Decimal("0") if price is None else price,
        "currency": check_currency(data.currency),
        "billing_period": check_choice(data.billing_period, BILLING_PERIODS, "billing period"),
        "low_free_seats": int(data.low_free_seats),
    }
    if not with_price:
        del fields["unit_price"]
    return fields


def _check_money(db: Database, actor: Actor, data: SeatPoolInput, pool_id: int | None) -> bool:
    """Whether the save carries a price; refused (and audited) for a role that cannot see one."""
    if can(actor, "contracts.values"):
        return data.unit_price is not None
    if data.unit_price:  # a form without money sends None; zero changes nothing either
        require(db, actor, "contracts.values", record_type="seat_pool", record_id=pool_id)
    return False


def new_seat_pool(s: Session, actor: Actor, data: SeatPoolInput) -> SeatPool:
    pool = SeatPool(**_fields(s, data))  # type: ignore[arg-type]
    s.add(pool)
    s.flush()
    audit.record(s, actor, "create", "seat_pool", pool.id, after=audit.snapshot(pool))
    return pool


def create_seat_pool(db: Database, actor: Actor, data: SeatPoolInput) -> int:
    require(db, actor, "seats.edit", record_type="seat_pool")
    _check_money(db, actor, data, None)
    with db.write() as s:
        pool = new_seat_pool(s, actor, data)
        assert pool.id is not None
        return pool.id


def update_seat_pool(
    db: Database, actor: Actor, pool_id: int, data: SeatPoolInput, *, expected_version: int
) -> None:
    require(db, actor, "seats.edit", record_type="seat_pool", record_id=pool_id)
    with_price = _check_money(db, actor, data, pool_id)
    with db.write() as s:
        pool: SeatPool = locked_get(s, SeatPool, pool_id, "seat pool")
        check_version(pool, expected_version, "seat pool")
        fields = _fields(s, data, with_price=with_price)
        audit.apply_change(s, actor, pool, "seat_pool", fields)


def delete_seat_pool(db: Database, actor: Actor, pool_id: int) -> None:
    require(db, actor, "seats.edit", record_type="seat_pool", record_id=pool_id)
    with db.write() as s:
        pool = locked_get(s, SeatPool, pool_id, "seat pool")
        before = audit.snapshot(pool)
        s.delete(pool)
        audit.record(s, actor, "delete", "seat_pool", pool_id, before=before)


def unused_cost_totals(pools: list[SeatPoolView]) -> dict[str, Decimal]:
    """Monthly cost of unused seats per currency (never summed across currencies)."""
    from services.core.money import totals_by_currency

    return totals_by_currency(
        (p.currency, cost) for p in pools if (cost := p.monthly_unused_cost) is not None
    )


def can_edit(actor: Actor) -> bool:
    return can(actor, "seats.edit")
