"""Reminder rules: the defaults, per-record overrides and recipients, and their admin edits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from db import bulk
from db.engine import Database
from db.models import (
    ReminderRule,
)
from services.access import audit
from services.access.access import Actor, require
from services.core.emails import split_addresses
from services.delivery.reminders.schedule import (
    DEFAULT_RULES,
)

# --- rules -----------------------------------------------------------------------------


def ensure_default_rules(session: Session) -> None:
    existing = set(
        session.exec(select(ReminderRule.kind).where(col(ReminderRule.record_type).is_(None))).all()
    )
    # One statement for the missing rules, not an INSERT ... RETURNING per ORM object.
    bulk.insert_all(
        session,
        ReminderRule,
        [
            bulk.values(ReminderRule, kind=kind, offsets_days=offsets, channel=channel)
            for kind, (offsets, channel, _what) in DEFAULT_RULES.items()
            if kind not in existing
        ],
    )


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
        self._resolved: dict[str, Rule] = {}  # a kind's rule for records with none of their own

    def get(self, kind: str, record_type: str | None = None, record_id: int | None = None) -> Rule:
        # Most workspaces have no rule of a record's own: then no key to build for each record.
        own = self.record.get((kind, record_type or "", record_id or 0)) if self.record else None
        if own is None:
            if kind not in self._resolved:
                self._resolved[kind] = self._resolve(kind, None)
            return self._resolved[kind]
        return self._resolve(kind, own)

    def _resolve(self, kind: str, own: ReminderRule | None) -> Rule:
        base = self.default.get(kind)
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
    query = select(ReminderRule).order_by(
        col(ReminderRule.record_type).is_not(None), col(ReminderRule.kind), col(ReminderRule.id)
    )
    with db.read() as session:
        rules = list(session.exec(query).all())
    if DEFAULT_RULES.keys() <= {r.kind for r in rules if r.record_type is None}:
        return rules
    # Only a workspace missing a default rule takes the write lock: a view of the settings
    # page on SQLite would otherwise wait for (and hold up) every writer.
    with db.write() as session:
        ensure_default_rules(session)
    with db.read() as session:
        return list(session.exec(query).all())


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
