"""Planning for action items, contract cancellation deadlines and vendor tickets past SLA."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from db.models import (
    ActionItem,
    Notification,
    ReminderRule,
    SupportTicket,
)
from services.core.statuses import OPEN_ACTION_STATUSES, SLA_CLOCK_STATUSES
from services.delivery import outbox
from services.delivery.reminders.item_rows import ItemRows
from services.delivery.reminders.rules import Rule
from services.delivery.reminders.schedule import (
    ACTION_LOOKAHEAD_DAYS,
    STOP_REASON,
    _tag,
    action_subject,
    record_link,
    send_time,
)
from services.vendors.tickets import ticket_views

# A reminder's working day can fall before its nominal date (over a run of holidays), and a
# recipient's zone can be a day ahead: a deadline further off than its largest offset plus this
# has no reminder due yet.
EARLIEST_SHIFT_DAYS = 14


class ItemPlanning(ItemRows):
    # --- action items --------------------------------------------------------------------

    def action_items(self) -> None:
        """Only the items that can need anything: open, not snoozed and due within the
        schedule's reach (a few days ahead, at most 60 days back), plus every item that still
        has queued reminders (to retire or keep them). Other items would plan nothing."""
        today = self.today()
        rule_enabled = self.rules.get("action_item").enabled
        window, due_now, has_queued, has_own_rule = self._item_conditions(today)
        # One by one: items whose reminders to keep or retire are queued, or which have a rule
        # of their own (read before the others' reminders are queued, which would count).
        reach = or_(has_queued, and_(due_now, has_own_rule)) if rule_enabled else has_queued
        # Columns, not ORM objects: a pass reads thousands of items and changes none of them.
        items = self.session.execute(
            sa_select(
                col(ActionItem.id),
                col(ActionItem.due_date),
                col(ActionItem.owner_id),
                col(ActionItem.status),
                col(ActionItem.snoozed_until),
                col(ActionItem.title),
                col(ActionItem.priority),
            )
            .where(col(ActionItem.due_date).is_not(None), reach)
            .order_by(col(ActionItem.id))
        ).all()
        queued = self._queued_rows("action_item", "action_item")
        if rule_enabled:
            self._insert_plain_items(and_(due_now, ~has_queued, ~has_own_rule), window)
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
                    schedule=self._action_schedule(item.due_date, item.owner_id),
                    targets=self.targets(rule, item.owner_id),
                    subject=partial(action_subject, item.due_date, item.title),
                    body=f"Status: {item.status.replace('_', ' ')}. Priority: {item.priority}.",
                    queued=queued.get(item.id, []),
                    choice_key=(item.due_date, item.owner_id, rule),
                )
            )
        self._plan_many("action_item", "action_item", jobs)

    @staticmethod
    def _item_conditions(today: date) -> tuple[ColumnElement[bool], ...]:
        """Open and due within the schedule's reach; that and not snoozed; with queued
        reminders; with a rule of its own."""
        queued_ids = (
            select(Notification.record_id)
            .where(
                col(Notification.kind) == "action_item",
                col(Notification.record_type) == "action_item",
                col(Notification.status) == "queued",
            )
            .scalar_subquery()
        )
        window = and_(
            col(ActionItem.status).in_(OPEN_ACTION_STATUSES),
            col(ActionItem.due_date) >= today - timedelta(days=60),
            col(ActionItem.due_date) <= today + timedelta(days=ACTION_LOOKAHEAD_DAYS),
        )
        due_now = and_(
            window,
            or_(
                col(ActionItem.snoozed_until).is_(None),
                col(ActionItem.snoozed_until) <= today,
            ),
        )
        own_rule_ids = (
            select(ReminderRule.record_id)
            .where(
                col(ReminderRule.kind) == "action_item",
                col(ReminderRule.record_type) == "action_item",
                col(ReminderRule.record_id).is_not(None),
            )
            .scalar_subquery()
        )
        has_queued = col(ActionItem.id).in_(queued_ids)
        return window, due_now, has_queued, col(ActionItem.id).in_(own_rule_ids)

    # --- contracts -----------------------------------------------------------------------

    def contracts(self) -> None:
        today = self.today()
        queued = self._queued_rows("contract", "contract")
        decided = self._decided()
        jobs: list[dict[str, Any]] = []
        # The last deadline whose earliest reminder can be due, per rule.
        reach: dict[Rule, date | None] = {}
        for contract, terms in self._contracts():
            rule = self.rules.get("contract", "contract", contract.id)
            if contract.cancelled or not rule.enabled:
                if contract.id in queued:
                    self.cancel((i for i, _ in queued[contract.id]), STOP_REASON)
                continue
            if terms is None:
                continue
            if (contract.id, terms.decision_key) in decided or terms.cancellation_deadline < today:
                if contract.id in queued:
                    self.cancel((i for i, _ in queued[contract.id]), STOP_REASON)
                continue
            deadline = terms.cancellation_deadline
            if contract.id not in queued:
                if rule not in reach:
                    reach[rule] = (
                        today + timedelta(days=max(rule.offsets) + EARLIEST_SHIFT_DAYS)
                        if rule.offsets
                        else None
                    )
                last = reach[rule]
                if last is None or deadline > last:
                    continue  # nothing to retire, and its first reminder is weeks away
            schedule = self._contract_schedule(deadline, rule, contract.owner_id)
            targets = self.targets(rule, contract.owner_id)
            choice_key = (deadline, contract.owner_id, rule)
            if contract.id not in queued and not self._choices(schedule, targets, choice_key):
                continue  # nothing to retire and nothing due yet
            jobs.append(
                dict(
                    kind="contract",
                    record_type="contract",
                    record_id=contract.id,
                    schedule=schedule,
                    targets=targets,
                    subject=(
                        f"Cancellation deadline {deadline}: {contract.vendor_name} {contract.title}"
                    ),
                    body=(
                        f"Notice must be given by {deadline} or the contract "
                        f"{'renews automatically' if contract.renewal_type == 'auto' else 'ends'}"
                        f" (term ends {terms.current_term_end}, {contract.notice_days} days "
                        "notice)."
                    ),
                    queued=queued.get(contract.id, []),
                    choice_key=choice_key,
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
