""" "My follow-ups": one queue of what the signed-in person has to chase.

It gathers their open action items, renewal tasks (contracts they own whose cancellation deadline
is within 30 days and not yet decided) and the vendor tickets they own, and orders them: overdue,
due today, due this week, waiting on others, later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from db.engine import Database
from db.models import ActionItem, Contract, RenewalDecision, SupportTicket, Vendor
from services.access import audit
from services.access.access import Actor, can, require
from services.coordination import actions
from services.coordination.people import person_for_email
from services.core.clock import today as workspace_today
from services.core.memo import Memo, remembered
from services.core.statuses import OPEN_ACTION_STATUSES, OPEN_TICKET_STATUSES
from services.vendors.terms import terms_of
from services.vendors.tickets import ticket_views
from settings import get_settings

RENEWAL_WINDOW_DAYS = 30
WEEK_DAYS = 7
BUCKETS = ("overdue", "today", "this_week", "waiting", "later")
BUCKET_LABELS = {
    "overdue": "Overdue",
    "today": "Due today",
    "this_week": "Due this week",
    "waiting": "Waiting on others",
    "later": "Later",
}
_PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class FollowUp:
    kind: str  # action, renewal, ticket
    record_id: int
    title: str
    due: date | None
    bucket: str
    detail: str
    priority: str = "medium"
    flagged: bool = False  # a ticket past its SLA
    version: int = 0

    @property
    def can_done(self) -> bool:
        return self.kind in ("action", "ticket")

    @property
    def can_snooze(self) -> bool:
        return self.kind == "action"


@dataclass
class Queue:
    person_name: str | None  # None when the signed-in user has no Person record
    items: list[FollowUp]

    def by_bucket(self) -> dict[str, list[FollowUp]]:
        out: dict[str, list[FollowUp]] = {b: [] for b in BUCKETS}
        for item in self.items:
            out[item.bucket].append(item)
        return {b: items for b, items in out.items() if items}


def _bucket_for_date(due: date | None, today: date) -> str:
    if due is None:
        return "later"
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due < today + timedelta(days=WEEK_DAYS):
        return "this_week"
    return "later"


def sort_key(item: FollowUp) -> tuple[int, date, int, int]:
    return (
        BUCKETS.index(item.bucket),
        item.due or date.max,
        _PRIORITY_RANK.get(item.priority, 9),
        item.record_id,
    )


def my_follow_ups(
    db: Database,
    actor: Actor,
    *,
    today: date | None = None,
    now: datetime | None = None,
    memo: Memo | None = None,
) -> Queue:
    """The signed-in person's queue. ``memo``: kept between calls by a caller that asks on
    every rerun, fresh whenever the action items change (``version.data_version``); it holds
    only their action items, by person and day (thousands for a busy owner). Renewals and
    tickets are read fresh: a few per person, and a ticket's SLA passes with the clock."""
    require(db, actor, "actions.read")
    today = today or workspace_today(db)
    now = now or db.clock.now()
    with db.read() as s:
        person = person_for_email(s, actor.email)
        if person is None or person.id is None:
            return Queue(None, [])
        person_id = person.id
        items = list(
            remembered(
                memo,
                ("follow_up_actions", person_id, today),
                lambda: _action_follow_ups(s, person_id, today),
            )
        )
        if can(actor, "contracts.read"):
            items += _renewal_follow_ups(s, person_id, today)
        if can(actor, "tickets.read"):
            items += _ticket_follow_ups(s, person_id, today, now)
    items.sort(key=sort_key)
    return Queue(person.name, items)


def _action_follow_ups(s: Session, person_id: int, today: date) -> list[FollowUp]:
    """The person's open action items, snoozed ones left out until they wake.

    The columns a card shows, not whole rows: an owner with thousands of open items made
    building their objects most of the page's time."""
    items: list[FollowUp] = []
    rows = s.execute(
        sa_select(
            col(ActionItem.id),
            col(ActionItem.title),
            col(ActionItem.due_date),
            col(ActionItem.status),
            col(ActionItem.carry_count),
            col(ActionItem.priority),
            col(ActionItem.version),
        )
        .where(col(ActionItem.owner_id) == person_id)
        .where(col(ActionItem.status).in_(OPEN_ACTION_STATUSES))
        .where(or_(col(ActionItem.snoozed_until).is_(None), col(ActionItem.snoozed_until) <= today))
    )
    for item_id, title, due_date, status, carry_count, priority, version in rows:
        bucket = _bucket_for_date(due_date, today)
        if status == "waiting" and bucket != "overdue":
            bucket = "waiting"
        detail = status.replace("_", " ")
        if carry_count:
            detail += f", carried {carry_count}x"
        items.append(
            FollowUp(
                "action", item_id or 0, title, due_date, bucket, detail, priority, version=version
            )
        )
    return items


def _renewal_follow_ups(s: Session, person_id: int, today: date) -> list[FollowUp]:
    """Undecided renewals of the person's contracts whose deadline is inside the window."""
    items: list[FollowUp] = []
    # Every decision on the person's contracts at once: a query per contract in the window was
    # a round trip each to Postgres on every rerun of the page.
    decided = set(
        s.exec(
            select(col(RenewalDecision.contract_id), col(RenewalDecision.term_end))
            .join(Contract, col(Contract.id) == RenewalDecision.contract_id)
            .where(Contract.owner_id == person_id)
        ).all()
    )
    for c, vendor in s.exec(
        select(Contract, Vendor.name)
        .join(Vendor, col(Vendor.id) == Contract.vendor_id)
        .where(Contract.owner_id == person_id)
        .where(col(Contract.cancelled).is_(False))
    ).all():
        try:
            terms = terms_of(c, today)
        except ValueError:
            continue
        days = terms.days_to_deadline(today)
        if not 0 <= days <= RENEWAL_WINDOW_DAYS:
            continue
        if (c.id, terms.decision_key) in decided:
            continue
        items.append(
            FollowUp(
                "renewal",
                c.id or 0,
                f"Renewal decision: {vendor} · {c.title}",
                terms.cancellation_deadline,
                _bucket_for_date(terms.cancellation_deadline, today),
                f"cancellation deadline in {days} days, term ends "
                f"{terms.current_term_end.isoformat()}",
                "high",
            )
        )
    return items


def _ticket_follow_ups(s: Session, person_id: int, today: date, now: datetime) -> list[FollowUp]:
    """The person's open vendor tickets, due by their SLA."""
    tz = get_settings().tz
    items: list[FollowUp] = []
    mine = list(
        s.exec(
            select(SupportTicket)
            .where(SupportTicket.owner_id == person_id)
            .where(col(SupportTicket.status).in_(OPEN_TICKET_STATUSES))
        )
    )
    for t in ticket_views(s, mine):
        deadline = t.sla_due_at
        past = t.past_sla(now)
        due = deadline.astimezone(tz).date() if deadline else None
        if past:
            bucket = "overdue"
        elif t.status == "waiting_on_vendor":
            bucket = "waiting"
        else:
            bucket = _bucket_for_date(due, today)
        detail = f"{t.status.replace('_', ' ')}, {t.severity}"
        if past:
            detail += ", past SLA"
        items.append(
            FollowUp(
                "ticket",
                t.id,
                f"{t.vendor_name} ticket {t.vendor_ticket_id}: {t.title}",
                due,
                bucket,
                detail,
                {"critical": "urgent", "high": "high"}.get(t.severity, "medium"),
                flagged=past,
                version=t.version,
            )
        )
    return items


def may_close(actor: Actor, item: FollowUp) -> bool:
    """Whether the signed-in person may mark this follow-up done or snooze it here.

    Every action item in the queue is the person's own, so ``actions.own`` is enough (a lead
    closing a renewal's follow-up); a ticket is resolved by whoever may edit tickets.
    """
    if item.kind == "action":
        return can(actor, "actions.edit") or can(actor, "actions.own")
    if item.kind == "ticket":
        return item.can_done and can(actor, "tickets.edit")
    return False


def mark_done(db: Database, actor: Actor, kind: str, record_id: int) -> None:
    """One click: an action item done, or a vendor ticket resolved."""
    if kind == "action":
        actions.set_status(db, actor, record_id, "done")
        return
    if kind == "ticket":
        require(db, actor, "tickets.edit", record_type="ticket", record_id=record_id)
        with db.write() as s:
            ticket = s.get(SupportTicket, record_id)
            if ticket is None:
                raise ValueError(f"no ticket {record_id}")
            audit.apply_change(s, actor, ticket, "ticket", {"status": "resolved"})
        return
    raise ValueError(f"a {kind} follow-up is closed where it lives, not here")


def snooze(
    db: Database,
    actor: Actor,
    kind: str,
    record_id: int,
    *,
    days: int = 1,
    today: date | None = None,
) -> None:
    if kind != "action":
        raise ValueError("only action items can be snoozed")
    if not 1 <= days <= 90:
        raise ValueError("snooze for 1 to 90 days")
    actions.snooze(db, actor, record_id, (today or workspace_today(db)) + timedelta(days=days))
