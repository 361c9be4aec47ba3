"""Demo people, teams, users, vendors (with aliases and contacts), seat pools and tickets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from db.models import (
    Person,
    SeatPool,
    SupportTicket,
    Team,
    User,
    Vendor,
    VendorAlias,
    VendorContact,
)
from services.demo.workspace import Workspace, email_for, money, pk
from settings import get_settings


@dataclass(frozen=True)
class VendorSpec:
    name: str
    category: str
    website: str
    aliases: tuple[str, ...]
    contact: str


VENDORS = [
    VendorSpec("OpenAI", "llm_api", "https://openai.com", ("OpenAI, L.L.C.", "openai"), "Jordan"),
    VendorSpec("Anthropic", "llm_api", "https://www.anthropic.com", ("Anthropic PBC",), "Casey"),
    VendorSpec(
        "Databricks", "ml_platform", "https://www.databricks.com", ("Databricks Inc.",), "Morgan"
    ),
    VendorSpec("Weights & Biases", "experiment_tracking", "https://wandb.ai", ("wandb",), "Riley"),
    VendorSpec("Scale AI", "data_labeling", "https://scale.com", ("Scale AI, Inc.",), "Taylor"),
    VendorSpec("Labelbox", "data_labeling", "https://labelbox.com", (), "Quinn"),
    VendorSpec("Lambda", "gpu_cloud", "https://lambda.ai", ("Lambda Labs",), "Avery"),
    VendorSpec("CoreWeave", "gpu_cloud", "https://www.coreweave.com", (), "Drew"),
    VendorSpec("Arize AI", "monitoring", "https://arize.com", ("Arize",), "Skyler"),
    VendorSpec(
        "Snowflake", "data_warehouse", "https://www.snowflake.com", ("Snowflake Inc.",), "Jamie"
    ),
    VendorSpec("Pinecone", "other", "https://www.pinecone.io", (), "Rowan"),
    VendorSpec("Hugging Face", "ml_platform", "https://huggingface.co", ("HuggingFace",), "Sage"),
]

TEAMS = {
    "ML Platform": [
        ("Maya Chen", True),
        ("Luis Ortega", False),
        ("Grace Kim", False),
        ("Tom Becker", False),
        ("Nadia Rahman", False),
    ],
    "Research": [
        ("Elena Petrova", True),
        ("Sam Okafor", False),
        ("Hiro Tanaka", False),
        ("Ines Duarte", False),
        ("Ben Carter", False),
    ],
    "Applied ML": [
        ("Omar Haddad", True),
        ("Zoe Williams", False),
        ("Arjun Mehta", False),
        ("Lea Fischer", False),
        ("Chris Novak", False),
    ],
    "Operations": [
        ("Priya Nair", False),
        ("Dana Whitfield", True),
        ("Marco Rossi", False),
        ("Kofi Mensah", False),
    ],
}
TIMEZONES = ["America/New_York", "Europe/Berlin", "America/Los_Angeles", "Europe/London"]

# Vendor tickets: the OpenAI one is past its 24-hour SLA.
TICKETS: list[tuple[Any, ...]] = [
    (
        "OpenAI",
        "OAI-48213",
        "Rate limit increase for batch API",
        "high",
        "waiting_on_vendor",
        timedelta(days=4),
        timedelta(days=3),
        "Priya Nair",
    ),
    (
        "Databricks",
        "DB-99120",
        "Cluster start-up failures in us-east-1",
        "critical",
        "open",
        timedelta(hours=3),
        None,
        "Maya Chen",
    ),
    (
        "Weights & Biases",
        "WB-2231",
        "SSO group sync drops new hires",
        "low",
        "waiting_on_us",
        timedelta(days=1),
        timedelta(hours=20),
        "Alex Morgan",
    ),
    (
        "Scale AI",
        "SC-7710",
        "Batch 14 label quality below spec",
        "medium",
        "resolved",
        timedelta(days=12),
        timedelta(days=2),
        "Omar Haddad",
    ),
    (
        "Snowflake",
        "SF-55102",
        "Warehouse credit usage report mismatch",
        "medium",
        "open",
        timedelta(hours=30),
        timedelta(hours=6),
        "Dana Whitfield",
    ),
]


def seed_people(ws: Workspace) -> None:
    """People and teams. The local admin is a VA on the Operations team so that
    "My follow-ups" has something to show in single-user mode."""
    session, rng, people, teams, counts = ws.session, ws.rng, ws.people, ws.teams, ws.counts
    for index, (team_name, members) in enumerate(TEAMS.items()):
        team = Team(name=team_name)
        session.add(team)
        session.flush()
        teams[team_name] = team
        for name, is_lead in members:
            person = Person(
                name=name,
                email=email_for(name),
                team_id=team.id,
                is_lead=is_lead,
                timezone=TIMEZONES[index % len(TIMEZONES)],
                slack_user_id=f"U{rng.randrange(10**8, 10**9)}",
            )
            session.add(person)
            people[name] = person
    you = Person(
        # The local admin's person: every user sees the same demo, so no "(you)" in the name.
        name="Alex Morgan",
        email=get_settings().local_admin_email.lower(),
        team_id=teams["Operations"].id,
        timezone=get_settings().timezone,
    )
    session.add(you)
    people["Alex Morgan"] = you
    session.flush()
    counts["people"] = len(people)

    for name, role in [
        ("Priya Nair", "va"),
        ("Maya Chen", "lead"),
        ("Elena Petrova", "lead"),
        ("Dana Whitfield", "finance"),
        # An ML engineer: signs off the model cards and experiment reports a VA drafts.
        ("Omar Haddad", "engineer"),
    ]:
        email = people[name].email
        if session.execute(select(User).where(col(User.email) == email)).first() is None:
            session.add(User(email=email, name=name, role=role))


def seed_vendors(ws: Workspace) -> None:
    """Vendors, aliases, contacts."""
    session, people, vendors, counts = ws.session, ws.people, ws.vendors, ws.counts
    owners = ["Maya Chen", "Luis Ortega", "Priya Nair", "Omar Haddad", "Alex Morgan"]
    for index, spec in enumerate(VENDORS):
        vendor = Vendor(
            name=spec.name,
            category=spec.category,
            website=spec.website,
            status="active" if spec.name != "Pinecone" else "evaluating",
            owner_id=people[owners[index % len(owners)]].id,
            notes=f"{spec.name} is used by the ML platform team.",
        )
        session.add(vendor)
        session.flush()
        vendors[spec.name] = vendor
        for alias in sorted({a.strip().casefold() for a in (spec.name, *spec.aliases)}):
            session.add(VendorAlias(vendor_id=pk(vendor), alias=alias))
        domain = spec.website.split("//", 1)[1].removeprefix("www.")
        session.add(
            VendorContact(
                vendor_id=pk(vendor),
                name=f"{spec.contact} (account manager)",
                email=f"{spec.contact.lower()}@{domain}",
                role="account_manager",
            )
        )
        session.add(
            VendorContact(
                vendor_id=pk(vendor),
                name=f"{spec.name} support",
                email=f"support@{domain}",
                role="support",
            )
        )
    counts["vendors"] = len(vendors)


def seed_seats(ws: Workspace) -> None:
    """Seat pools, several with unused seats; one nearly full."""
    session, vendors, contracts, counts = ws.session, ws.vendors, ws.contracts, ws.counts
    seat_specs: list[tuple[Any, ...]] = [
        ("Weights & Biases", "Teams seats", 50, 42, 31, "50", "monthly"),
        ("Hugging Face", "Enterprise Hub seats", 30, 18, 12, "20", "monthly"),
        ("Labelbox", "Annotator seats", 20, 19, 17, "80", "monthly"),
        ("Arize AI", "Platform users", 10, 8, 5, "1200", "yearly"),
        ("Databricks", "Workspace admin seats", 15, 9, 9, "0", "monthly"),
    ]
    for vname, product, bought, assigned, active, price, period in seat_specs:
        session.add(
            SeatPool(
                vendor_id=pk(vendors[vname]),
                contract_id=contracts[vname].id,
                product=product,
                seats_purchased=bought,
                seats_assigned=assigned,
                seats_active_30d=active,
                unit_price=money(price),
                currency="USD",
                billing_period=period,
            )
        )
    counts["seat pools"] = 5


def seed_tickets(ws: Workspace) -> None:
    """Vendor tickets: the OpenAI one is past its 24-hour SLA."""
    session, now, people, counts = ws.session, ws.now, ws.people, ws.counts
    vendors, contracts, ticket_rows = ws.vendors, ws.contracts, ws.tickets
    for vname, ref, title, severity, status, age, since_update, owner in TICKETS:
        ticket = SupportTicket(
            vendor_id=pk(vendors[vname]),
            contract_id=contracts[vname].id,
            vendor_ticket_id=ref,
            title=title,
            severity=severity,
            status=status,
            opened_at=now - age,
            last_vendor_update_at=(now - since_update) if since_update else None,
            owner_id=people[owner].id,
        )
        session.add(ticket)
        ticket_rows[vname] = ticket
    session.flush()
    counts["tickets"] = len(TICKETS)
