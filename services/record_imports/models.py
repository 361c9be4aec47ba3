"""`opsdesk import-records models FILE`: one model per row, for teams without MLflow.

| column | required | meaning |
| --- | --- | --- |
| name | yes | the model's name (unique) |
| owner_email | yes | email of an existing Person who owns the model |
| status | yes | development, staging, production or retired |
| risk_class | yes | prohibited, high, limited, minimal or unassessed (EU AI Act) |
| role | yes | provider, deployer, importer or distributor (our EU AI Act role) |
| vendor | no | the vendor whose model or API it is (name or billing alias); blank = in house |
| contract | no | title of that vendor's contract that covers it |
| documentation_owner_email | no | the Person who keeps its card current (default: the owner) |
| purpose | no | what it is for |
"""

from __future__ import annotations

from sqlmodel import Session, select

from db.models import Contract
from services.access.access import Actor
from services.core.clock import session_now
from services.governance.inventory import GovernanceError, ModelInput, new_model
from services.record_imports import RecordError, Row
from services.vendors.vendors import find_vendor

KIND = "models"
PERMISSION = "models.edit"
REQUIRED = ("name", "owner_email", "status", "risk_class", "role")


def _links(session: Session, number: int, values: dict[str, str]) -> tuple[int | None, int | None]:
    vendor_name, title = values.get("vendor", ""), values.get("contract", "")
    if not vendor_name:
        if title:
            raise RecordError(number, "contract", "a contract needs the vendor it is with")
        return None, None
    vendor = find_vendor(session, vendor_name)
    if vendor is None:
        raise RecordError(number, "vendor", f"unknown vendor {vendor_name!r}")
    if not title:
        return vendor.id, None
    contract = session.exec(
        select(Contract).where(Contract.vendor_id == vendor.id, Contract.title == title)
    ).first()
    if contract is None:
        raise RecordError(number, "contract", f"{vendor.name} has no contract {title!r}")
    return vendor.id, contract.id


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        vendor_id, contract_id = _links(session, number, values)
        data = ModelInput(
            name=values["name"],
            purpose=values.get("purpose", ""),
            owner_email=values["owner_email"] or None,
            documentation_owner_email=values.get("documentation_owner_email") or None,
            status=values["status"],
            risk_class=values["risk_class"],
            ai_act_role=values["role"],
            source="vendor_api" if vendor_id else "in_house",
            vendor_id=vendor_id,
            contract_id=contract_id,
        )
        try:
            new_model(session, actor, data, session_now(session))
        except GovernanceError as exc:
            raise RecordError(number, None, str(exc)) from exc
    return len(rows)
