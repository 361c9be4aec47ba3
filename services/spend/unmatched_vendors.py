"""A billing name that matches no vendor, made into a vendor by finance.

Finance imports billing data but may not edit vendors; a provider on the bill that Opsdesk
does not know yet is still a vendor the company pays, so whoever imports may add it (named as
on the bill, with that name as an alias so its spend matches at once). Everything else about
the vendor is edited by those who edit vendors.
"""

from __future__ import annotations

from db.engine import Database
from services.access import audit
from services.access.access import Actor, require
from services.vendors.choices import VENDOR_CATEGORY
from services.vendors.vendors import new_vendor


def create_vendor_for_billing_name(
    db: Database, actor: Actor, billing_name: str, *, category: str, name: str | None = None
) -> int:
    """A new active vendor named ``name`` (default: the billing name) matching ``billing_name``."""
    require(db, actor, "spend.import", record_type="vendor")
    category = VENDOR_CATEGORY.parse(category)
    shown = (name or billing_name).strip()
    with db.write() as s:
        vendor = new_vendor(
            s,
            name=shown,
            category=category,
            aliases=[billing_name] if billing_name.strip().casefold() != shown.casefold() else [],
        )
        audit.record(
            s,
            actor,
            "create",
            "vendor",
            vendor.id,
            after=audit.snapshot(vendor),
            detail=f"created from billing name {billing_name!r}",
        )
        assert vendor.id is not None
        return vendor.id
