"""The deployer's notice to the provider (EU AI Act Art. 26(5)) and the vendor ticket behind it.

Where we deploy a vendor's model, the provider is informed first. The notice is drafted to the
vendor contact of the contract that covers the model (support first, then the account manager)
and kept on the incident for a person to send and mark as sent; a vendor ticket tracks the case.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from db.models import Contract, Incident, Model, Vendor, VendorContact
from services.access.access import Actor
from services.governance import GUIDANCE
from services.vendors.tickets import TicketInput, new_ticket

CONTACT_PREFERENCE = ("support", "account_manager", "other", "billing")


def provider_of(session: Session, model: Model) -> tuple[Vendor, Contract | None] | None:
    """The vendor that provides a model we deploy, and the contract that covers it."""
    contract = session.get(Contract, model.contract_id) if model.contract_id else None
    vendor_id = model.vendor_id or (contract.vendor_id if contract else None)
    vendor = session.get(Vendor, vendor_id) if vendor_id else None
    return (vendor, contract) if vendor else None


def contact_for(session: Session, vendor_id: int) -> VendorContact | None:
    contacts = session.exec(select(VendorContact).where(VendorContact.vendor_id == vendor_id)).all()
    with_email = [c for c in contacts if c.email]
    with_email.sort(
        key=lambda c: CONTACT_PREFERENCE.index(c.role) if c.role in CONTACT_PREFERENCE else 9
    )
    return with_email[0] if with_email else None


def notice_text(incident: Incident, model: Model, vendor: Vendor, contract: Contract | None) -> str:
    aware = incident.aware_at.isoformat(timespec="minutes")
    under = f' under our contract "{contract.title}"' if contract else ""
    return "\n".join(
        [
            f"Subject: Serious incident involving {model.name}: notice under EU AI Act Art. 26(5)",
            "",
            f"Dear {vendor.name} team,",
            "",
            f"As a deployer of {model.name}{under}, we inform you of a serious incident.",
            f"What happened: {incident.title}",
            f"Category: {incident.category.replace('_', ' ')}",
            f"We became aware on: {aware}",
            f"Details: {incident.description or '(to follow)'}",
            "",
            "Please acknowledge this notice, tell us who handles it on your side, and coordinate "
            "the report to the market surveillance authority (Art. 73). We are not altering the "
            "system in a way that could affect the evaluation of the cause (Art. 73(6)).",
            "",
            f"({GUIDANCE})",
        ]
    )


def draft(
    session: Session, actor: Actor, incident: Incident, models: list[Model], *, now: datetime
) -> None:
    """Draft the notice and open the vendor ticket for the first vendor model we deploy."""
    for model in models:
        if model.ai_act_role != "deployer":
            continue
        found = provider_of(session, model)
        if found is None:
            continue
        vendor, contract = found
        assert vendor.id is not None and incident.id is not None
        contact = contact_for(session, vendor.id)
        incident.notice_to = contact.email if contact else None
        incident.notice_draft = notice_text(incident, model, vendor, contract)
        ticket = new_ticket(
            session,
            actor,
            TicketInput(
                vendor_id=vendor.id,
                vendor_ticket_id=f"opsdesk-incident-{incident.id}",
                title=f"Serious incident: {incident.title}"[:300],
                opened_at=now,
                severity="critical",
                status="open",
                owner_id=incident.owner_id,
                contract_id=contract.id if contract else None,
                notes="Opened for the Art. 26(5) notice; replace the id with the vendor's own.",
            ),
        )
        incident.ticket_id = ticket.id
        session.add(incident)
        return
