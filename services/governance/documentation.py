"""The weekly documentation cycle: which model cards are stale, and reminding their owners.

A card is stale when its model is in production (or has a version live in production) and
- no card was ever published, or
- the production version changed after the last published card (another version went live
  later than the card was published, or the card documents another version), or
- the last published card's review date has passed.
Each documentation owner (the owner when none is set) gets one Slack message a week, through
the outbox, listing their stale cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Deployment, Model, ModelCard, ModelVersion, Person
from services.access.access import Actor, require
from services.delivery import outbox
from services.governance.deployments import PRODUCTION
from settings import get_settings

KIND = "model_card"
SEND_HOUR = 9  # Monday 09:00 in the owner's zone (UTC when unknown)


@dataclass(frozen=True)
class StaleCard:
    model_id: int
    model: str
    reason: str
    owner_id: int | None
    owner: str
    owner_email: str | None
    live_version: int | None
    published_number: int | None


def _stale(session: Session, today: date) -> list[StaleCard]:
    live = {
        d.model_id: (d, v)
        for d, v in session.exec(
            select(Deployment, ModelVersion)
            .join(ModelVersion, col(ModelVersion.id) == col(Deployment.model_version_id))
            .where(Deployment.environment == PRODUCTION, col(Deployment.ended_at).is_(None))
        ).all()
    }
    models = session.exec(
        select(Model).where(
            (col(Model.status) == "production") | col(Model.id).in_(list(live) or [-1])
        )
    ).all()
    latest: dict[int, ModelCard] = {}
    for published in session.exec(
        select(ModelCard).where(col(ModelCard.number) > 0).order_by(col(ModelCard.number))
    ).all():
        latest[published.model_id] = published
    people = {p.id: p for p in session.exec(select(Person)).all()}
    out = []
    for model in models:
        deployment, version = live.get(model.id or 0, (None, None))
        card = latest.get(model.id or 0)
        reason = _reason(card, deployment, version, today)
        if reason is None:
            continue
        owner_id = model.documentation_owner_id or model.owner_id
        owner = people.get(owner_id)
        out.append(
            StaleCard(
                model.id or 0,
                model.name,
                reason,
                owner_id,
                owner.name if owner else "",
                owner.email if owner else None,
                version.number if version else None,
                card.number if card else None,
            )
        )
    return sorted(out, key=lambda s: s.model)


def _reason(
    card: ModelCard | None, deployment: Deployment | None, version: ModelVersion | None, today: date
) -> str | None:
    if card is None:
        return "no published card"
    if version is not None and card.model_version_id not in (None, version.id):
        return f"production is v{version.number}; the card documents another version"
    if deployment is not None and card.published_at and deployment.started_at > card.published_at:
        return f"production changed to v{version.number if version else '?'} after the card"
    if card.review_by is not None and card.review_by < today:
        return f"review was due {card.review_by:%Y-%m-%d}"
    return None


def stale_cards(db: Database, actor: Actor, *, today: date) -> list[StaleCard]:
    require(db, actor, "models.read", record_type="modelcard")
    with db.read() as session:
        return _stale(session, today)


def my_stale_cards(db: Database, actor: Actor, *, today: date) -> list[StaleCard]:
    """Stale cards whose documentation owner (or owner) signs in as ``actor``."""
    return [
        s
        for s in stale_cards(db, actor, today=today)
        if s.owner_email and s.owner_email.lower() == actor.email.lower()
    ]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def plan_reminders(db: Database, now: datetime) -> int:
    """Queue this week's reminder for every documentation owner with stale cards (once a week:
    the dedupe key names the ISO week). Returns how many were queued."""
    from services.delivery.reminders.schedule import record_link, zone

    today = now.astimezone(get_settings().tz).date()
    monday = week_start(today)
    week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
    with db.write() as session:
        by_owner: dict[int, list[StaleCard]] = {}
        for item in _stale(session, today):
            if item.owner_id is not None and item.owner_email:
                by_owner.setdefault(item.owner_id, []).append(item)
        people = {p.id: p for p in session.exec(select(Person)).all()}
        rows = []
        for owner_id, items in sorted(by_owner.items()):
            person = people[owner_id]
            if person.archived:
                continue
            due = datetime.combine(monday, time(SEND_HOUR), zone(person.timezone))
            lines = [f"{s.model}: {s.reason}" for s in items]
            rows.append(
                outbox.notification_values(
                    kind=KIND,
                    record_type="person",
                    record_id=owner_id,
                    occurrence=week,
                    channel="slack",
                    recipient=person.email.lower(),
                    subject=f"{len(items)} model card{'s' if len(items) != 1 else ''} to refresh",
                    body="\n".join(lines),
                    payload={"link": record_link("models", 0)},
                    now=now,
                    due_at=due,
                )
            )
        return outbox.enqueue_many(session, rows)
