"""The planner's shared core: recipients, one plan per record written once, batched cancels."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db import bulk
from db.models import (
    Contract,
    Notification,
    Person,
    RenewalDecision,
    Vendor,
)
from services.core.workdays import WorkingDays
from services.delivery import outbox
from services.delivery.reminders.dedupe_keys import existing_keys
from services.delivery.reminders.rules import (
    Rule,
    Rules,
)
from services.delivery.reminders.schedule import (
    KEY_BATCH,
    STOP_REASON,
    _tag,
    action_schedule,
    app_url,
    contract_schedule,
    latest_passed,
    log,
    record_link,
    send_time,
    zone,
)
from services.vendors.terms import Terms, terms_of
from settings import get_settings

# Reads go through the tables, not the mapped classes: a pass reads tens of thousands of rows it
# never changes, and ORM statements cost a compile and a row loader more than the columns do.
_NOTIFICATION = bulk.table_of(Notification)
_CONTRACT = bulk.table_of(Contract)
_VENDOR = bulk.table_of(Vendor)

# --- planning --------------------------------------------------------------------------


class ContractFacts(NamedTuple):
    """The columns of a contract (and its vendor's name) that planning reads (a named tuple: a
    pass makes one per contract, and a frozen dataclass sets each field by a call)."""

    id: int
    title: str
    owner_id: int | None
    cancelled: bool
    start_date: date
    initial_term_months: int
    renewal_type: str
    renewal_period_months: int | None
    notice_days: int
    vendor_id: int
    vendor_name: str


@dataclass(frozen=True)
class Target:
    recipient: str  # an email (a direct message) or a Slack channel id
    tz: ZoneInfo


class PlannerBase:
    """What every kind of reminder planning shares: targets, one plan per record, batches."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.settings = get_settings()
        self.app_url = app_url()
        self.rules = Rules(session)
        self.people = {p.id: p for p in session.exec(select(Person)).all()}
        self.by_email = {p.email.lower(): p for p in self.people.values()}
        self.planned = 0
        self._cancels: dict[str, list[int]] = {}
        self._pending: list[dict[str, Any]] = []  # new notifications, inserted by _plan_many
        self._working_days: dict[tuple[str, ...], WorkingDays] = {}
        self._days_of: dict[int | None, WorkingDays] = {}  # by person id
        self._targets: dict[tuple[Rule, int | None], list[Target]] = {}
        self._zones: dict[str | None, ZoneInfo] = {}
        self._chosen: dict[Hashable, list[tuple[Target, str, str, datetime]]] = {}
        self._latest: dict[
            tuple[tuple[tuple[str, date], ...], ZoneInfo], tuple[str, date] | None
        ] = {}
        self._schedules: dict[tuple[date, tuple[str, ...]], list[tuple[str, date]]] = {}
        self._contract_terms: list[tuple[ContractFacts, Terms | None]] | None = None
        self._contract_schedules: dict[
            tuple[date, tuple[int, ...], tuple[str, ...]], list[tuple[str, date]]
        ] = {}

    def zone(self, name: str | None) -> ZoneInfo:
        """``schedule.zone``, looked up once per name in a pass (thousands of meetings and
        contracts ask for a few zones)."""
        found = self._zones.get(name)
        if found is None:
            found = self._zones[name] = zone(name)
        return found

    def today(self, tz: ZoneInfo | None = None) -> date:
        return self.now.astimezone(tz or self.settings.tz).date()

    def working_days(self, person_id: int | None) -> WorkingDays:
        """The workspace country's holidays, and the person's own country's where known."""
        found = self._days_of.get(person_id)
        if found is None:
            person = self.people.get(person_id) if person_id else None
            countries = (self.settings.holiday_country, person.country if person else None)
            key = tuple(sorted({c.upper() for c in countries if c}))
            if key not in self._working_days:
                self._working_days[key] = WorkingDays(key)
            found = self._days_of[person_id] = self._working_days[key]
        return found

    def _action_schedule(self, due: date, owner_id: int | None) -> list[tuple[str, date]]:
        """An action item's schedule, shared by every item due the same day in the same
        countries (read-only: ``plan`` never changes a schedule)."""
        days = self.working_days(owner_id)
        key = (due, days.countries)
        found = self._schedules.get(key)
        if found is None:
            found = self._schedules[key] = action_schedule(due, days)
        return found

    def _contract_schedule(
        self, deadline: date, rule: Rule, owner_id: int | None
    ) -> list[tuple[str, date]]:
        """A contract's schedule, shared by every contract with the same deadline, offsets and
        countries (read-only, as ``_action_schedule``'s)."""
        days = self.working_days(owner_id)
        key = (deadline, rule.offsets, days.countries)
        found = self._contract_schedules.get(key)
        if found is None:
            found = self._contract_schedules[key] = contract_schedule(deadline, rule.offsets, days)
        return found

    def targets(self, rule: Rule, owner_id: int | None) -> list[Target]:
        """Per-record (or rule) recipients override the owner; a channel is added when set."""
        key = (rule, owner_id)
        if key not in self._targets:
            self._targets[key] = self._find_targets(rule, owner_id)
        return self._targets[key]

    def _find_targets(self, rule: Rule, owner_id: int | None) -> list[Target]:
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
        choice_key: Hashable | None = None,
    ) -> None:
        """``queued``, when given, is the record's queued (id, occurrence) rows of ``kind``, read
        beforehand: the stale ones are cancelled in one batch (``flush_cancels``) instead of an
        UPDATE per record. ``existing`` holds dedupe keys already present, so only new rows are
        inserted (still ON CONFLICT DO NOTHING, for a concurrent planner). Records with the same
        ``choice_key`` have the same schedule and targets, worked out once."""
        if queued:
            keep = {f"{occ}:{_tag(t.recipient)}" for occ, _ in schedule for t in targets}
            self.cancel([row_id for row_id, occ in queued if occ not in keep])
        elif queued is None:
            keep = {f"{occ}:{_tag(t.recipient)}" for occ, _ in schedule for t in targets}
            outbox.retire(
                self.session,
                record_type=record_type,
                record_id=record_id,
                kinds=list(retire_kinds) or [kind],
                keep=keep,
            )
        for target, chosen, occurrence, due_at in self._choices(schedule, targets, choice_key):
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
                subject=subject(chosen) if callable(subject) else subject,
                body=body,
                payload={"link": record_link(record_type, record_id, self.app_url)},
                due_at=due_at,
                now=self.now,
            )
            if existing is not None:
                self._pending.append(values)
            elif outbox.enqueue_many(self.session, [values]):
                self.planned += 1

    def discard(self, planned: int) -> None:
        """Forget what a failed kind left unwritten (its savepoint undid the rest)."""
        self._pending.clear()
        self._cancels.clear()
        self.planned = planned

    def queue(self, **values: Any) -> None:
        """Queue one notification (``outbox.notification_values`` arguments) at the next
        ``flush_queued``: one statement for a whole kind instead of one per row."""
        self._pending.append(outbox.notification_values(now=self.now, **values))

    def flush_queued(self) -> None:
        self.planned += outbox.enqueue_many(self.session, self._pending)
        self._pending.clear()

    def _choices(
        self, schedule: list[tuple[str, date]], targets: list[Target], key: Hashable | None
    ) -> list[tuple[Target, str, str, datetime]]:
        """Per target whose reminder is due: (target, the occurrence chosen, that occurrence
        tagged with the recipient, its send time)."""
        found = self._chosen.get(key) if key is not None else None
        if found is None:
            found = []
            for target in targets:
                chosen = self._latest_passed(schedule, target.tz)
                if chosen is not None:
                    occurrence, day = chosen
                    tagged = f"{occurrence}:{_tag(target.recipient)}"
                    found.append((target, occurrence, tagged, send_time(day, target.tz)))
            if key is not None:
                self._chosen[key] = found
        return found

    def _latest_passed(
        self, schedule: list[tuple[str, date]], tz: ZoneInfo
    ) -> tuple[str, date] | None:
        """``latest_passed`` at the planner's now, once per distinct schedule and zone."""
        key = (tuple(schedule), tz)
        if key not in self._latest:
            self._latest[key] = latest_passed(schedule, tz, self.now)
        return self._latest[key]

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

    def _plan_many(self, kind: str, record_type: str, jobs: list[dict[str, Any]]) -> None:
        """``plan`` each job, with the existing dedupe keys of all their records read at once."""
        existing = self._existing_keys(kind, record_type, [job["record_id"] for job in jobs])
        for job in jobs:
            self.plan(**job, existing=existing)
        self.flush_cancels()
        self.flush_queued()

    def _existing_keys(
        self, kind: str, record_type: str, record_ids: list[int] | Select[Any]
    ) -> set[str]:
        return existing_keys(self.session, kind, record_type, record_ids)

    def _queued_rows(self, kind: str, record_type: str) -> dict[int, list[tuple[int, str]]]:
        """record id -> its queued (id, occurrence) rows of ``kind``, in one query."""
        n = _NOTIFICATION.c
        out: dict[int, list[tuple[int, str]]] = {}
        for row_id, record_id, occurrence in self.session.execute(
            sa_select(n.id, n.record_id, n.occurrence)
            .where(n.kind == kind, n.record_type == record_type, n.status == "queued")
            # In record order, which the (record_type, record_id) index gives: without it SQLite
            # took the status index and read every queued row of every kind.
            .order_by(n.record_type, n.record_id)
        ).all():
            out.setdefault(record_id, []).append((row_id, occurrence))
        return out

    def _contracts(self) -> list[tuple[ContractFacts, Terms | None]]:
        """Every contract with its vendor's name and its terms today (None when they cannot be
        computed), as plain values and read once per pass: thousands of ORM objects cost more
        than all the planning done with them."""
        if self._contract_terms is None:
            today = self.today()
            # Terms follow from five columns, which many contracts share (the first of a month,
            # twelve months, 30 days' notice): each distinct five worked out once.
            found: dict[tuple[Any, ...], Terms | None] = {}
            self._contract_terms = []
            for facts in self._read_contracts():
                key = (
                    facts.start_date,
                    facts.initial_term_months,
                    facts.renewal_type,
                    facts.renewal_period_months,
                    facts.notice_days,
                )
                if key not in found:
                    found[key] = _terms(facts, today)
                elif found[key] is None:
                    _terms(facts, today)  # logged for this contract too
                self._contract_terms.append((facts, found[key]))
        return self._contract_terms

    def _read_contracts(self) -> list[ContractFacts]:
        c, v = _CONTRACT.c, _VENDOR.c
        columns = (
            c.id,
            c.title,
            c.owner_id,
            c.cancelled,
            c.start_date,
            c.initial_term_months,
            c.renewal_type,
            c.renewal_period_months,
            c.notice_days,
            v.id,
            v.name,
        )
        query = (
            sa_select(*columns).join_from(_CONTRACT, _VENDOR, v.id == c.vendor_id).order_by(c.id)
        )
        return [ContractFacts(*row) for row in self.session.execute(query).all()]

    def _decided(self) -> set[tuple[int, date]]:
        """(contract id, term end) of every renewal decision, read once."""
        return {
            (contract_id, term_end)
            for contract_id, term_end in self.session.exec(
                select(col(RenewalDecision.contract_id), col(RenewalDecision.term_end))
            ).all()
        }


def _terms(contract: ContractFacts, today: date) -> Terms | None:
    """The contract's terms, or None for a contract whose data cannot give any (logged)."""
    try:
        return terms_of(contract, today)
    except ValueError:
        log.warning("contract %s: no reminders, its terms cannot be computed", contract.id)
        return None
