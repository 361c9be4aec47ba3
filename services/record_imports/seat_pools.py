"""`opsdesk import-records seat-pools FILE`: one licence seat pool per row.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| vendor | yes | an existing vendor's name or alias |
| product | yes | the product the seats are for |
| seats_purchased | yes | whole number |
| seats_assigned | yes | whole number (blank = 0) |
| seats_active_30d | yes | seats used in the last 30 days (blank = 0) |
| unit_price | yes | exact decimal price of one seat per billing period |
| currency | yes | ISO 4217 code such as USD |
| billing_period | yes | monthly, quarterly, yearly or one_time |
| low_free_seats | no | flag the pool when free seats fall to this many (default 2) |
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from db.models import BILLING_PERIODS
from services.access.access import Actor
from services.core.records import InvalidRecord, check_choice
from services.record_imports import RecordError, Row
from services.record_imports.vendors import checked_column, parse_decimal, parse_int, vendor_id
from services.vendors.seats import SeatPoolInput, new_seat_pool

KIND = "seat-pools"
PERMISSION = "seats.edit"
REQUIRED = (
    "vendor",
    "product",
    "seats_purchased",
    "seats_assigned",
    "seats_active_30d",
    "unit_price",
    "currency",
    "billing_period",
)


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        period = values["billing_period"].lower() or "monthly"
        checked_column(
            number, "billing_period", check_choice, period, BILLING_PERIODS, "billing period"
        )
        data = SeatPoolInput(
            vendor_id=vendor_id(session, number, values),
            product=values["product"],
            seats_purchased=parse_int(number, values, "seats_purchased", default=0) or 0,
            seats_assigned=parse_int(number, values, "seats_assigned", default=0) or 0,
            seats_active_30d=parse_int(number, values, "seats_active_30d", default=0) or 0,
            unit_price=parse_decimal(number, values, "unit_price") or Decimal("0"),
            currency=values["currency"] or "USD",
            billing_period=period,
            low_free_seats=parse_int(number, values, "low_free_seats", default=2) or 0,
        )
        try:
            new_seat_pool(session, actor, data)
        except InvalidRecord as exc:
            raise RecordError(number, None, str(exc)) from None
    return len(rows)
