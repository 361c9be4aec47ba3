"""The demo workspace: a realistic ML platform team's back office, dated relative to today.

Everything is derived from ``today`` and a fixed random seed, so loading it twice with ``reset``
gives the same workspace. Users (who may sign in) survive a reset; every other record is rebuilt.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Budget,
    Contract,
    ContractAmendment,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
    Person,
    SeatPool,
    SupportTicket,
    Team,
    User,
    Vendor,
    VendorAlias,
    VendorContact,
    metadata,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination import meetings
from services.core.clock import session_now
from services.core.clock import today as workspace_today
from services.governance import demo as governance_demo
from services.governance import demo_models as models_demo
from services.vendors.terms import add_months
from settings import get_settings

SEED = 20261122
DOCS_URL = "https://docs.acme-ml.example/contracts"


class WorkspaceNotEmpty(ValueError):
    """The demo only loads into an empty workspace unless asked to reset."""


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


def _email(name: str) -> str:
    return name.lower().replace(" ", ".") + "@acme-ml.example"


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tz).astimezone(UTC)


def _money(value: str | int) -> Decimal:
    return Decimal(str(value))


def _id(record: SQLModel) -> int:
    """The primary key of a flushed record."""
    value = getattr(record, "id", None)
    assert isinstance(value, int), f"{type(record).__name__} was not flushed"
    return value


KEPT_TABLES = frozenset({"user", "auditevent", "alembic_version"})


def wipe_workspace(db: Database, actor: Actor) -> int:
    """Delete every record but the users and the audit trail, in one transaction, and record
    that it happened; returns how many rows went.

    Users (who may sign in) survive, and so does the append-only audit trail: a reset is itself
    an audited change, not a way to erase history.
    """
    removed = 0
    with db.write() as session:
        for table in reversed(metadata.sorted_tables):  # children before parents
            if table.name not in KEPT_TABLES:
                removed += session.execute(table.delete()).rowcount or 0  # type: ignore[attr-defined]
        audit.record(
            session,
            actor,
            "reset",
            "workspace",
            None,
            detail=f"demo --reset deleted {removed} records (users and audit trail kept)",
        )
    return removed


def load(
    db: Database, actor: Actor, *, reset: bool = False, today: date | None = None
) -> dict[str, int]:
    """Load the demo workspace; refuse when records exist unless ``reset`` is given."""
    require(db, actor, "settings.manage", record_type="demo")
    if reset:
        wipe_workspace(db, actor)
    day = today or workspace_today(db)
    with db.read() as session:
        existing = session.execute(select(func.count()).select_from(Vendor)).scalar_one()
    if existing:
        raise WorkspaceNotEmpty(
            "the workspace already has records; run `opsdesk demo --reset` to replace them"
        )
    with db.write() as session:
        counts, last_meetings = _seed(session, day)
        audit.record(session, actor, "create", "demo", None, detail=f"demo workspace {counts}")
    # The next meeting of each series comes from the real carry-over, so it opens with the
    # previous meeting's unfinished agenda items and open action items marked as carried.
    for meeting_id in last_meetings:
        meetings.open_next_meeting(db, actor, meeting_id, today=day)
        counts["meetings"] += 1
    counts.update(_seed_billing(db, actor, day))
    counts.update(governance_demo.seed(db, actor, day))
    counts.update(models_demo.seed(db, actor, day))
    return counts


def _seed_billing(db: Database, actor: Actor, day: date) -> dict[str, int]:
    # Billing goes through the real importer, which lives with the spend feature.
    try:
        module = importlib.import_module("services.demo.demo_billing")
    except ModuleNotFoundError:
        return {}
    return {"billing rows": int(module.seed(db, actor, day))}


def _seed(session: Session, day: date) -> tuple[dict[str, int], list[int]]:
    """Every record but billing; returns counts and the last past meeting of each series."""
    rng = random.Random(SEED)
    tz = get_settings().tz
    now = session_now(session)
    counts: dict[str, int] = {}

    # People and teams. The local admin is a VA on the Operations team so that
    # "My follow-ups" has something to show in single-user mode.
    people: dict[str, Person] = {}
    teams: dict[str, Team] = {}
    for index, (team_name, members) in enumerate(TEAMS.items()):
        team = Team(name=team_name)
        session.add(team)
        session.flush()
        teams[team_name] = team
        for name, is_lead in members:
            person = Person(
                name=name,
                email=_email(name),
                team_id=team.id,
                is_lead=is_lead,
                timezone=TIMEZONES[index % len(TIMEZONES)],
                slack_user_id=f"U{rng.randrange(10**8, 10**9)}",
            )
            session.add(person)
            people[name] = person
    admin_email = get_settings().local_admin_email.lower()
    you = Person(
        name="Alex Morgan (you)",
        email=admin_email,
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
    ]:
        email = people[name].email
        if session.execute(select(User).where(col(User.email) == email)).first() is None:
            session.add(User(email=email, name=name, role=role))

    # Vendors, aliases, contacts.
    vendors: dict[str, Vendor] = {}
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
            session.add(VendorAlias(vendor_id=_id(vendor), alias=alias))
        domain = spec.website.split("//", 1)[1].removeprefix("www.")
        session.add(
            VendorContact(
                vendor_id=_id(vendor),
                name=f"{spec.contact} (account manager)",
                email=f"{spec.contact.lower()}@{domain}",
                role="account_manager",
            )
        )
        session.add(
            VendorContact(
                vendor_id=_id(vendor),
                name=f"{spec.name} support",
                email=f"support@{domain}",
                role="support",
            )
        )
    counts["vendors"] = len(vendors)

    # Contracts: (vendor, title, renewal, initial, period, notice, days to deadline, value,
    # committed, prepaid, owner, sla hours). Start dates are solved backwards from the wanted
    # deadline so the demo always shows deadlines inside 14, 30, 60 and 120 days.
    specs: list[tuple[Any, ...]] = [
        (
            "OpenAI",
            "API enterprise commitment",
            "auto",
            12,
            12,
            30,
            10,
            "240000",
            "240000",
            None,
            "Maya Chen",
            24,
        ),
        (
            "Anthropic",
            "Claude API committed use",
            "manual",
            12,
            None,
            30,
            25,
            "180000",
            "150000",
            None,
            "Luis Ortega",
            24,
        ),
        (
            "Databricks",
            "Platform commit",
            "auto",
            12,
            12,
            60,
            50,
            "420000",
            "400000",
            None,
            "Maya Chen",
            8,
        ),
        (
            "Weights & Biases",
            "Teams plan seats",
            "auto",
            12,
            12,
            30,
            100,
            "30000",
            None,
            None,
            "Priya Nair",
            72,
        ),
        (
            "Hugging Face",
            "Enterprise Hub",
            "auto",
            12,
            12,
            30,
            40,
            "7200",
            None,
            None,
            "Omar Haddad",
            48,
        ),
        (
            "Scale AI",
            "Labeling statement of work",
            "none",
            6,
            None,
            0,
            75,
            "95000",
            None,
            "95000",
            "Omar Haddad",
            48,
        ),
        (
            "Lambda",
            "Reserved GPU cluster",
            "auto",
            12,
            1,
            30,
            20,
            "150000",
            None,
            "150000",
            "Luis Ortega",
            12,
        ),
        (
            "CoreWeave",
            "H100 reservation",
            "manual",
            24,
            None,
            90,
            200,
            "960000",
            "960000",
            None,
            "Maya Chen",
            12,
        ),
        (
            "Arize AI",
            "Model observability",
            "auto",
            12,
            12,
            45,
            140,
            "48000",
            None,
            None,
            "Alex Morgan",
            48,
        ),
        (
            "Snowflake",
            "Capacity agreement",
            "none",
            36,
            None,
            90,
            300,
            "600000",
            "600000",
            None,
            "Dana Whitfield",
            24,
        ),
        ("Pinecone", "Standard plan", "auto", 1, 1, 0, 8, "840", None, None, "Grace Kim", 72),
        (
            "Labelbox",
            "Annotation platform",
            "manual",
            12,
            None,
            60,
            -20,
            "36000",
            None,
            None,
            "Priya Nair",
            48,
        ),
    ]
    contracts: dict[str, Contract] = {}
    for (
        vname,
        title,
        renewal,
        initial,
        period,
        notice,
        target,
        value,
        committed,
        prepaid,
        owner,
        sla,
    ) in specs:
        term_end = day + timedelta(days=target + notice)
        renewals_done = 2 if renewal == "auto" and period and period >= 12 else 0
        months_back = initial + renewals_done * (period or 0)
        start = add_months(term_end + timedelta(days=1), -months_back)
        contract = Contract(
            vendor_id=_id(vendors[vname]),
            title=title,
            start_date=start,
            initial_term_months=initial,
            renewal_type=renewal,
            renewal_period_months=period,
            notice_days=notice,
            value=_money(value),
            currency="USD",
            billing_period="monthly" if period == 1 else "yearly",
            committed_amount=_money(committed) if committed else None,
            prepaid_amount=_money(prepaid) if prepaid else None,
            owner_id=people[owner].id,
            sla_hours=sla,
            escalation_path=f"Account manager, then {vname} support director",
            document_url=f"{DOCS_URL}/{vname.lower().replace(' ', '-')}",
        )
        session.add(contract)
        contracts[vname] = contract
    session.flush()
    previous = Contract(
        vendor_id=_id(vendors["OpenAI"]),
        title="API pay-as-you-go (superseded)",
        start_date=add_months(contracts["OpenAI"].start_date, -12),
        initial_term_months=12,
        renewal_type="none",
        notice_days=30,
        value=_money("60000"),
        currency="USD",
        owner_id=people["Maya Chen"].id,
        cancelled=True,
    )
    session.add(previous)
    session.flush()
    contracts["OpenAI"].previous_contract_id = previous.id
    session.add(
        ContractAmendment(
            contract_id=_id(contracts["Databricks"]),
            effective_date=day - timedelta(days=120),
            summary="Added 50,000 DBUs of serverless compute to the commitment.",
            value_change=_money("20000"),
            created_by=people["Dana Whitfield"].email,
        )
    )
    counts["contracts"] = len(contracts) + 1

    # Seat pools, several with unused seats; one nearly full.
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
                vendor_id=_id(vendors[vname]),
                contract_id=contracts[vname].id,
                product=product,
                seats_purchased=bought,
                seats_assigned=assigned,
                seats_active_30d=active,
                unit_price=_money(price),
                currency="USD",
                billing_period=period,
            )
        )
    counts["seat pools"] = 5

    # Vendor tickets: the OpenAI one is past its 24-hour SLA.
    tickets = [
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
    ticket_rows: dict[str, SupportTicket] = {}
    for vname, ref, title, severity, status, age, since_update, owner in tickets:
        ticket = SupportTicket(
            vendor_id=_id(vendors[vname]),
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
    counts["tickets"] = len(tickets)

    # Meetings: a weekly platform sync and a monthly vendor review, with past occurrences
    # carrying agendas, minutes and decisions.
    organizer = people["Priya Nair"]
    sync_first = day - timedelta(days=day.weekday() - 1 + 7 * 8)  # a Tuesday eight weeks ago
    sync = MeetingSeries(
        title="Weekly platform sync",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_starts_at=_at(sync_first, 10, 0, tz),
        timezone=str(tz),
        duration_minutes=45,
        organizer_id=organizer.id,
    )
    first_month = add_months(day.replace(day=1), -4)
    review = MeetingSeries(
        title="Monthly vendor review",
        rrule="FREQ=MONTHLY;BYDAY=+1TH",
        first_starts_at=_at(first_month, 15, 0, tz),
        timezone=str(tz),
        duration_minutes=60,
        organizer_id=organizer.id,
    )
    session.add(sync)
    session.add(review)
    session.flush()
    attendees = [
        people[n]
        for n in (
            "Maya Chen",
            "Luis Ortega",
            "Grace Kim",
            "Priya Nair",
            "Elena Petrova",
            "Omar Haddad",
        )
    ] + [you]
    sync_agenda = [
        (
            "GPU capacity for next sprint",
            "Reserve 64 more H100 hours with Lambda.",
            "Agreed: Luis to request a quote.",
        ),
        ("Feature store migration status", "Backfill 70% done; blocked on schema review.", ""),
        ("On-call handover", "No incidents last week.", "Grace takes on-call next week."),
    ]
    review_agenda = [
        (
            "OpenAI renewal and committed spend",
            "Usage trending 12% above commitment.",
            "Renegotiate the commitment before the notice deadline.",
        ),
        (
            "Weights & Biases unused seats",
            "19 seats inactive for 30 days.",
            "Reclaim inactive seats before renewal.",
        ),
        ("Labeling vendor quality", "Scale AI batch 14 below spec; ticket open.", ""),
    ]
    meeting_count = 0
    last_past: dict[int, Meeting] = {}
    for series, agenda in [(sync, sync_agenda), (review, review_agenda)]:
        local_first = series.first_starts_at.astimezone(tz).replace(tzinfo=None)
        rule = rrulestr(series.rrule, dtstart=local_first)
        until = datetime.combine(day - timedelta(days=1), time(23, 59))
        for local in rule.between(local_first, until, inc=True):
            starts = local.replace(tzinfo=tz).astimezone(UTC)
            past = True
            meeting = Meeting(
                series_id=series.id,
                title=series.title,
                starts_at=starts,
                duration_minutes=series.duration_minutes,
                timezone=str(tz),
                organizer_id=organizer.id,
                status="done" if past else "scheduled",
                location="https://meet.acme-ml.example/" + series.title.lower().replace(" ", "-"),
                minutes="Notes taken by Priya." if past else "",
            )
            session.add(meeting)
            session.flush()
            meeting_count += 1
            for person in attendees:
                session.add(
                    MeetingAttendee(
                        meeting_id=_id(meeting), person_id=person.id, email=person.email
                    )
                )
            for position, (title, details, decision) in enumerate(agenda):
                session.add(
                    AgendaItem(
                        meeting_id=_id(meeting),
                        position=position,
                        title=title,
                        details=details,
                        minutes=details if past else "",
                        decision=decision if past else "",
                        status="done" if past and decision else "open",
                    )
                )
            if past:
                last_past[series.id or 0] = meeting
    counts["meetings"] = meeting_count

    # Action items: overdue, due this week, waiting, blocked, and done over the last 8 weeks.
    sync_meeting = last_past.get(sync.id or 0)
    review_meeting = last_past.get(review.id or 0)
    items: list[tuple[Any, ...]] = [
        (
            "Request Lambda quote for 64 H100 hours",
            "Luis Ortega",
            -6,
            "open",
            "high",
            sync_meeting,
            "Lambda",
            None,
        ),
        (
            "Send OpenAI usage forecast to finance",
            "Alex Morgan",
            -3,
            "in_progress",
            "urgent",
            review_meeting,
            "OpenAI",
            None,
        ),
        (
            "Collect W&B inactive seat list",
            "Alex Morgan",
            -1,
            "open",
            "medium",
            review_meeting,
            "Weights & Biases",
            None,
        ),
        (
            "Chase Scale AI on batch 14 relabel",
            "Priya Nair",
            -9,
            "waiting",
            "high",
            review_meeting,
            "Scale AI",
            "Scale AI",
        ),
        (
            "Schema review for feature store backfill",
            "Maya Chen",
            -12,
            "blocked",
            "high",
            sync_meeting,
            None,
            None,
        ),
        (
            "Book vendor QBR with Databricks",
            "Alex Morgan",
            0,
            "open",
            "medium",
            None,
            "Databricks",
            None,
        ),
        (
            "Update GPU reservation forecast",
            "Grace Kim",
            2,
            "open",
            "medium",
            sync_meeting,
            "CoreWeave",
            None,
        ),
        (
            "Draft Anthropic renewal options",
            "Dana Whitfield",
            4,
            "open",
            "high",
            review_meeting,
            "Anthropic",
            None,
        ),
        ("Rotate Pinecone API keys", "Tom Becker", 5, "open", "low", None, "Pinecone", None),
        (
            "Confirm Hugging Face seat owners",
            "Alex Morgan",
            6,
            "open",
            "medium",
            None,
            "Hugging Face",
            None,
        ),
        (
            "Review Arize alert thresholds",
            "Zoe Williams",
            10,
            "open",
            "low",
            None,
            "Arize AI",
            None,
        ),
        (
            "Prepare Snowflake capacity report",
            "Dana Whitfield",
            20,
            "open",
            "medium",
            None,
            "Snowflake",
            None,
        ),
        (
            "Escalate OpenAI rate-limit ticket",
            "Priya Nair",
            -2,
            "open",
            "urgent",
            None,
            "OpenAI",
            "OpenAI",
        ),
        ("Share eval harness notes", "Sam Okafor", -35, "open", "low", None, None, None),
        (
            "Decide on Labelbox renewal",
            "Elena Petrova",
            -15,
            "open",
            "high",
            None,
            "Labelbox",
            None,
        ),
    ]
    for title, owner, due_in, status, priority, meeting, vname, ticket_vendor in items:
        session.add(
            ActionItem(
                title=title,
                owner_id=people[owner].id,
                due_date=day + timedelta(days=due_in),
                status=status,
                priority=priority,
                meeting_id=meeting.id if meeting else None,
                vendor_id=vendors[vname].id if vname else None,
                contract_id=contracts[vname].id if vname else None,
                ticket_id=ticket_rows[ticket_vendor].id if ticket_vendor else None,
                created_by="demo",
            )
        )
    done_titles = [
        "Renew Hugging Face SSO certificate",
        "Close Q3 GPU invoice dispute",
        "Archive old W&B projects",
        "Send minutes of vendor review",
        "Update contract register",
        "Collect labeling quotes",
        "Move eval jobs to spot GPUs",
        "Reconcile OpenAI invoice",
        "Book Databricks training",
        "Onboard new annotator seats",
        "Fix Slack reminder channel",
        "Confirm Arize SSO",
    ]
    names = [n for members in TEAMS.values() for n, _ in members] + ["Alex Morgan"]
    for index, title in enumerate(done_titles):
        finished = day - timedelta(days=3 + index * 4 + rng.randrange(0, 3))
        session.add(
            ActionItem(
                title=title,
                owner_id=people[names[(index * 3) % len(names)]].id,
                due_date=finished + timedelta(days=rng.randrange(-2, 3)),
                status="done",
                priority=rng.choice(["low", "medium", "high"]),
                completed_at=datetime.combine(finished, time(16, 0), UTC),
                created_by="demo",
            )
        )
    session.add(
        ActionItem(
            title="Evaluate second vector database",
            status="dropped",
            owner_id=people["Grace Kim"].id,
            due_date=day - timedelta(days=20),
            vendor_id=vendors["Pinecone"].id,
            created_by="demo",
        )
    )
    counts["action items"] = len(items) + len(done_titles) + 1

    # Budgets: monthly per team, monthly for the two largest vendors, yearly for Snowflake.
    month_start = add_months(day.replace(day=1), -12)
    for team_name, amount in [
        ("ML Platform", "60000"),
        ("Research", "45000"),
        ("Applied ML", "30000"),
        ("Operations", "8000"),
    ]:
        session.add(
            Budget(
                name=f"{team_name} monthly",
                scope="team",
                team_id=teams[team_name].id,
                period="monthly",
                amount=_money(amount),
                currency="USD",
                starts_on=month_start,
            )
        )
    for vname, amount, period in [
        ("OpenAI", "22000", "monthly"),
        ("Databricks", "35000", "monthly"),
        ("Snowflake", "200000", "yearly"),
    ]:
        session.add(
            Budget(
                name=f"{vname} {period}",
                scope="vendor",
                vendor_id=_id(vendors[vname]),
                period=period,
                amount=_money(amount),
                currency="USD",
                starts_on=month_start if period == "monthly" else day.replace(month=1, day=1),
            )
        )
    counts["budgets"] = 7
    return counts, [_id(m) for m in last_past.values()]
