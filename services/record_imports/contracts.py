"""`opsdesk import-records contracts FILE`: one contract per row.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| vendor | yes | an existing vendor's name or alias |
| title | yes | the contract's title |
| start_date | yes | YYYY-MM-DD |
| initial_term_months | yes | whole months, at least 1 |
| renewal_type | yes | none, auto or manual |
| renewal_period_months | yes (blank unless auto) | whole months; required for auto |
| notice_days | yes | days of notice before the term end (blank = 0) |
| value | yes (may be blank) | exact decimal such as 12000.00 |
| currency | yes | ISO 4217 code such as USD |
| owner_email | yes (may be blank) | email of an existing Person |
| billing_period | no | monthly, quarterly, yearly (default) or one_time |
| committed_amount, prepaid_amount | no | exact decimals |
| document_url | no | http:// or https:// link to the signed document |
| sla_hours | no | support response time in hours |
| escalation_path | no | free text |
| previous_contract_title | no | title of this vendor's contract that this one renews |
| notes | no | free text |
"""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import RENEWAL_TYPES, Contract
from services.access.access import Actor
from services.core.records import InvalidRecord, check_choice, check_web_url
from services.record_imports import RecordError, Row
from services.record_imports.vendors import (
    checked_column,
    parse_date,
    parse_decimal,
    parse_int,
    person_id,
    vendor_id,
)
from services.vendors.contracts import ContractInput, new_contract

KIND = "contracts"
PERMISSION = "contracts.edit"
REQUIRED = (
    "vendor",
    "title",
    "start_date",
    "initial_term_months",
    "renewal_type",
    "renewal_period_months",
    "notice_days",
    "value",
    "currency",
    "owner_email",
)


def _previous(session: Session, row: int, vendor: int, title: str) -> int | None:
    if not title:
        return None
    found = session.exec(
        select(Contract).where(Contract.vendor_id == vendor, Contract.title == title)
    ).first()
    if found is None:
        raise RecordError(row, "previous_contract_title", f"no contract {title!r} for this vendor")
    return found.id


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        vendor = vendor_id(session, number, values)
        renewal_type = values["renewal_type"].lower()
        checked_column(
            number, "renewal_type", check_choice, renewal_type, RENEWAL_TYPES, "renewal type"
        )
        checked_column(
            number, "document_url", check_web_url, values.get("document_url"), "document link"
        )
        data = ContractInput(
            vendor_id=vendor,
            title=values["title"],
            start_date=parse_date(number, values, "start_date"),
            initial_term_months=parse_int(number, values, "initial_term_months", default=0) or 0,
            renewal_type=renewal_type,
            renewal_period_months=parse_int(number, values, "renewal_period_months"),
            notice_days=parse_int(number, values, "notice_days", default=0) or 0,
            value=parse_decimal(number, values, "value"),
            currency=values["currency"] or "USD",
            billing_period=values.get("billing_period") or "yearly",
            committed_amount=parse_decimal(number, values, "committed_amount"),
            prepaid_amount=parse_decimal(number, values, "prepaid_amount"),
            owner_id=person_id(session, number, values, "owner_email"),
            document_url=values.get("document_url") or None,
            sla_hours=parse_int(number, values, "sla_hours"),
            escalation_path=values.get("escalation_path") or None,
            previous_contract_id=_previous(
                session, number, vendor, values.get("previous_contract_title", "")
            ),
            notes=values.get("notes", ""),
        )
        try:
            new_contract(session, actor, data)
        except InvalidRecord as exc:
            raise RecordError(number, None, str(exc)) from None
    return len(rows)
