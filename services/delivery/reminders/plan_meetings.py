"""Planning for meetings: the organizer's agenda check and the calendar invite."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db import bulk
from db.models import (
    AgendaItem,
    Meeting,
    MeetingAttendee,
    Notification,
)
from integrations.google_calendar import event_id_for
from services.delivery import outbox
from services.delivery.calendar_text import calendar_description
from services.delivery.reminders.planner import PlannerBase
from services.delivery.reminders.rules import (
    Rule,
)
from services.delivery.reminders.schedule import (
    MEETING_LOOKBACK_DAYS,
    STOP_REASON,
    record_link,
)

# Read through the tables, not the mapped classes (see planner.py).
_MEETING = bulk.table_of(Meeting)
_AGENDA = bulk.table_of(AgendaItem)
_ATTENDEE = bulk.table_of(MeetingAttendee)

# json.dumps(..., sort_keys=True), without building an encoder per meeting.
_SORTED_JSON = json.JSONEncoder(sort_keys=True)

MEETING_COLUMNS = (
    "id", "title", "starts_at", "timezone", "status", "organizer_id", "duration_minutes",
    "location",
)  # fmt: skip


class MeetingFacts(NamedTuple):
    """The columns of a meeting that planning reads (in MEETING_COLUMNS' order; a named tuple,
    as ContractFacts)."""

    id: int
    title: str
    starts_at: datetime
    timezone: str
    status: str
    organizer_id: int | None
    duration_minutes: int
    location: str | None


class MeetingPlanning(PlannerBase):
    # --- meetings: agenda reminders and calendar events ------------------------------------

    def __init__(self, session: Session, now: datetime) -> None:
        super().__init__(session, now)
        # What planning a meeting reads, by meeting id: filled by ``meetings`` for the meetings
        # in the database, and by ``plan_new_meetings`` for those this pass creates.
        self._agenda: dict[int, list[str]] = {}  # agenda item titles, in order
        self._attendees: dict[int, set[str]] = {}
        self._calendar_rows: dict[int, list[Notification]] = {}
        self._agenda_queued: dict[int, list[tuple[int, str]]] = {}
        self._agenda_keys: set[str] = set()

    def meetings(self) -> None:
        since = self.now - timedelta(days=MEETING_LOOKBACK_DAYS)
        # Columns, not ORM objects: a pass can read thousands of meetings and changes none.
        meetings = [
            MeetingFacts(*row)
            for row in self.session.execute(
                sa_select(*(_MEETING.c[name] for name in MEETING_COLUMNS)).where(
                    _MEETING.c.starts_at >= since
                )
            ).all()
        ]
        # What each meeting needs, read for all of them at once rather than per meeting; the
        # same meetings named by a subquery rather than by thousands of bound ids.
        recent = sa_select(_MEETING.c.id).where(_MEETING.c.starts_at >= since)
        agenda, attendees = _AGENDA.c, _ATTENDEE.c
        for meeting_id, title in self.session.execute(
            sa_select(agenda.meeting_id, agenda.title)
            .where(agenda.meeting_id.in_(recent))
            .order_by(agenda.meeting_id, agenda.position, agenda.id)
        ).all():
            self._agenda.setdefault(meeting_id, []).append(title)
        for meeting_id, email in self.session.execute(
            sa_select(attendees.meeting_id, attendees.email).where(attendees.meeting_id.in_(recent))
        ).all():
            self._attendees.setdefault(meeting_id, set()).add(email.lower())
        for row in self.session.exec(
            select(Notification).where(
                col(Notification.record_type) == "meeting",
                col(Notification.record_id).in_(recent),
                col(Notification.channel) == "google_calendar",
            )
        ).all():
            self._calendar_rows.setdefault(row.record_id, []).append(row)
        self._agenda_queued = self._queued_rows("meeting_agenda", "meeting")
        self._agenda_keys = self._existing_keys("meeting_agenda", "meeting", recent)
        self._plan_calendar(meetings)

    def plan_new_meetings(self, new: Sequence[tuple[MeetingFacts, list[str], set[str]]]) -> None:
        """Invites and agenda checks for meetings this pass has just written, each given with
        its agenda titles and attendee emails (lower case): what ``meetings`` would read back,
        taken from what was written instead. Nothing can be queued for them yet."""
        for meeting, titles, emails in new:
            self._agenda[meeting.id] = titles
            self._attendees[meeting.id] = emails
        self._plan_calendar([meeting for meeting, _, _ in new])

    def _plan_calendar(self, meetings: Sequence[MeetingFacts]) -> None:
        invite_rule = self.rules.get("meeting_invite")
        agenda_rule = self.rules.get("meeting_agenda")
        for meeting in meetings:
            if invite_rule.enabled:
                self.meeting_event(meeting)
            if agenda_rule.enabled:
                self.agenda_reminder(meeting, agenda_rule)
        self.flush_cancels()
        self.flush_queued()

    def agenda_reminder(self, meeting: MeetingFacts, default: Rule) -> None:
        assert meeting.id is not None
        queued = self._agenda_queued.get(meeting.id, [])
        if meeting.status != "scheduled" or meeting.starts_at <= self.now:
            self.cancel((i for i, _ in queued), STOP_REASON)
            return
        rule = self.rules.get("meeting_agenda", "meeting", meeting.id)
        local_day = meeting.starts_at.astimezone(self.zone(meeting.timezone)).date()
        days_before = rule.offsets[0] if rule.offsets else 1
        day = local_day
        days = self.working_days(meeting.organizer_id)
        for _ in range(max(1, days_before)):
            day = days.previous(day - timedelta(days=1))
        if not queued and day > self.now.astimezone(UTC).date() + timedelta(days=1):
            # 09:00 on that day has not come yet in any zone (none is a day ahead of UTC's):
            # nothing is due, and nothing queued to keep or retire.
            return
        targets = self.targets(rule, meeting.organizer_id)
        items = self._agenda.get(meeting.id, [])
        agenda = "\n".join(f"• {title}" for title in items) or "No agenda items yet: add some."
        start = meeting.starts_at.astimezone(self.zone(meeting.timezone))
        self.plan(
            kind="meeting_agenda",
            record_type="meeting",
            record_id=meeting.id,
            schedule=[(f"agenda:{start:%Y-%m-%dT%H:%M}", day)],
            targets=targets,
            subject=f"Agenda check for {meeting.title} ({start:%a %d %b %H:%M} {meeting.timezone})",
            body=agenda,
            queued=queued,
            existing=self._agenda_keys,
        )

    def _retire_invites(self, meeting_id: int) -> None:
        outbox.retire(
            self.session,
            record_type="meeting",
            record_id=meeting_id,
            kinds=["meeting_invite", "meeting_update"],
            reason="meeting cancelled",
        )

    def _cancel_event(self, meeting: MeetingFacts, recipient: str, event_id: str, key: str) -> None:
        """Retire what has not gone out and queue one cancel of the event Google has."""
        assert meeting.id is not None
        self._retire_invites(meeting.id)
        self.queue(
            kind="meeting_cancel",
            record_type="meeting",
            record_id=meeting.id,
            occurrence="cancel",
            channel="google_calendar",
            recipient=recipient,
            subject=f"Cancel: {meeting.title}",
            payload={"op": "cancel", "event_id": event_id, "key": key},
        )

    def meeting_event(self, meeting: MeetingFacts) -> None:
        assert meeting.id is not None
        key = f"meeting:{meeting.id}"
        event_id = event_id_for(key)
        rows = self._calendar_rows.get(meeting.id, [])
        delivered = [
            r
            for r in rows
            if r.status in ("sent", "sending") or (r.status == "queued" and r.attempts > 0)
        ]
        organizer = self.people.get(meeting.organizer_id) if meeting.organizer_id else None
        recipient = organizer.email.lower() if organizer else self.settings.google_calendar_id
        if meeting.status == "cancelled":
            if delivered:
                self._cancel_event(meeting, recipient, event_id, key)
            else:
                self._retire_invites(meeting.id)
            return
        event = self._event_data(meeting)
        event_json = _SORTED_JSON.encode(event)
        fingerprint = hashlib.sha256(event_json.encode()).hexdigest()[:16]
        head = {"op": "insert", "event_id": event_id, "key": key, "fingerprint": fingerprint}
        payload = head | {"event": event}
        invite = next((r for r in rows if r.kind == "meeting_invite"), None)
        if invite is None:
            if meeting.starts_at > self.now:
                self.queue(
                    kind="meeting_invite",
                    record_type="meeting",
                    record_id=meeting.id,
                    occurrence="invite",
                    channel="google_calendar",
                    recipient=recipient,
                    subject=f"Invite: {meeting.title}",
                    body=event["description"],
                    payload=head,
                    encoded={"event": event_json},  # the fingerprint's text, not encoded again
                )
            return
        if invite.status == "queued" and invite.attempts == 0:
            # Not sent yet: the invite itself carries the latest state.
            if outbox.payload_of(invite).get("fingerprint") != fingerprint:
                invite.payload = json.dumps(payload, sort_keys=True)
                invite.subject = f"Invite: {meeting.title}"[:300]
                self.session.add(invite)
            return
        if invite.status in ("cancelled", "failed"):
            return
        self._queue_update(meeting, rows, recipient, payload)

    def _queue_update(
        self,
        meeting: MeetingFacts,
        rows: list[Notification],
        recipient: str,
        payload: dict[str, Any],
    ) -> None:
        """One patch for the latest change since the invite went out; older ones retired."""
        assert meeting.id is not None
        fingerprint = payload["fingerprint"]
        event = payload["event"]
        changes = sorted(
            (
                r
                for r in rows
                if r.kind in ("meeting_invite", "meeting_update") and r.status != "cancelled"
            ),
            key=lambda r: r.id or 0,
        )
        latest = outbox.payload_of(changes[-1]).get("fingerprint") if changes else None
        if latest == fingerprint:
            return
        outbox.retire(
            self.session,
            record_type="meeting",
            record_id=meeting.id,
            kinds=["meeting_update"],
            reason="superseded by a newer change",
        )
        self.queue(
            kind="meeting_update",
            record_type="meeting",
            record_id=meeting.id,
            occurrence=f"update:{fingerprint}",
            channel="google_calendar",
            recipient=recipient,
            subject=f"Update: {meeting.title}",
            body=event["description"],
            payload=payload | {"op": "patch"},
        )

    def _event_data(self, meeting: MeetingFacts) -> dict[str, Any]:
        assert meeting.id is not None
        tz = self.zone(meeting.timezone)
        start = meeting.starts_at.astimezone(tz)
        attendees = sorted(self._attendees.get(meeting.id, set()))
        items = self._agenda.get(meeting.id, [])
        # Within Google's description limit, always ending with the link to the full agenda.
        description = calendar_description(items, record_link("meeting", meeting.id, self.app_url))
        return {
            "summary": meeting.title,
            "description": description,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=meeting.duration_minutes)).isoformat(),
            "timezone": str(tz.key),
            "attendees": attendees,
            "location": meeting.location,
        }
