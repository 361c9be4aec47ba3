"""Renewal decision meetings: when they can still happen, who attends, what is on the agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from db import bulk
from db.models import (
    AuditEvent,
    Meeting,
    MeetingAttendee,
    Person,
    User,
)
from services.access import audit
from services.core.clock import session_now
from services.delivery import outbox
from services.delivery.reminders.agenda_rows import insert_agendas, item_title
from services.delivery.reminders.plan_meetings import MEETING_COLUMNS, MeetingFacts, MeetingPlanning
from services.delivery.reminders.planner import ContractFacts
from services.delivery.reminders.schedule import (
    RENEWAL_MEETING_HOUR,
    RENEWAL_MEETING_LAST_HOUR,
    RENEWAL_MEETING_LEAD_DAYS,
    SYSTEM,
    _tag,
    log,
    record_link,
)


class RenewalPlanning(MeetingPlanning):
    """Decision meetings, whose invites ``MeetingPlanning`` plans as they are made."""

    # --- renewal decision meetings -------------------------------------------------------

    def renewal_meetings(self) -> None:
        self._leads: dict[int, list[Person]] = {}
        self._attending: dict[int | None, list[tuple[str, int | None]]] = {}  # by owner
        due = self._renewal_due()
        if not due:
            return
        finance = self.session.exec(
            select(User.email).where(col(User.role) == "finance", col(User.active).is_(True))
        ).all()
        slotted: list[tuple[dict[str, Any], ContractFacts, date, date]] = []
        # One stamp for every row the pass creates here (the open transaction's clock, which a
        # new row's default reads), rather than a clock reading and its conversion per row.
        created = session_now(self.session)
        # A slot depends on the owner and the deadline alone, which many contracts share.
        slots: dict[tuple[int | None, date], datetime | None] = {}
        for contract, term_end, deadline in due:
            key = (contract.owner_id, deadline)
            if key not in slots:
                slots[key] = self._renewal_slot(contract, deadline)
            starts = slots[key]
            if starts is None:
                self._renewal_too_late(contract, deadline)
            else:
                meeting = self._renewal_meeting(contract, starts, created)
                slotted.append((meeting, contract, term_end, deadline))
        # Rows, not ORM objects: a pass can create thousands of meetings (see db/bulk.py).
        ids = bulk.insert_returning(self.session, Meeting, [m for m, *_ in slotted], "contract_id")
        attendees: list[dict[str, Any]] = []
        agendas: list[tuple[int, list[tuple[str, str]]]] = []
        events: list[dict[str, Any]] = []
        # Each new meeting as the calendar planning reads one back, with its agenda titles and
        # attendees: its invite is planned from these rather than from a read of every row.
        new: list[tuple[MeetingFacts, list[str], set[str]]] = []
        for meeting, contract, term_end, deadline in slotted:
            meeting_id = meeting["id"] = ids[contract.id]
            attending = self._renewal_attendees(meeting_id, contract, finance)
            attendees += attending
            agenda = renewal_agenda(contract, term_end, deadline)
            agendas.append((meeting_id, agenda))
            new.append(
                (
                    MeetingFacts(*(meeting[name] for name in MEETING_COLUMNS)),
                    [item_title(heading, details) for heading, details in agenda],
                    {row["email"] for row in attending},
                )
            )
            events.append(
                bulk.values(
                    AuditEvent,
                    at=created,
                    **audit.event_values(
                        SYSTEM,
                        "create",
                        "meeting",
                        meeting_id,
                        after=audit.snapshot_values(meeting),
                        detail=f"renewal decision meeting for contract {contract.id}",
                    ),
                )
            )
        bulk.insert_all(self.session, MeetingAttendee, attendees)
        insert_agendas(self.session, agendas)
        bulk.insert_all(self.session, AuditEvent, events)
        self.planned += len(ids)
        self.plan_new_meetings(new)

    def _renewal_due(self) -> list[tuple[ContractFacts, date, date]]:
        """(contract, current term end, cancellation deadline) of each contract whose decision
        meeting is due: a deadline within the horizon, no decision and no meeting yet."""
        today = self.today()
        horizon = self.settings.renewal_meeting_days
        decisions = self._decided()
        # Renewal meetings already planned, read once rather than one query per contract.
        earliest_window = datetime.combine(
            today - timedelta(days=horizon + 14), time(0), tzinfo=UTC
        )
        planned: dict[int | None, list[datetime]] = {}
        for contract_id, starts_at in self.session.exec(
            select(Meeting.contract_id, Meeting.starts_at).where(
                col(Meeting.contract_id).is_not(None),
                col(Meeting.title).startswith("Renewal decision:"),
                col(Meeting.starts_at) >= earliest_window,
            )
        ):
            planned.setdefault(contract_id, []).append(starts_at)
        due: list[tuple[ContractFacts, date, date]] = []
        last = today + timedelta(days=horizon)
        for contract, terms in self._contracts():
            if contract.cancelled or contract.renewal_type == "none" or terms is None:
                continue
            deadline = terms.cancellation_deadline
            if not today <= deadline <= last:
                continue
            assert contract.id is not None
            if (contract.id, terms.decision_key) in decisions:
                continue
            window_start = datetime.combine(
                deadline - timedelta(days=horizon + 14), time(0), tzinfo=UTC
            )
            if any(at >= window_start for at in planned.get(contract.id, ())):
                continue
            due.append((contract, terms.current_term_end, deadline))
        return due

    def _renewal_slot(self, contract: ContractFacts, deadline: date) -> datetime | None:
        """When the decision meeting starts (UTC): a week before the deadline at 10:00, with at
        least a working day's notice; when the deadline is too close for that, the next hour
        still ahead today; None when no slot is left before the deadline passes."""
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        tz = self.zone(owner.timezone if owner else None)
        days = self.working_days(contract.owner_id)
        local_now = self.now.astimezone(tz)
        today = local_now.date()
        preferred = days.previous(deadline - timedelta(days=RENEWAL_MEETING_LEAD_DAYS))
        day = max(preferred, days.next(today + timedelta(days=1)))
        if day <= days.previous(deadline):
            return datetime.combine(day, time(RENEWAL_MEETING_HOUR), tzinfo=tz).astimezone(UTC)
        if not (days.is_working_day(today) and today <= deadline):
            return None
        next_hour = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        hour = max(next_hour.hour, RENEWAL_MEETING_HOUR)
        if next_hour.date() != today or hour > RENEWAL_MEETING_LAST_HOUR:
            return None
        return datetime.combine(today, time(hour), tzinfo=tz).astimezone(UTC)

    def _renewal_meeting(
        self, contract: ContractFacts, starts: datetime, created: datetime
    ) -> dict[str, Any]:
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        tz = self.zone(owner.timezone if owner else None)
        return bulk.values(
            Meeting,
            title=f"Renewal decision: {contract.vendor_name} {contract.title}"[:200],
            starts_at=starts,
            duration_minutes=30,
            timezone=str(tz.key),
            organizer_id=owner.id if owner else None,
            vendor_id=contract.vendor_id,
            contract_id=contract.id,
            created_at=created,
            updated_at=created,
        )

    def _renewal_too_late(self, contract: ContractFacts, deadline: date) -> None:
        """No meeting slot is left before the deadline: tell the owner in Slack at once."""
        assert contract.id is not None
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        if owner is None or owner.archived:
            log.warning(
                "contract %s: deadline %s too close for a meeting, no owner to tell",
                contract.id,
                deadline,
            )
            return
        if outbox.enqueue(
            self.session,
            now=self.now,
            kind="renewal_urgent",
            record_type="contract",
            record_id=contract.id,
            occurrence=f"{deadline}:urgent:{_tag(owner.email)}",
            channel="slack",
            recipient=owner.email.lower(),
            subject=(
                f"Decide now: {contract.vendor_name} {contract.title}, notice due by {deadline}"
            ),
            body=(
                "There is no time left for a renewal decision meeting before the cancellation "
                f"deadline on {deadline}. Record the decision in Opsdesk, or give notice, today."
            ),
            payload={"link": record_link("contract", contract.id)},
            due_at=self.now,
        ):
            self.planned += 1

    def _renewal_attendees(
        self, meeting_id: int, contract: ContractFacts, finance: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The owner, their team's leads and finance: the same for every contract of an owner."""
        found = self._attending.get(contract.owner_id)
        if found is None:
            found = self._attending[contract.owner_id] = self._attending_for(contract, finance)
        return [
            bulk.values(MeetingAttendee, meeting_id=meeting_id, person_id=person_id, email=email)
            for email, person_id in found
        ]

    def _attending_for(
        self, contract: ContractFacts, finance: Sequence[str]
    ) -> list[tuple[str, int | None]]:
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        emails: dict[str, int | None] = {}
        if owner is not None:
            emails[owner.email.lower()] = owner.id
            if owner.team_id is not None:
                for lead in self._team_leads(owner.team_id):
                    emails.setdefault(lead.email.lower(), lead.id)
        for email in finance:
            person = self.by_email.get(email.lower())
            emails.setdefault(email.lower(), person.id if person else None)
        return list(emails.items())

    def _team_leads(self, team_id: int) -> list[Person]:
        """The team's leads still with us, found once per team rather than once per meeting."""
        leads = self._leads.get(team_id)
        if leads is None:
            leads = self._leads[team_id] = [
                p
                for p in self.people.values()
                if p.is_lead and p.team_id == team_id and not p.archived
            ]
        return leads


def renewal_agenda(
    contract: ContractFacts, term_end: date, deadline: date
) -> list[tuple[str, str]]:
    """The decision agenda, as (title, details) items: every meeting has the same titles."""
    renewal = contract.renewal_type + (
        f", {contract.renewal_period_months} months" if contract.renewal_period_months else ""
    )
    return [
        ("Cancellation deadline", f"{deadline} (notice {contract.notice_days} days)"),
        ("Current term ends", str(term_end)),
        ("Renewal", renewal),
        # No money here: the agenda reaches every attendee (and the .ics, the invite and
        # Slack); the meeting page adds the value for roles holding contracts.values.
        ("Decide", "renew, renegotiate or cancel"),
    ]
