"""Reminder planning: which notifications are due now, written into the outbox once each.

Every reminder has an occurrence (the date it is for, with the date it reminds about), so
planning again creates nothing and a changed date retires the old occurrences. Reminders go out
at 09:00 in the recipient's time zone (the workspace's when unknown) on working days. When a record
is first seen with several occurrences already passed, only the most recent one is sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    ActionItem,
    AgendaItem,
    Contract,
    Meeting,
    MeetingAttendee,
    Notification,
    Person,
    ReminderRule,
    RenewalDecision,
    SupportTicket,
    User,
    Vendor,
)
from integrations.google_calendar import event_id_for
from services.access import audit
from services.access.access import Actor, require
from services.core.emails import split_addresses
from services.core.statuses import OPEN_ACTION_STATUSES, SLA_CLOCK_STATUSES
from services.core.workdays import WEEKDAYS, WorkingDays
from services.delivery import outbox
from services.delivery.calendar_text import calendar_description
from services.vendors.terms import Terms, terms_of
from services.vendors.tickets import ticket_views
from settings import get_settings

log = logging.getLogger(__name__)

REMINDER_HOUR = 9
ACTION_NUDGE_EVERY_WORKING_DAYS = 3
ACTION_MAX_NUDGES = 5
CONTRACT_OFFSETS_DAYS = (120, 90, 60, 30, 14, 7)
MEETING_LOOKBACK_DAYS = 1
RENEWAL_MEETING_HOUR = 10
RENEWAL_MEETING_LEAD_DAYS = 7
RENEWAL_MEETING_LAST_HOUR = 16  # the latest start of a same-day decision meeting
# An item due further ahead than this has no reminder whose send time has come, in any time zone
# (its first one is the working day before the due date, at most 3 days before it).
ACTION_LOOKAHEAD_DAYS = 7
KEY_BATCH = 500
STOP_REASON = "the record no longer needs reminding"
SYSTEM = Actor.system("reminders")

# kind -> (default offsets, default channel, what the rule means), seeded on first use.
DEFAULT_RULES: dict[str, tuple[str, str, str]] = {
    "action_item": (
        "",
        "slack",
        "working day before the due date, first overdue day, then every 3 working "
        "days while open (at most 5 nudges)",
    ),
    "contract": (
        ",".join(str(d) for d in CONTRACT_OFFSETS_DAYS),
        "slack",
        "days before the cancellation deadline, to the contract owner",
    ),
    "ticket_sla": ("", "slack", "once when a vendor ticket passes its SLA"),
    "meeting_agenda": ("1", "slack", "agenda reminder to the organizer, working days before"),
    "meeting_invite": ("", "google_calendar", "invite, update and cancel in Google Calendar"),
    "budget_threshold": ("", "slack", "budget thresholds crossed (queued by the spend engine)"),
}
# record type -> (the page's url_path in ui/navigation.py, the query parameter it reads)
RECORD_PAGES: dict[str, tuple[str, str | None]] = {
    "action_item": ("follow-ups", None),
    "contract": ("renewals", None),
    "ticket": ("tickets", None),
    "meeting": ("meetings", "meeting"),
    "budget": ("budgets", None),
}


def app_url() -> str:
    return get_settings().app_url.rstrip("/")


def record_link(record_type: str, record_id: int) -> str:
    path, param = RECORD_PAGES.get(record_type, (record_type, None))
    query = f"?{param}={record_id}" if param else ""
    return f"{app_url()}/{path}{query}"


# --- working days and send times -------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return get_settings().tz


def send_time(day: date, tz: ZoneInfo) -> datetime:
    """09:00 on ``day`` in ``tz``, as UTC (09:00 exists on every clock-change day)."""
    return datetime.combine(day, time(REMINDER_HOUR), tzinfo=tz).astimezone(UTC)


def latest_passed(
    schedule: Iterable[tuple[str, date]], tz: ZoneInfo, now: datetime
) -> tuple[str, date] | None:
    """The most recent occurrence whose send time has come: no burst of missed ones."""
    passed = [(occ, day) for occ, day in schedule if send_time(day, tz) <= now]
    return max(passed, key=lambda item: item[1]) if passed else None


def action_schedule(due: date, days: WorkingDays = WEEKDAYS) -> list[tuple[str, date]]:
    """The day before (working), the first overdue working day, then every 3 working days."""
    schedule = [(f"{due}:before", days.previous(due - timedelta(days=1)))]
    first = days.next(due + timedelta(days=1))
    for n in range(ACTION_MAX_NUDGES):
        schedule.append(
            (f"{due}:overdue{n + 1}", days.add(first, n * ACTION_NUDGE_EVERY_WORKING_DAYS))
        )
    return schedule


def action_subject(due: date, title: str, occurrence: str) -> str:
    if occurrence.endswith(":before"):
        return f"Due {due}: {title}"
    return f"Overdue since {due}: {title}"


def contract_schedule(
    deadline: date, offsets: Iterable[int], days: WorkingDays = WEEKDAYS
) -> list[tuple[str, date]]:
    return [
        (f"{deadline}:{d}d", days.previous(deadline - timedelta(days=d)))
        for d in sorted(set(offsets), reverse=True)
    ]


def _tag(recipient: str) -> str:
    return hashlib.sha1(recipient.lower().encode(), usedforsecurity=False).hexdigest()[:10]


# --- rules -----------------------------------------------------------------------------


def ensure_default_rules(session: Session) -> None:
    existing = set(
        session.exec(select(ReminderRule.kind).where(col(ReminderRule.record_type).is_(None))).all()
    )
    for kind, (offsets, channel, _what) in DEFAULT_RULES.items():
        if kind not in existing:
            session.add(ReminderRule(kind=kind, offsets_days=offsets, channel=channel))


@dataclass(frozen=True)
class Rule:
    kind: str
    offsets: tuple[int, ...]
    channel_target: str | None
    recipients: tuple[str, ...]
    enabled: bool


def _parse_offsets(text: str) -> tuple[int, ...]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 <= int(part) <= 730:
            raise ValueError(f"offset {part!r} is not a whole number of days between 0 and 730")
        out.append(int(part))
    return tuple(sorted(set(out), reverse=True))


def _parse_recipients(text: str) -> tuple[str, ...]:
    return tuple(split_addresses(text))


class Rules:
    """Default rules per kind and per-record overrides, read once per planning pass."""

    def __init__(self, session: Session) -> None:
        ensure_default_rules(session)
        self.default: dict[str, ReminderRule] = {}
        self.record: dict[tuple[str, str, int], ReminderRule] = {}
        for r in session.exec(select(ReminderRule)).all():
            if r.record_type is None:
                self.default.setdefault(r.kind, r)
            elif r.record_id is not None:
                self.record[(r.kind, r.record_type, r.record_id)] = r

    def get(self, kind: str, record_type: str | None = None, record_id: int | None = None) -> Rule:
        base = self.default.get(kind)
        own = self.record.get((kind, record_type or "", record_id or 0))
        chosen = own or base
        offsets_text = (
            own.offsets_days
            if own and own.offsets_days
            else (base.offsets_days if base else DEFAULT_RULES[kind][0])
        )
        return Rule(
            kind=kind,
            offsets=_parse_offsets(offsets_text),
            channel_target=(chosen.channel_target if chosen else None) or None,
            recipients=_parse_recipients(chosen.recipients if chosen else ""),
            enabled=chosen.enabled if chosen else True,
        )


def list_rules(db: Database, actor: Actor) -> list[ReminderRule]:
    require(db, actor, "settings.manage", record_type="reminder_rule")
    with db.write() as session:
        ensure_default_rules(session)
    with db.read() as session:
        return list(
            session.exec(
                select(ReminderRule).order_by(
                    col(ReminderRule.record_type).is_not(None),
                    col(ReminderRule.kind),
                    col(ReminderRule.id),
                )
            ).all()
        )


def rule_description(kind: str) -> str:
    return DEFAULT_RULES.get(kind, ("", "", kind))[2]


def update_rule(
    db: Database,
    actor: Actor,
    rule_id: int,
    *,
    offsets_days: str,
    channel_target: str,
    recipients: str,
    enabled: bool,
) -> ReminderRule:
    """Change a rule; offsets, channel id and emails are validated before anything is saved."""
    require(db, actor, "settings.manage", record_type="reminder_rule", record_id=rule_id)
    offsets = _parse_offsets(offsets_days)
    people = _parse_recipients(recipients)
    target = (channel_target or "").strip()
    if target and (target[:1] not in ("C", "G") or not target.isalnum() or len(target) > 32):
        raise ValueError("a Slack channel id looks like C0123ABCD")
    with db.write() as session:
        rule = session.get(ReminderRule, rule_id)
        if rule is None:
            raise ValueError(f"no reminder rule {rule_id}")
        before = audit.snapshot(rule)
        rule.offsets_days = ",".join(str(d) for d in offsets)
        rule.channel_target = target or None
        rule.recipients = ",".join(people)
        rule.enabled = enabled
        session.add(rule)
        audit.record(
            session,
            actor,
            "update",
            "reminder_rule",
            rule_id,
            before=before,
            after=audit.snapshot(rule),
        )
        return rule


def set_record_recipients(
    db: Database,
    actor: Actor,
    kind: str,
    record_type: str,
    record_id: int,
    recipients: str,
    *,
    channel_target: str | None = None,
) -> ReminderRule:
    """Per-record recipients that replace the default ones for this record."""
    require(db, actor, "settings.manage", record_type=record_type, record_id=record_id)
    if kind not in DEFAULT_RULES:
        raise ValueError(f"unknown reminder kind {kind!r}")
    people = _parse_recipients(recipients)
    with db.write() as session:
        rule = session.exec(
            select(ReminderRule).where(
                col(ReminderRule.kind) == kind,
                col(ReminderRule.record_type) == record_type,
                col(ReminderRule.record_id) == record_id,
            )
        ).first()
        before = audit.snapshot(rule)
        if rule is None:
            rule = ReminderRule(
                kind=kind,
                record_type=record_type,
                record_id=record_id,
                channel=DEFAULT_RULES[kind][1],
            )
        rule.recipients = ",".join(people)
        rule.channel_target = channel_target or None
        session.add(rule)
        session.flush()
        audit.record(
            session,
            actor,
            "update",
            "reminder_rule",
            rule.id,
            before=before,
            after=audit.snapshot(rule),
        )
        return rule


# --- planning --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    recipient: str  # an email (a direct message) or a Slack channel id
    tz: ZoneInfo


class Planner:
    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.settings = get_settings()
        self.rules = Rules(session)
        self.people = {p.id: p for p in session.exec(select(Person)).all()}
        self.by_email = {p.email.lower(): p for p in self.people.values()}
        self.planned = 0
        self._cancels: dict[str, list[int]] = {}
        self._pending: list[dict[str, Any]] = []  # new notifications, inserted by _plan_many
        self._working_days: dict[tuple[str, ...], WorkingDays] = {}

    def today(self, tz: ZoneInfo | None = None) -> date:
        return self.now.astimezone(tz or self.settings.tz).date()

    def working_days(self, person_id: int | None) -> WorkingDays:
        """The workspace country's holidays, and the person's own country's where known."""
        person = self.people.get(person_id) if person_id else None
        countries = (self.settings.holiday_country, person.country if person else None)
        key = tuple(sorted({c.upper() for c in countries if c}))
        if key not in self._working_days:
            self._working_days[key] = WorkingDays(key)
        return self._working_days[key]

    def targets(self, rule: Rule, owner_id: int | None) -> list[Target]:
        """Per-record (or rule) recipients override the owner; a channel is added when set."""
        out: list[Target] = []
        if rule.recipients:
            for email in rule.recipients:
                person = self.by_email.get(email)
                out.append(Target(email, zone(person.timezone if person else None)))
        else:
            owner = self.people.get(owner_id) if owner_id else None
            if owner is not None and not owner.archived:
                out.append(Target(owner.email.lower(), zone(owner.timezone)))
        if rule.channel_target:
            out.append(Target(rule.channel_target, self.settings.tz))
        return out

    def plan(
        self,
        *,
        kind: str,
        record_type: str,
        record_id: int,
        schedule: list[tuple[str, date]],
        targets: list[Target],
        subject: str | Callable[[str], str],
        body: str,
        retire_kinds: Iterable[str] = (),
        queued: list[tuple[int, str]] | None = None,
        existing: set[str] | None = None,
    ) -> None:
        """``queued``, when given, is the record's queued (id, occurrence) rows of ``kind``, read
        beforehand: the stale ones are cancelled in one batch (``flush_cancels``) instead of an
        UPDATE per record. ``existing`` holds dedupe keys already present, so only new rows are
        inserted (still ON CONFLICT DO NOTHING, for a concurrent planner)."""
        keep = {f"{occ}:{_tag(t.recipient)}" for occ, _ in schedule for t in targets}
        if queued is not None:
            self.cancel([row_id for row_id, occ in queued if occ not in keep])
        else:
            outbox.retire(
                self.session,
                record_type=record_type,
                record_id=record_id,
                kinds=list(retire_kinds) or [kind],
                keep=keep,
            )
        for target in targets:
            chosen = latest_passed(schedule, target.tz, self.now)
            if chosen is None:
                continue
            occurrence, day = chosen
            occurrence = f"{occurrence}:{_tag(target.recipient)}"
            if existing is not None:
                key = outbox.dedupe_key(kind, record_type, record_id, occurrence, "slack")
                if key in existing:
                    continue
                existing.add(key)  # a second target with the same key adds nothing, as before
            values = outbox.notification_values(
                kind=kind,
                record_type=record_type,
                record_id=record_id,
                occurrence=occurrence,
                channel="slack",
                recipient=target.recipient,
                subject=subject(chosen[0]) if callable(subject) else subject,
                body=body,
                payload={"link": record_link(record_type, record_id)},
                due_at=send_time(day, target.tz),
                now=self.now,
            )
            if existing is not None:
                self._pending.append(values)
            elif outbox.enqueue_many(self.session, [values]):
                self.planned += 1

    def cancel(self, row_ids: Iterable[int], reason: str = "no longer applies") -> None:
        """Cancel these queued rows at the next ``flush_cancels``."""
        self._cancels.setdefault(reason, []).extend(row_ids)

    def flush_cancels(self) -> None:
        for reason, ids in self._cancels.items():
            for start in range(0, len(ids), KEY_BATCH):
                self.session.execute(
                    update(Notification)
                    .where(
                        col(Notification.id).in_(ids[start : start + KEY_BATCH]),
                        col(Notification.status) == "queued",
                    )
                    .values(status="cancelled", last_error=reason)
                    .execution_options(synchronize_session="fetch")
                )
        self._cancels.clear()

    def stop(self, record_type: str, record_id: int, kinds: Iterable[str]) -> None:
        outbox.retire(
            self.session,
            record_type=record_type,
            record_id=record_id,
            kinds=list(kinds),
            reason=STOP_REASON,
        )

    # --- action items --------------------------------------------------------------------

    def action_items(self) -> None:
        """Only the items that can need anything: open, not snoozed and due within the
        schedule's reach (a few days ahead, at most 60 days back), plus every item that still
        has queued reminders (to retire or keep them). Other items would plan nothing."""
        today = self.today()
        rule_enabled = self.rules.get("action_item").enabled
        queued_ids = (
            select(Notification.record_id)
            .where(
                col(Notification.kind) == "action_item",
                col(Notification.record_type) == "action_item",
                col(Notification.status) == "queued",
            )
            .scalar_subquery()
        )
        due_now = and_(
            col(ActionItem.status).in_(OPEN_ACTION_STATUSES),
            col(ActionItem.due_date) >= today - timedelta(days=60),
            col(ActionItem.due_date) <= today + timedelta(days=ACTION_LOOKAHEAD_DAYS),
            or_(
                col(ActionItem.snoozed_until).is_(None),
                col(ActionItem.snoozed_until) <= today,
            ),
        )
        reach = or_(due_now, col(ActionItem.id).in_(queued_ids)) if rule_enabled else None
        items = self.session.exec(
            select(ActionItem)
            .where(
                col(ActionItem.due_date).is_not(None),
                reach if reach is not None else col(ActionItem.id).in_(queued_ids),
            )
            .order_by(col(ActionItem.id))
        ).all()
        queued = self._queued_rows("action_item", "action_item")
        jobs: list[dict[str, Any]] = []
        for item in items:
            assert item.id is not None and item.due_date is not None
            rule = self.rules.get("action_item", "action_item", item.id)
            is_open = item.status in OPEN_ACTION_STATUSES
            snoozed = item.snoozed_until is not None and item.snoozed_until > today
            if not (rule_enabled and rule.enabled and is_open and not snoozed):
                if item.id in queued:
                    self.cancel((i for i, _ in queued[item.id]), STOP_REASON)
                continue
            if item.due_date < today - timedelta(days=60) and item.id not in queued:
                # Far past its nudges: nothing left to plan.
                continue
            jobs.append(
                dict(
                    kind="action_item",
                    record_type="action_item",
                    record_id=item.id,
                    schedule=action_schedule(item.due_date, self.working_days(item.owner_id)),
                    targets=self.targets(rule, item.owner_id),
                    subject=partial(action_subject, item.due_date, item.title),
                    body=f"Status: {item.status.replace('_', ' ')}. Priority: {item.priority}.",
                    queued=queued.get(item.id, []),
                )
            )
        self._plan_many("action_item", "action_item", jobs)

    def _plan_many(self, kind: str, record_type: str, jobs: list[dict[str, Any]]) -> None:
        """``plan`` each job, with the existing dedupe keys of all their records read at once."""
        existing = self._existing_keys(kind, record_type, [job["record_id"] for job in jobs])
        for job in jobs:
            self.plan(**job, existing=existing)
        self.flush_cancels()
        self.planned += outbox.enqueue_many(self.session, self._pending)
        self._pending.clear()

    def _existing_keys(self, kind: str, record_type: str, record_ids: list[int]) -> set[str]:
        keys: set[str] = set()
        for start in range(0, len(record_ids), KEY_BATCH):
            keys.update(
                self.session.exec(
                    select(Notification.dedupe_key).where(
                        col(Notification.record_type) == record_type,
                        col(Notification.record_id).in_(record_ids[start : start + KEY_BATCH]),
                        col(Notification.kind) == kind,
                    )
                ).all()
            )
        return keys

    def _queued_rows(self, kind: str, record_type: str) -> dict[int, list[tuple[int, str]]]:
        """record id -> its queued (id, occurrence) rows of ``kind``, in one query."""
        out: dict[int, list[tuple[int, str]]] = {}
        for row_id, record_id, occurrence in self.session.exec(
            select(
                col(Notification.id), col(Notification.record_id), col(Notification.occurrence)
            ).where(
                col(Notification.kind) == kind,
                col(Notification.record_type) == record_type,
                col(Notification.status) == "queued",
            )
        ).all():
            assert row_id is not None
            out.setdefault(record_id, []).append((row_id, occurrence))
        return out

    def _decided(self) -> set[tuple[int, date]]:
        """(contract id, term end) of every renewal decision, read once."""
        return {
            (contract_id, term_end)
            for contract_id, term_end in self.session.exec(
                select(col(RenewalDecision.contract_id), col(RenewalDecision.term_end))
            ).all()
        }

    # --- contracts -----------------------------------------------------------------------

    def contracts(self) -> None:
        today = self.today()
        rows = self.session.exec(
            select(Contract, Vendor)
            .join(Vendor, col(Vendor.id) == col(Contract.vendor_id))
            .order_by(col(Contract.id))
        ).all()
        queued = self._queued_rows("contract", "contract")
        decided = self._decided()
        jobs: list[dict[str, Any]] = []
        for contract, vendor in rows:
            assert contract.id is not None
            rule = self.rules.get("contract", "contract", contract.id)
            if contract.cancelled or not rule.enabled:
                if contract.id in queued:
                    self.cancel((i for i, _ in queued[contract.id]), STOP_REASON)
                continue
            terms = _terms(contract, today)
            if terms is None:
                continue
            if (contract.id, terms.decision_key) in decided or terms.cancellation_deadline < today:
                if contract.id in queued:
                    self.cancel((i for i, _ in queued[contract.id]), STOP_REASON)
                continue
            deadline = terms.cancellation_deadline
            schedule = contract_schedule(
                deadline, rule.offsets, self.working_days(contract.owner_id)
            )
            targets = self.targets(rule, contract.owner_id)
            if contract.id not in queued and not any(
                latest_passed(schedule, t.tz, self.now) for t in targets
            ):
                continue  # nothing to retire and nothing due yet
            jobs.append(
                dict(
                    kind="contract",
                    record_type="contract",
                    record_id=contract.id,
                    schedule=schedule,
                    targets=targets,
                    subject=f"Cancellation deadline {deadline}: {vendor.name} {contract.title}",
                    body=(
                        f"Notice must be given by {deadline} or the contract "
                        f"{'renews automatically' if contract.renewal_type == 'auto' else 'ends'}"
                        f" (term ends {terms.current_term_end}, {contract.notice_days} days "
                        "notice)."
                    ),
                    queued=queued.get(contract.id, []),
                )
            )
        self._plan_many("contract", "contract", jobs)

    # --- vendor tickets past SLA ------------------------------------------------------------

    def tickets(self) -> None:
        if not self.rules.get("ticket_sla").enabled:
            return
        open_tickets = list(
            self.session.exec(
                select(SupportTicket).where(col(SupportTicket.status).in_(SLA_CLOCK_STATUSES))
            )
        )
        for ticket in ticket_views(self.session, open_tickets):
            breach = ticket.sla_due_at
            if breach is None or breach > self.now:
                continue
            rule = self.rules.get("ticket_sla", "ticket", ticket.id)
            days = self.working_days(ticket.owner_id)
            for target in self.targets(rule, ticket.owner_id):
                day = days.next(breach.astimezone(target.tz).date())
                if send_time(day, target.tz) < breach:
                    day = days.add(day, 1)
                if send_time(day, target.tz) > self.now:
                    continue
                if outbox.enqueue(
                    self.session,
                    now=self.now,
                    kind="ticket_sla",
                    record_type="ticket",
                    record_id=ticket.id,
                    occurrence=f"sla:{breach:%Y%m%dT%H%M}:{_tag(target.recipient)}",
                    channel="slack",
                    recipient=target.recipient,
                    subject=f"Vendor ticket past its SLA: {ticket.vendor_ticket_id} {ticket.title}",
                    body=(
                        f"{ticket.vendor_name} ticket opened {ticket.opened_at:%Y-%m-%d %H:%M} "
                        f"UTC; the SLA of {ticket.sla_hours} hours ran out "
                        f"{breach:%Y-%m-%d %H:%M} UTC. Severity {ticket.severity}."
                    ),
                    payload={"link": record_link("ticket", ticket.id)},
                    due_at=send_time(day, target.tz),
                ):
                    self.planned += 1

    # --- meetings: agenda reminders and calendar events ------------------------------------

    def meetings(self) -> None:
        since = self.now - timedelta(days=MEETING_LOOKBACK_DAYS)
        meetings = self.session.exec(select(Meeting).where(col(Meeting.starts_at) >= since)).all()
        invite_rule = self.rules.get("meeting_invite")
        agenda_rule = self.rules.get("meeting_agenda")
        # What each meeting needs, read for all of them at once rather than per meeting.
        ids = [m.id for m in meetings if m.id is not None]
        self._agenda: dict[int, list[AgendaItem]] = {}
        self._attendees: dict[int, set[str]] = {}
        self._calendar_rows: dict[int, list[Notification]] = {}
        for start in range(0, len(ids), KEY_BATCH):
            chunk = ids[start : start + KEY_BATCH]
            for item in self.session.exec(
                select(AgendaItem)
                .where(col(AgendaItem.meeting_id).in_(chunk))
                .order_by(col(AgendaItem.meeting_id), col(AgendaItem.position), col(AgendaItem.id))
            ).all():
                self._agenda.setdefault(item.meeting_id, []).append(item)
            for meeting_id, email in self.session.exec(
                select(col(MeetingAttendee.meeting_id), col(MeetingAttendee.email)).where(
                    col(MeetingAttendee.meeting_id).in_(chunk)
                )
            ).all():
                self._attendees.setdefault(meeting_id, set()).add(email.lower())
            for row in self.session.exec(
                select(Notification).where(
                    col(Notification.record_type) == "meeting",
                    col(Notification.record_id).in_(chunk),
                    col(Notification.channel) == "google_calendar",
                )
            ).all():
                self._calendar_rows.setdefault(row.record_id, []).append(row)
        self._agenda_queued = self._queued_rows("meeting_agenda", "meeting")
        for meeting in meetings:
            assert meeting.id is not None
            if invite_rule.enabled:
                self.meeting_event(meeting)
            if agenda_rule.enabled:
                self.agenda_reminder(meeting, agenda_rule)
        self.flush_cancels()

    def agenda_reminder(self, meeting: Meeting, default: Rule) -> None:
        assert meeting.id is not None
        queued = self._agenda_queued.get(meeting.id, [])
        if meeting.status != "scheduled" or meeting.starts_at <= self.now:
            self.cancel((i for i, _ in queued), STOP_REASON)
            return
        rule = self.rules.get("meeting_agenda", "meeting", meeting.id)
        targets = self.targets(rule, meeting.organizer_id)
        local_day = meeting.starts_at.astimezone(zone(meeting.timezone)).date()
        days_before = rule.offsets[0] if rule.offsets else 1
        day = local_day
        days = self.working_days(meeting.organizer_id)
        for _ in range(max(1, days_before)):
            day = days.previous(day - timedelta(days=1))
        items = self._agenda.get(meeting.id, [])
        agenda = "\n".join(f"• {i.title}" for i in items) or "No agenda items yet: add some."
        start = meeting.starts_at.astimezone(zone(meeting.timezone))
        self.plan(
            kind="meeting_agenda",
            record_type="meeting",
            record_id=meeting.id,
            schedule=[(f"agenda:{start:%Y-%m-%dT%H:%M}", day)],
            targets=targets,
            subject=f"Agenda check for {meeting.title} ({start:%a %d %b %H:%M} {meeting.timezone})",
            body=agenda,
            queued=queued,
        )

    def meeting_event(self, meeting: Meeting) -> None:
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
            outbox.retire(
                self.session,
                record_type="meeting",
                record_id=meeting.id,
                kinds=["meeting_invite", "meeting_update"],
                reason="meeting cancelled",
            )
            if delivered and outbox.enqueue(
                self.session,
                now=self.now,
                kind="meeting_cancel",
                record_type="meeting",
                record_id=meeting.id,
                occurrence="cancel",
                channel="google_calendar",
                recipient=recipient,
                subject=f"Cancel: {meeting.title}",
                payload={"op": "cancel", "event_id": event_id, "key": key},
            ):
                self.planned += 1
            return
        event = self._event_data(meeting)
        fingerprint = hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()[:16]
        payload = {
            "op": "insert",
            "event_id": event_id,
            "key": key,
            "event": event,
            "fingerprint": fingerprint,
        }
        invite = next((r for r in rows if r.kind == "meeting_invite"), None)
        if invite is None:
            if meeting.starts_at > self.now and outbox.enqueue(
                self.session,
                now=self.now,
                kind="meeting_invite",
                record_type="meeting",
                record_id=meeting.id,
                occurrence="invite",
                channel="google_calendar",
                recipient=recipient,
                subject=f"Invite: {meeting.title}",
                body=event["description"],
                payload=payload,
            ):
                self.planned += 1
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
        if outbox.enqueue(
            self.session,
            now=self.now,
            kind="meeting_update",
            record_type="meeting",
            record_id=meeting.id,
            occurrence=f"update:{fingerprint}",
            channel="google_calendar",
            recipient=recipient,
            subject=f"Update: {meeting.title}",
            body=event["description"],
            payload=payload | {"op": "patch"},
        ):
            self.planned += 1

    def _event_data(self, meeting: Meeting) -> dict[str, Any]:
        assert meeting.id is not None
        tz = zone(meeting.timezone)
        start = meeting.starts_at.astimezone(tz)
        attendees = sorted(self._attendees.get(meeting.id, set()))
        items = self._agenda.get(meeting.id, [])
        # Within Google's description limit, always ending with the link to the full agenda.
        description = calendar_description(
            [i.title for i in items], record_link("meeting", meeting.id)
        )
        return {
            "summary": meeting.title,
            "description": description,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=meeting.duration_minutes)).isoformat(),
            "timezone": str(tz.key),
            "attendees": attendees,
            "location": meeting.location,
        }

    # --- renewal decision meetings -------------------------------------------------------

    def renewal_meetings(self) -> None:
        today = self.today()
        horizon = self.settings.renewal_meeting_days
        rows = self.session.exec(
            select(Contract, Vendor)
            .join(Vendor, col(Vendor.id) == col(Contract.vendor_id))
            .where(col(Contract.cancelled).is_(False))
            .order_by(col(Contract.id))
        ).all()
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
        due: list[tuple[Contract, Vendor, date, date]] = []
        for contract, vendor in rows:
            if contract.renewal_type == "none":
                continue
            terms = _terms(contract, today)
            if terms is None:
                continue
            deadline = terms.cancellation_deadline
            if not today <= deadline <= today + timedelta(days=horizon):
                continue
            assert contract.id is not None
            if (contract.id, terms.decision_key) in decisions:
                continue
            window_start = datetime.combine(
                deadline - timedelta(days=horizon + 14), time(0), tzinfo=UTC
            )
            if any(at >= window_start for at in planned.get(contract.id, ())):
                continue
            due.append((contract, vendor, terms.current_term_end, deadline))
        if not due:
            return
        finance = self.session.exec(
            select(User.email).where(col(User.role) == "finance", col(User.active).is_(True))
        ).all()
        slotted: list[tuple[Meeting, Contract, date, date]] = []
        for contract, vendor, term_end, deadline in due:
            starts = self._renewal_slot(contract, deadline)
            if starts is None:
                self._renewal_too_late(contract, vendor, deadline)
            else:
                meeting = self._renewal_meeting(contract, vendor, starts)
                slotted.append((meeting, contract, term_end, deadline))
        self.session.add_all([meeting for meeting, *_ in slotted])
        self.session.flush()  # one flush gives every new meeting its id
        for meeting, contract, term_end, deadline in slotted:
            self._fill_renewal_meeting(meeting, contract, term_end, deadline, finance)

    def _renewal_slot(self, contract: Contract, deadline: date) -> datetime | None:
        """When the decision meeting starts (UTC): a week before the deadline at 10:00, with at
        least a working day's notice; when the deadline is too close for that, the next hour
        still ahead today; None when no slot is left before the deadline passes."""
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        tz = zone(owner.timezone if owner else None)
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

    def _renewal_meeting(self, contract: Contract, vendor: Vendor, starts: datetime) -> Meeting:
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        tz = zone(owner.timezone if owner else None)
        return Meeting(
            title=f"Renewal decision: {vendor.name} {contract.title}"[:200],
            starts_at=starts,
            duration_minutes=30,
            timezone=str(tz.key),
            organizer_id=owner.id if owner else None,
            vendor_id=vendor.id,
            contract_id=contract.id,
        )

    def _renewal_too_late(self, contract: Contract, vendor: Vendor, deadline: date) -> None:
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
            subject=f"Decide now: {vendor.name} {contract.title}, notice due by {deadline}",
            body=(
                "There is no time left for a renewal decision meeting before the cancellation "
                f"deadline on {deadline}. Record the decision in Opsdesk, or give notice, today."
            ),
            payload={"link": record_link("contract", contract.id)},
            due_at=self.now,
        ):
            self.planned += 1

    def _fill_renewal_meeting(
        self,
        meeting: Meeting,
        contract: Contract,
        term_end: date,
        deadline: date,
        finance: Sequence[str],
    ) -> None:
        """Attendees (owner, their team's leads, finance) and the decision agenda."""
        assert meeting.id is not None and contract.id is not None
        owner = self.people.get(contract.owner_id) if contract.owner_id else None
        emails: dict[str, int | None] = {}
        if owner is not None:
            emails[owner.email.lower()] = owner.id
            if owner.team_id is not None:
                for p in self.people.values():
                    if p.is_lead and p.team_id == owner.team_id and not p.archived:
                        emails.setdefault(p.email.lower(), p.id)
        for email in finance:
            person = self.by_email.get(email.lower())
            emails.setdefault(email.lower(), person.id if person else None)
        for email, person_id in emails.items():
            self.session.add(
                MeetingAttendee(meeting_id=meeting.id, person_id=person_id, email=email)
            )
        facts = [
            ("Cancellation deadline", f"{deadline} (notice {contract.notice_days} days)"),
            ("Current term ends", str(term_end)),
            (
                "Renewal",
                f"{contract.renewal_type}"
                + (
                    f", {contract.renewal_period_months} months"
                    if contract.renewal_period_months
                    else ""
                ),
            ),
            # No money here: the agenda reaches every attendee (and the .ics, the invite and
            # Slack); the meeting page adds the value for roles holding contracts.values.
            ("Decide", "renew, renegotiate or cancel"),
        ]
        for position, (title, details) in enumerate(facts):
            self.session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    position=position,
                    title=f"{title}: {details}"[:300],
                    details=details,
                )
            )
        audit.record(
            self.session,
            SYSTEM,
            "create",
            "meeting",
            meeting.id,
            after=audit.snapshot(meeting),
            detail=f"renewal decision meeting for contract {contract.id}",
        )
        self.planned += 1


def _terms(contract: Contract, today: date) -> Terms | None:
    """The contract's terms, or None for a contract whose data cannot give any (logged)."""
    try:
        return terms_of(contract, today)
    except ValueError:
        log.warning("contract %s: no reminders, its terms cannot be computed", contract.id)
        return None


def plan_all(db: Database, now: datetime | None = None) -> int:
    """Plan every kind of reminder due at ``now``; returns how many rows or meetings were added.

    Each kind runs in its own write transaction, so one broken record type cannot stop the rest.
    """
    now = now or db.clock.now()
    total = 0
    for step in ("renewal_meetings", "action_items", "contracts", "tickets", "meetings"):
        with db.write() as session:
            planner = Planner(session, now)
            getattr(planner, step)()
            total += planner.planned
    from services.governance import documentation  # the weekly model-card cycle

    total += documentation.plan_reminders(db, now)
    from services.governance import planning  # imported here: it builds on this module

    with db.write() as session:
        total += planning.plan(session, now)
    return total
