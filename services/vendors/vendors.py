"""Vendors: who the team buys ML services from, their aliases in billing files and their contacts.

The record checks they share with contracts, seats and tickets live in ``services.core.records``;
everything about one vendor on one screen is ``services.vendors.overview``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from db.engine import Database
from db.models import (
    CONTACT_ROLES as CONTACT_ROLES,
)
from db.models import (
    VENDOR_CATEGORIES as VENDOR_CATEGORIES,
)
from db.models import (
    VENDOR_STATUSES as VENDOR_STATUSES,
)
from db.models import (
    ActionItem,
    Budget,
    Contract,
    Meeting,
    Person,
    SeatPool,
    SupportTicket,
    User,
    Vendor,
    VendorAlias,
    VendorContact,
)
from services.access import audit
from services.access.access import PERMISSIONS, Actor, require
from services.core.records import (
    MAX_NAME_CHARS,
    InvalidRecord,
    check_choice,
    check_email_address,
    check_person,
    check_text,
    check_version,
    check_web_url,
    locked_get,
    people_by_id,
)
from services.core.vendor_matching import normalise_name


@dataclass(frozen=True)
class PersonChoice:
    id: int
    name: str
    email: str


def owner_choices(db: Database, actor: Actor, *, may: str | None = None) -> list[PersonChoice]:
    """Internal people who can own a vendor, contract, seat pool or ticket; with ``may``, less
    those who sign in under a role without that permission (``users.check_owner`` refuses them)."""
    require(db, actor, "vendors.read", record_type="person")
    with db.read() as s:
        rows = s.exec(
            select(Person)
            .where(col(Person.archived).is_(False))
            .where(col(Person.is_internal).is_(True))
            .order_by(Person.name)
        ).all()
        barred: set[str] = set()
        if may is not None:
            signed = s.exec(select(User.email, User.role).where(col(User.active).is_(True)))
            barred = {e.lower() for e, role in signed if role not in PERMISSIONS[may]}
    return [
        PersonChoice(p.id, p.name, p.email)
        for p in rows
        if p.id is not None and p.email.lower() not in barred
    ]


# --- vendors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorRow:
    id: int
    name: str
    category: str
    status: str
    owner_id: int | None
    owner_name: str | None
    website: str | None
    aliases: tuple[str, ...]
    contract_count: int
    notes: str
    version: int


def normalise_alias(alias: str) -> str:
    """Aliases are stored as billing names are compared (``vendor_matching.normalise_name``)."""
    return normalise_name(alias)


def split_aliases(text: str) -> list[str]:
    """Aliases as typed in one box, separated by ``;``; blanks dropped."""
    return [a.strip() for a in (text or "").split(";") if a.strip()]


def _vendor_row(v: Vendor, owners: dict[int, Person], aliases: list[str], n: int) -> VendorRow:
    assert v.id is not None
    owner = owners.get(v.owner_id) if v.owner_id is not None else None
    return VendorRow(
        v.id,
        v.name,
        v.category,
        v.status,
        v.owner_id,
        owner.name if owner else None,
        v.website,
        tuple(sorted(aliases)),
        n,
        v.notes,
        v.version,
    )


def list_vendors(db: Database, actor: Actor, *, status: str | None = None) -> list[VendorRow]:
    require(db, actor, "vendors.read", record_type="vendor")
    with db.read() as s:
        query = select(Vendor).order_by(func.lower(Vendor.name))
        if status is not None:
            query = query.where(Vendor.status == check_choice(status, VENDOR_STATUSES, "status"))
        vendors = s.exec(query).all()
        aliases: dict[int, list[str]] = defaultdict(list)
        for a in s.exec(select(VendorAlias)):
            aliases[a.vendor_id].append(a.alias)
        counts = dict(
            s.exec(select(Contract.vendor_id, func.count()).group_by(col(Contract.vendor_id))).all()
        )
        owners = people_by_id(s, {v.owner_id for v in vendors})
    return [_vendor_row(v, owners, aliases[v.id or 0], counts.get(v.id or 0, 0)) for v in vendors]


def get_vendor(db: Database, actor: Actor, vendor_id: int) -> VendorRow:
    require(db, actor, "vendors.read", record_type="vendor", record_id=vendor_id)
    with db.read() as s:
        v = s.get(Vendor, vendor_id)
        if v is None:
            raise InvalidRecord(f"no vendor with id {vendor_id}")
        aliases = list(s.exec(select(VendorAlias.alias).where(VendorAlias.vendor_id == v.id)))
        n = s.exec(select(func.count()).select_from(Contract).where(Contract.vendor_id == v.id))
        owners = people_by_id(s, {v.owner_id})
        return _vendor_row(v, owners, aliases, n.one())


def find_vendor(session: Session, name: str) -> Vendor | None:
    """The vendor named ``name`` or having it as an alias, compared casefolded."""
    wanted = normalise_alias(name or "")
    if not wanted:
        return None
    alias = session.exec(select(VendorAlias).where(VendorAlias.alias == wanted)).first()
    if alias is not None:
        return session.get(Vendor, alias.vendor_id)
    for vendor in session.exec(
        select(Vendor).where(func.lower(Vendor.name) == name.strip().lower())
    ):
        return vendor
    return next(
        (v for v in session.exec(select(Vendor)) if normalise_alias(v.name) == wanted), None
    )


def _set_aliases(session: Session, vendor: Vendor, aliases: list[str] | tuple[str, ...]) -> None:
    wanted = {normalise_alias(a) for a in aliases if a.strip()}
    for a in wanted:
        if len(a) > MAX_NAME_CHARS:
            raise InvalidRecord(f"alias {a[:40]!r} is longer than {MAX_NAME_CHARS} characters")
        other = session.exec(select(VendorAlias).where(VendorAlias.alias == a)).first()
        if other is not None and other.vendor_id != vendor.id:
            owner = session.get(Vendor, other.vendor_id)
            raise InvalidRecord(f"alias {a!r} already belongs to {owner.name if owner else '?'}")
    current = {
        a.alias: a
        for a in session.exec(select(VendorAlias).where(VendorAlias.vendor_id == vendor.id))
    }
    for alias, row in current.items():
        if alias not in wanted:
            session.delete(row)
    for alias in sorted(wanted - set(current)):
        session.add(VendorAlias(vendor_id=vendor.id, alias=alias))  # type: ignore[arg-type]


def _check_unique_name(session: Session, name: str, vendor_id: int | None) -> None:
    clash = session.exec(select(Vendor).where(func.lower(Vendor.name) == name.lower())).first()
    if clash is not None and clash.id != vendor_id:
        raise InvalidRecord(f"a vendor named {clash.name!r} already exists")


def create_vendor(
    db: Database,
    actor: Actor,
    *,
    name: str,
    category: str = "other",
    status: str = "active",
    owner_id: int | None = None,
    website: str | None = None,
    notes: str = "",
    aliases: list[str] | tuple[str, ...] = (),
) -> int:
    """Add a vendor; returns its id."""
    require(db, actor, "vendors.edit", record_type="vendor")
    with db.write() as s:
        vendor = new_vendor(
            s,
            name=name,
            category=category,
            status=status,
            owner_id=owner_id,
            website=website,
            notes=notes,
            aliases=aliases,
        )
        audit.record(s, actor, "create", "vendor", vendor.id, after=audit.snapshot(vendor))
        assert vendor.id is not None
        return vendor.id


def new_vendor(
    s: Session,
    *,
    name: str,
    category: str = "other",
    status: str = "active",
    owner_id: int | None = None,
    website: str | None = None,
    notes: str = "",
    aliases: list[str] | tuple[str, ...] = (),
) -> Vendor:
    """Validate and add a vendor inside an open write session (used by imports too)."""
    name = check_text(name, "vendor name")
    _check_unique_name(s, name, None)
    vendor = Vendor(
        name=name,
        category=check_choice(category or "other", VENDOR_CATEGORIES, "category"),
        status=check_choice(status or "active", VENDOR_STATUSES, "status"),
        owner_id=check_person(s, owner_id),
        website=check_web_url(website),
        notes=notes or "",
    )
    s.add(vendor)
    s.flush()
    _set_aliases(s, vendor, aliases)
    return vendor


def update_vendor(
    db: Database,
    actor: Actor,
    vendor_id: int,
    *,
    expected_version: int,
    name: str,
    category: str,
    status: str,
    owner_id: int | None,
    website: str | None,
    notes: str,
    aliases: list[str] | tuple[str, ...],
) -> None:
    """Replace a vendor's editable fields; refused when it changed since ``expected_version``."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        check_version(vendor, expected_version, "vendor")
        name = check_text(name, "vendor name")
        _check_unique_name(s, name, vendor.id)
        changes = {
            "name": name,
            "category": check_choice(category, VENDOR_CATEGORIES, "category"),
            "status": check_choice(status, VENDOR_STATUSES, "status"),
            "owner_id": check_person(s, owner_id),
            "website": check_web_url(website),
            "notes": notes or "",
        }
        audit.apply_change(s, actor, vendor, "vendor", changes)
        _set_aliases(s, vendor, aliases)


def archive_vendor(db: Database, actor: Actor, vendor_id: int) -> None:
    """The explicit alternative to deleting a vendor with history: status becomes retired."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        audit.apply_change(s, actor, vendor, "vendor", {"status": "retired"}, action="archive")


def delete_vendor(db: Database, actor: Actor, vendor_id: int) -> None:
    """Delete a vendor with no contracts, seats, tickets, meetings or budgets; else refuse."""
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    with db.write() as s:
        vendor: Vendor = locked_get(s, Vendor, vendor_id, "vendor")
        held = {
            what: s.exec(
                select(func.count()).select_from(model).where(model.vendor_id == vendor_id)  # type: ignore[attr-defined]
            ).one()
            for what, model in _VENDOR_HISTORY.items()
        }
        held = {what: n for what, n in held.items() if n}
        if held:
            listing = ", ".join(f"{n} {what}" for what, n in held.items())
            raise InvalidRecord(
                f"{vendor.name} has {listing} and cannot be deleted; "
                "archive it instead (status retired keeps its history)"
            )
        before = audit.snapshot(vendor)
        try:
            with s.begin_nested():  # anything else pointing at it: refuse, keep the transaction
                s.delete(vendor)
                s.flush()
        except IntegrityError as exc:
            raise InvalidRecord(
                f"{vendor.name} is still referenced by other records; archive it instead"
            ) from exc
        audit.record(s, actor, "delete", "vendor", vendor_id, before=before)


_VENDOR_HISTORY: dict[str, type[SQLModel]] = {
    "contract(s)": Contract,
    "seat pool(s)": SeatPool,
    "ticket(s)": SupportTicket,
    "meeting(s)": Meeting,
    "budget(s)": Budget,
    "action item(s)": ActionItem,
}


# --- contacts ----------------------------------------------------------------------------------


def list_contacts(db: Database, actor: Actor, vendor_id: int) -> list[VendorContact]:
    require(db, actor, "vendors.read", record_type="vendor", record_id=vendor_id)
    with db.read() as s:
        return list(
            s.exec(
                select(VendorContact)
                .where(VendorContact.vendor_id == vendor_id)
                .order_by(VendorContact.role, VendorContact.name)
            )
        )


def add_contact(
    db: Database,
    actor: Actor,
    vendor_id: int,
    *,
    name: str,
    email: str | None = None,
    role: str = "account_manager",
    phone: str | None = None,
) -> int:
    require(db, actor, "vendors.edit", record_type="vendor", record_id=vendor_id)
    cleaned_email = check_email_address(email)
    with db.write() as s:
        if s.get(Vendor, vendor_id) is None:
            raise InvalidRecord(f"no vendor with id {vendor_id}")
        contact = VendorContact(
            vendor_id=vendor_id,
            name=check_text(name, "contact name"),
            email=cleaned_email,
            role=check_choice(role, CONTACT_ROLES, "contact role"),
            phone=(phone or "").strip() or None,
        )
        s.add(contact)
        s.flush()
        audit.record(
            s, actor, "create", "vendor_contact", contact.id, after=audit.snapshot(contact)
        )
        assert contact.id is not None
        return contact.id


def remove_contact(db: Database, actor: Actor, contact_id: int) -> None:
    require(db, actor, "vendors.edit", record_type="vendor_contact", record_id=contact_id)
    with db.write() as s:
        contact = locked_get(s, VendorContact, contact_id, "contact")
        before = audit.snapshot(contact)
        s.delete(contact)
        audit.record(s, actor, "delete", "vendor_contact", contact_id, before=before)
