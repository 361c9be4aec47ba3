"""Action item reminders written by the database, for the items that need nothing special.

Most items in reach follow the kind's rule, have nothing queued and differ only in id, title,
status and priority: their reminder follows from (due date, owner) alone. Those choices are
worked out once per distinct pair, here in Python (working days, time zones, recipients), and
put in a temporary table; one INSERT ... SELECT then writes every item's row, so the work per
item is the database's, not a Python loop's. Items with their own rule or queued reminders go
through ``PlannerBase.plan`` as before.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    func,
    literal,
    union,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite

from db import bulk
from db.models import ActionItem, Notification, Person
from services.delivery import outbox
from services.delivery.reminders.planner import PlannerBase
from services.delivery.reminders.schedule import RECORD_PAGES, action_subject, record_link

_NOTIFICATION = bulk.table_of(Notification)
_ITEM = bulk.table_of(ActionItem)
_PERSON = bulk.table_of(Person)
_CHOICE = Table(
    "opsdesk_plan_choice",
    MetaData(),
    Column("due_date", Date, nullable=False),
    Column("owner_key", Integer, nullable=False),  # the owner's id, 0 for none
    Column("recipient", String, nullable=False),
    Column("tagged", String, nullable=False),  # the occurrence, tagged with the recipient
    Column("prefix", String, nullable=False),  # the subject up to the item's title
    Column("due_at", _NOTIFICATION.c.next_attempt_at.type, nullable=False),
    # Each item finds its choices by this key, not by scanning the table.
    Index("ix_opsdesk_plan_choice", "due_date", "owner_key"),
    prefixes=["TEMPORARY"],
)


class ItemRows(PlannerBase):
    def _insert_plain_items(self, plain: ColumnElement[bool], window: ColumnElement[bool]) -> None:
        """Queue the reminders of every action item matching ``plain`` (items on the kind's
        own rule with nothing queued), in one statement; ``window`` holds every item ``plain``
        does (open and due within reach), on the item's columns alone."""
        rule = self.rules.get("action_item")
        choices: list[dict[str, object]] = []
        for due, owner_id in self._due_pairs(window):
            schedule = self._action_schedule(due, owner_id)
            targets = self.targets(rule, owner_id)
            for target, chosen, tagged, due_at in self._choices(
                schedule, targets, (due, owner_id, rule)
            ):
                prefix = action_subject(due, "", chosen)  # the title follows, in SQL
                choices.append(
                    {
                        "due_date": due,
                        "owner_key": owner_id or 0,
                        "recipient": target.recipient[:320],
                        "tagged": tagged,
                        "prefix": prefix,
                        "due_at": due_at,
                    }
                )
        if not choices:
            return
        connection = self.session.connection()
        _CHOICE.create(connection)
        try:
            bulk.insert_all(self.session, _CHOICE, choices)
            self.planned += self._insert_from_choices(plain)
        finally:
            _CHOICE.drop(connection)

    def _due_pairs(self, window: ColumnElement[bool]) -> list[tuple[date, int | None]]:
        """Each (due date, owner) of the items in ``window``: more pairs than the plain items
        have (snoozed items and those with their own rule or queued reminders count too), which
        is harmless (a choice no item joins writes nothing) and read from the (owner, status,
        due date) index alone rather than from 10,000s of items. The owner is matched by
        equality (IN the people), which that index can use; NOT NULL could not."""
        item = _ITEM.c
        owned = sa_select(item.due_date, item.owner_id).where(
            window, item.owner_id.in_(sa_select(_PERSON.c.id))
        )
        unowned = sa_select(item.due_date, item.owner_id).where(window, item.owner_id.is_(None))
        return [(due, owner_id) for due, owner_id in self.session.execute(union(owned, unowned))]

    def _insert_from_choices(self, plain: ColumnElement[bool]) -> int:
        # One payload for every row: an action item's link is the follow-up queue, naming no item.
        assert RECORD_PAGES["action_item"][1] is None, "the link would name the item"
        item, choice = _ITEM, _CHOICE
        prefix = "action_item:action_item:"
        # The rows notification_values would build, column for column (see outbox.py).
        columns = {
            "dedupe_key": literal(prefix) + cast(item.c.id, String) + ":" + choice.c.tagged
            + ":slack",
            "kind": literal("action_item"),
            "record_type": literal("action_item"),
            "record_id": item.c.id,
            "occurrence": func.substr(choice.c.tagged, 1, 100),
            "channel": literal("slack"),
            "recipient": choice.c.recipient,
            "subject": func.substr(choice.c.prefix + item.c.title, 1, 300),
            "body": literal("Status: ") + func.replace(item.c.status, "_", " ")
            + ". Priority: " + item.c.priority + ".",
            "payload": literal(outbox.payload_json({"link": record_link("action_item", 0)})),
            "status": literal("queued"),
            "attempts": literal(0),
            "next_attempt_at": choice.c.due_at,
            "created_at": literal(self.now, _NOTIFICATION.c.created_at.type),
        }  # fmt: skip
        rows = (
            sa_select(*columns.values())
            .select_from(
                item.join(
                    choice,
                    and_(
                        item.c.due_date == choice.c.due_date,
                        func.coalesce(item.c.owner_id, 0) == choice.c.owner_key,
                    ),
                )
            )
            .where(plain)
        )
        insert = (
            postgresql.insert
            if self.session.get_bind().dialect.name == "postgresql"
            else sqlite.insert
        )
        stmt = (
            insert(_NOTIFICATION)
            .from_select(list(columns), rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            # SQLAlchemy reads rowcount before the cursor closes only for UPDATE and DELETE.
            .execution_options(preserve_rowcount=True)
        )
        return int(self.session.connection().execute(stmt).rowcount)
