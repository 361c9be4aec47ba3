"""Governance reminders, written into the outbox once each; the reminder planner calls ``plan``.

- Incident deadlines: 24 hours and 6 hours before each open deadline and at it, to the owner (or
  the default Slack channel). All three are queued ahead with their send time, so each is planned
  once; a send time already passed when first seen is dropped except the latest one (no burst for
  an incident recorded late). A deadline met or an incident closed retires what is still queued.
- Obligations: 30 and 7 days before the due date and on it, at 09:00 in the workspace zone, to
  the owner, while not met; a met obligation whose evidence lapses reminds its owner once.
- Drift policies: 7 days before the review-by date, to the owner.
- Governance reviews: the agenda of each review meeting in the next week is filled from records.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.models import DriftPolicy, Incident, Model, Person
from services.access.access import Actor
from services.delivery import outbox
from services.delivery.reminders import latest_passed, send_time
from services.governance import clocks, obligations, reviews
from services.governance.incident_views import incident_rows
from settings import get_settings

SYSTEM = Actor.system("governance")
OBLIGATION_OFFSETS_DAYS = (30, 7, 0)
EVIDENCE_WARN_DAYS = 14
POLICY_REVIEW_DAYS = 7
DEADLINE_KINDS = ("incident_deadline",)


def _link(page: str, record_id: int) -> str:
    return f"{get_settings().app_url.rstrip('/')}/{page}?id={record_id}"


class GovernancePlanner:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.settings = get_settings()
        self.tz: ZoneInfo = self.settings.tz
        self.people = {p.id: p for p in session.exec(select(Person)).all()}
        self.planned = 0

    def recipient(self, person_id: int | None) -> str | None:
        person = self.people.get(person_id) if person_id else None
        if person is not None and not person.archived:
            return person.email.lower()
        return self.settings.slack_default_channel

    def queue(
        self,
        kind: str,
        record_type: str,
        record_id: int,
        occurrence: str,
        to: str,
        subject: str,
        body: str,
        at: datetime,
        page: str,
    ) -> None:
        if outbox.enqueue(
            self.session,
            kind=kind,
            record_type=record_type,
            record_id=record_id,
            occurrence=occurrence,
            channel="slack",
            recipient=to,
            subject=subject,
            body=body,
            payload={"link": _link(page, record_id)},
            due_at=at,
        ):
            self.planned += 1

    def incidents(self) -> None:
        for view in incident_rows(self.session, self.tz):
            keep: list[str] = []
            to = self.recipient(self._owner_id(view.id))
            if view.status != "closed" and to:
                for deadline in view.deadlines:
                    if deadline.open:
                        keep += self.incident_deadline(view.id, view.title, deadline, to)
            outbox.retire(
                self.session,
                record_type="incident",
                record_id=view.id,
                kinds=DEADLINE_KINDS,
                keep=keep,
                reason="deadline met or incident closed",
            )

    def _owner_id(self, incident_id: int) -> int | None:
        incident = self.session.get(Incident, incident_id)
        return incident.owner_id if incident else None

    def incident_deadline(
        self, incident_id: int, title: str, d: clocks.Deadline, to: str
    ) -> list[str]:
        times = d.reminder_times()
        if not times or d.due_at is None:
            return []
        passed = [t for t in times if t[1] <= self.now]
        # First seen late: only the latest passed reminder (and the future ones) are queued.
        due = [t for t in times if t[1] > self.now] + passed[-1:]
        due_local = d.due_at.astimezone(self.tz).isoformat(timespec="minutes")
        for occurrence, at in due:
            occ = f"{d.key}:{d.due_at.isoformat()}:{occurrence.rsplit(':', 1)[1]}"
            self.queue(
                "incident_deadline",
                "incident",
                incident_id,
                occ,
                to,
                f"{d.label} ({d.rule}) due {due_local}: {title}",
                f"{clocks.COUNTING_RULE} Guidance, not legal advice.",
                at,
                "incidents",
            )
        return [f"{d.key}:{d.due_at.isoformat()}:{o.rsplit(':', 1)[1]}" for o, _ in times]

    def obligation_dues(self) -> None:
        today = self.now.astimezone(self.tz).date()
        for row in obligations.obligation_rows(self.session, today):
            to = self.recipient(row.owner_id)
            if to is None or row.state == "not_applicable":
                continue
            if row.status == "met" and row.evidence_until:
                self.evidence_expiry(row, to)
            elif row.state == "missing_evidence":
                self.once(
                    row.id,
                    "evidence_missing",
                    [("missing", today)],
                    to,
                    f"Evidence missing for Art. {row.article} ({row.model}): {row.title}",
                )
            elif row.status != "met":
                schedule = [
                    (f"{row.due_date}:{d}d", row.due_date - timedelta(days=d))
                    for d in OBLIGATION_OFFSETS_DAYS
                ]
                self.once(
                    row.id,
                    "obligation_due",
                    schedule,
                    to,
                    f"Art. {row.article} due {row.due_date}: {row.title} ({row.model})",
                )

    def evidence_expiry(self, row: obligations.ObligationRow, to: str) -> None:
        until = row.evidence_until
        assert until is not None
        schedule = [
            (f"{until}:before", until - timedelta(days=EVIDENCE_WARN_DAYS)),
            (f"{until}:lapsed", until + timedelta(days=1)),
        ]
        self.once(
            row.id,
            "evidence_expiry",
            schedule,
            to,
            f"Evidence for Art. {row.article} ({row.model}) lapses {until}: {row.title}",
        )

    def once(
        self,
        record_id: int,
        kind: str,
        schedule: list[tuple[str, date]],
        to: str,
        subject: str,
        record_type: str = "obligation",
        page: str = "obligations",
    ) -> None:
        chosen = latest_passed(schedule, self.tz, self.now)
        if chosen is not None:
            self.queue(
                kind,
                record_type,
                record_id,
                chosen[0],
                to,
                subject,
                "Guidance, not legal advice.",
                send_time(chosen[1], self.tz),
                page,
            )

    def drift_reviews(self) -> None:
        rows = self.session.exec(
            select(DriftPolicy, Model)
            .join(Model, col(Model.id) == DriftPolicy.model_id)
            .where(col(DriftPolicy.archived_at).is_(None), col(DriftPolicy.review_by).is_not(None))
        ).all()
        for policy, model in rows:
            to = self.recipient(policy.owner_id)
            if to is None or policy.review_by is None or policy.id is None:
                continue
            day = policy.review_by - timedelta(days=POLICY_REVIEW_DAYS)
            self.once(
                policy.id,
                "drift_review",
                [(f"{policy.review_by}:review", day)],
                to,
                f"Review the drift policy on {policy.metric} ({model.name}) by {policy.review_by}",
                record_type="driftpolicy",
                page="drift-policies",
            )


def plan(session: Session, now: datetime) -> int:
    """Plan every governance reminder due at ``now``; returns how many rows were added."""
    obligations.assign_all(session, SYSTEM)  # a newly classified model gets its duties
    planner = GovernancePlanner(session, now)
    planner.incidents()
    planner.obligation_dues()
    planner.drift_reviews()
    planner.planned += reviews.fill_upcoming(session, SYSTEM, now, planner.tz)
    return planner.planned
