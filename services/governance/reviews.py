"""Governance reviews: a recurring meeting series whose agenda is filled from the records.

The agenda follows ISO/IEC 42001 §9.3's inputs as they exist here: open incidents and their
clocks, drift breaches, stale model cards, obligations due or missing evidence, and renewals of the
contracts models depend on. Spend per model against budget is an agenda item without amounts:
meeting agendas are read by roles that may not see money, so finance presents the figures from the
Budgets page. Decisions become action items and open items carry over like any meeting's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    AgendaItem,
    Contract,
    Deployment,
    GovernanceReview,
    Meeting,
    Model,
    ModelCard,
)
from services.access import audit
from services.access.access import Actor, require
from services.coordination.meetings import Attendees, create_series
from services.governance import GUIDANCE, clocks, drift, obligations
from services.governance.incident_views import incident_rows
from services.vendors.terms import terms_of

FILL_AHEAD_DAYS = 7
BREACH_LOOKBACK_DAYS = 30
OBLIGATION_LOOKAHEAD_DAYS = 60
RENEWAL_LOOKAHEAD_DAYS = 120
TITLES = (
    "Open incidents and their clocks",
    "Drift breaches in the last 30 days",
    "Stale model cards",
    "Obligations due or missing evidence",
    "Renewals of contracts models depend on",
    "Spend per model against budget",
)


def _lines(rows: list[str], empty: str) -> str:
    return "\n".join(rows) if rows else empty


def stale_cards(session: Session, today: date) -> list[str]:
    """Production models whose card is missing, past its review date, or older than the live
    version (a production deployment started after the last published card)."""
    out = []
    for model in session.exec(select(Model).where(Model.status == "production")).all():
        card = session.exec(
            select(ModelCard)
            .where(ModelCard.model_id == model.id, ModelCard.status == "published")
            .order_by(col(ModelCard.number).desc())
        ).first()
        moved = session.exec(
            select(func.max(Deployment.started_at)).where(
                Deployment.model_id == model.id, Deployment.environment == "production"
            )
        ).one()
        if card is None:
            out.append(f"{model.name}: no published card")
        elif card.review_by and card.review_by < today:
            out.append(f"{model.name}: card review date {card.review_by} passed")
        elif moved and card.published_at and moved > card.published_at:
            out.append(f"{model.name}: production version changed after card {card.number}")
    return out


def agenda_items(session: Session, now: datetime, tz: ZoneInfo) -> list[tuple[str, str]]:
    today = now.astimezone(tz).date()
    incidents = []
    for view in incident_rows(session, tz, open_only=True):
        nxt = view.next_open_deadline()
        clock = (
            f"{nxt.label} ({nxt.rule}) {clocks.time_left(nxt.due_at, now)}"
            if nxt and nxt.due_at
            else "no open deadline"
        )
        incidents.append(f"{view.title} [{view.category_label}]: {clock}")
    breaches = [
        f"{name}: {metric} = {b.value:g} ({b.level}) on {b.observed_at.astimezone(tz).date()}"
        for b, name, metric in drift.recent_breaches(
            session, now - timedelta(days=BREACH_LOOKBACK_DAYS)
        )
    ]
    due = [
        f"{r.model}: Art. {r.article} {r.title}: {obligations.STATE_LABELS[r.state]} "
        f"(due {r.due_date}, owner {r.owner or 'nobody'})"
        for r in obligations.obligation_rows(session, today)
        if r.state in ("overdue", "missing_evidence", "evidence_expired")
        or (r.state != "met" and r.due_date <= today + timedelta(days=OBLIGATION_LOOKAHEAD_DAYS))
    ]
    renewals = []
    for model, contract in session.exec(
        select(Model, Contract).join(Contract, col(Contract.id) == Model.contract_id)
    ).all():
        if contract.cancelled:
            continue
        deadline = terms_of(contract, today).cancellation_deadline
        if today <= deadline <= today + timedelta(days=RENEWAL_LOOKAHEAD_DAYS):
            renewals.append(f"{model.name}: {contract.title}, cancellation deadline {deadline}")
    texts = [
        _lines(incidents, "No open incidents.") + f"\n({GUIDANCE})",
        _lines(breaches, "No drift breaches."),
        _lines(stale_cards(session, today), "Every production model card is current."),
        _lines(due, "Nothing due in the next 60 days and no evidence missing."),
        _lines(renewals, "No model contract reaches its cancellation deadline soon."),
        "Finance presents spend per model against its vendor's budget (Spend and Budgets "
        "pages); amounts are not copied into the agenda.",
    ]
    return list(zip(TITLES, texts, strict=True))


def fill_meeting(
    session: Session, actor: Actor, meeting: Meeting, now: datetime, tz: ZoneInfo
) -> int:
    """Add or refresh the record-built items of one review meeting; returns items added."""
    assert meeting.id is not None
    existing = {
        a.title: a
        for a in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
    }
    added = 0
    start = max((a.position for a in existing.values()), default=-1) + 1
    for title, details in agenda_items(session, now, tz):
        item = existing.get(title)
        if item is None:
            session.add(
                AgendaItem(
                    meeting_id=meeting.id, position=start + added, title=title, details=details
                )
            )
            added += 1
        elif item.status == "open" and item.details != details and not item.minutes:
            item.details = details
            session.add(item)
    if added:
        audit.record(
            session,
            actor,
            "update",
            "meeting",
            meeting.id,
            detail=f"governance agenda filled from records ({added} items)",
        )
    return added


def fill_upcoming(session: Session, actor: Actor, now: datetime, tz: ZoneInfo) -> int:
    """Fill the agendas of governance review meetings in the next week (the planner's step)."""
    meetings = session.exec(
        select(Meeting)
        .join(GovernanceReview, col(GovernanceReview.series_id) == Meeting.series_id)
        .where(col(Meeting.starts_at) >= now, Meeting.status == "scheduled")
        .where(col(Meeting.starts_at) <= now + timedelta(days=FILL_AHEAD_DAYS))
    ).all()
    return sum(fill_meeting(session, actor, m, now, tz) for m in meetings)


class ReviewSeries(NamedTuple):
    series_id: int
    first_meeting_id: int | None


def create_review_series(
    db: Database,
    actor: Actor,
    *,
    title: str,
    first_starts_at: datetime,
    tz: ZoneInfo,
    now: datetime,
    rule: str = "monthly",
    attendees: Attendees = Attendees(),
    duration_minutes: int = 60,
) -> ReviewSeries:
    """A recurring governance review; its first meetings get their agenda from the records."""
    require(db, actor, "meetings.edit", record_type="meeting_series")
    series, meetings = create_series(
        db,
        actor,
        title=title,
        rule=rule,
        timezone=tz.key,
        first_starts_at=first_starts_at,
        attendees=attendees,
        duration_minutes=duration_minutes,
        today=now.astimezone(tz).date(),
    )
    assert series.id is not None
    with db.write() as s:
        s.add(GovernanceReview(series_id=series.id, created_by=actor.email))
        for meeting in meetings:
            fresh = s.get(Meeting, meeting.id)
            if fresh is not None:
                fill_meeting(s, actor, fresh, now, tz)
    return ReviewSeries(series.id, meetings[0].id if meetings else None)


def fill_review_agenda(
    db: Database, actor: Actor, meeting_id: int, *, now: datetime, tz: ZoneInfo
) -> int:
    require(db, actor, "meetings.edit", record_type="meeting", record_id=meeting_id)
    with db.write() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None:
            raise ValueError(f"no meeting {meeting_id}")
        return fill_meeting(s, actor, meeting, now, tz)


def is_review(db: Database, actor: Actor, series_id: int | None) -> bool:
    """Whether the series is a governance review (its agendas are filled from the records)."""
    require(db, actor, "meetings.read", record_type="meeting_series", record_id=series_id)
    if series_id is None:
        return False
    with db.read() as s:
        found = s.exec(select(GovernanceReview.id).where(GovernanceReview.series_id == series_id))
        return found.first() is not None
