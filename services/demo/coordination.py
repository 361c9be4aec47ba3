"""Demo meetings (a weekly platform sync and a monthly vendor review, with past occurrences carrying
agendas, minutes and decisions) and action items."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr

from db.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingAttendee,
    MeetingSeries,
    Person,
)
from services.coordination.recurrence import first_occurrence
from services.core.emails import EmailError, check_address
from services.demo.people_vendors import TEAMS
from services.demo.workspace import Workspace, at_local, pk
from services.vendors.terms import add_months

SYNC_AGENDA = [
    (
        "GPU capacity for next sprint",
        "Reserve 64 more H100 hours with Lambda.",
        "Agreed: Luis to request a quote.",
    ),
    ("Feature store migration status", "Backfill 70% done; blocked on schema review.", ""),
    ("On-call handover", "No incidents last week.", "Grace takes on-call next week."),
]
REVIEW_AGENDA = [
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

MEETING_PEOPLE = (
    "Maya Chen",
    "Luis Ortega",
    "Grace Kim",
    "Priya Nair",
    "Elena Petrova",
    "Omar Haddad",
)

# Action items: overdue, due this week, waiting, blocked. The meeting is the series' key.
ACTION_ITEMS: list[tuple[Any, ...]] = [
    (
        "Request Lambda quote for 64 H100 hours",
        "Luis Ortega",
        -6,
        "open",
        "high",
        "sync",
        "Lambda",
        None,
    ),
    (
        "Send OpenAI usage forecast to finance",
        "Alex Morgan",
        -3,
        "in_progress",
        "urgent",
        "review",
        "OpenAI",
        None,
    ),
    (
        "Collect W&B inactive seat list",
        "Alex Morgan",
        -1,
        "open",
        "medium",
        "review",
        "Weights & Biases",
        None,
    ),
    (
        "Chase Scale AI on batch 14 relabel",
        "Priya Nair",
        -9,
        "waiting",
        "high",
        "review",
        "Scale AI",
        "Scale AI",
    ),
    (
        "Schema review for feature store backfill",
        "Maya Chen",
        -12,
        "blocked",
        "high",
        "sync",
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
        "sync",
        "CoreWeave",
        None,
    ),
    (
        "Draft Anthropic renewal options",
        "Dana Whitfield",
        4,
        "open",
        "high",
        "review",
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

DONE_TITLES = [
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


def _invitable(person: Person) -> bool:
    """Whether mail can reach ``person``: "you" are the local admin, ``admin@localhost`` by
    default, a sign-in identity that no calendar or .ics invite may carry."""
    try:
        check_address(person.email)
    except EmailError:
        return False
    return True


def seed_meetings(ws: Workspace) -> None:
    session, day, tz, people, counts = ws.session, ws.day, ws.tz, ws.people, ws.counts
    organizer = people["Priya Nair"]
    sync_first = day - timedelta(days=day.weekday() - 1 + 7 * 8)  # a Tuesday eight weeks ago
    sync = MeetingSeries(
        title="Weekly platform sync",
        rrule="FREQ=WEEKLY;BYDAY=TU",
        first_starts_at=first_occurrence(
            "FREQ=WEEKLY;BYDAY=TU", at_local(sync_first, 10, 0, tz), str(tz)
        ),
        timezone=str(tz),
        duration_minutes=45,
        organizer_id=organizer.id,
    )
    first_month = add_months(day.replace(day=1), -4)
    review = MeetingSeries(
        title="Monthly vendor review",
        rrule="FREQ=MONTHLY;BYDAY=+1TH",
        # The first Thursday of that month, not the 1st: DTSTART must be the rule's first instance.
        first_starts_at=first_occurrence(
            "FREQ=MONTHLY;BYDAY=+1TH", at_local(first_month, 15, 0, tz), str(tz)
        ),
        timezone=str(tz),
        duration_minutes=60,
        organizer_id=organizer.id,
    )
    session.add(sync)
    session.add(review)
    session.flush()
    you = people["Alex Morgan"]
    attendees = [people[n] for n in MEETING_PEOPLE] + ([you] if _invitable(you) else [])
    meeting_count = 0
    for key, series, agenda in [("sync", sync, SYNC_AGENDA), ("review", review, REVIEW_AGENDA)]:
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
                    MeetingAttendee(meeting_id=pk(meeting), person_id=person.id, email=person.email)
                )
            for position, (title, details, decision) in enumerate(agenda):
                session.add(
                    AgendaItem(
                        meeting_id=pk(meeting),
                        position=position,
                        title=title,
                        details=details,
                        minutes=details if past else "",
                        decision=decision if past else "",
                        status="done" if past and decision else "open",
                    )
                )
            if past:
                ws.last_meetings[key] = meeting
    counts["meetings"] = meeting_count


def seed_actions(ws: Workspace) -> None:
    """Action items: overdue, due this week, waiting, blocked, and done over the last 8 weeks."""
    session, day, rng, people, counts = ws.session, ws.day, ws.rng, ws.people, ws.counts
    vendors, contracts, ticket_rows = ws.vendors, ws.contracts, ws.tickets
    for title, owner, due_in, status, priority, meeting, vname, ticket_vendor in ACTION_ITEMS:
        session.add(
            ActionItem(
                title=title,
                owner_id=people[owner].id,
                due_date=day + timedelta(days=due_in),
                status=status,
                priority=priority,
                meeting_id=ws.last_meetings[meeting].id if meeting in ws.last_meetings else None,
                vendor_id=vendors[vname].id if vname else None,
                contract_id=contracts[vname].id if vname else None,
                ticket_id=ticket_rows[ticket_vendor].id if ticket_vendor else None,
                created_by="demo",
            )
        )
    names = [n for members in TEAMS.values() for n, _ in members] + ["Alex Morgan"]
    for index, title in enumerate(DONE_TITLES):
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
    counts["action items"] = len(ACTION_ITEMS) + len(DONE_TITLES) + 1
