"""Model cards: one draft per model that VAs and engineers edit, and published versions that
never change. Fields follow the Hugging Face card metadata and the Model Card Toolkit schema.

Rules: editing a signed-off draft clears the sign-off (what was signed is no longer what is
there); publishing copies the draft into the next number with who and when; a published card
is refused any change (a new version is published instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Model, ModelCard, ModelCardMetric, ModelVersion
from services.access import audit
from services.access.access import Actor, require
from services.governance.inventory import (
    MAX_TEXT_CHARS,
    GovernanceError,
    StaleEdit,
    check_text,
    loads,
)

# (column, label) of every free-text field, in the order a card shows them.
TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("intended_use", "Intended use"),
    ("out_of_scope_use", "Out-of-scope use"),
    ("training_data", "Training data"),
    ("lineage", "Lineage"),
    ("limitations", "Limitations"),
    ("tradeoffs", "Trade-offs"),
    ("ethical_considerations", "Ethical considerations"),
    ("environment_compute", "Environment and compute"),
)
SHORT_FIELDS: tuple[tuple[str, str], ...] = (("base_model", "Base model"), ("license", "Licence"))
MAX_METRICS = 500


@dataclass(frozen=True)
class CardMetric:
    metric: str
    value: float
    task: str = ""
    dataset: str = ""
    split: str = ""
    slice: str = ""
    source_run_id: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.task, self.dataset, self.split, self.slice, self.metric)


@dataclass(frozen=True)
class CardContent:
    """What a person edits on a draft."""

    texts: dict[str, str] = field(default_factory=dict)  # TEXT_FIELDS and SHORT_FIELDS columns
    metrics: tuple[CardMetric, ...] = ()
    review_by: date | None = None
    model_version_id: int | None = None


@dataclass(frozen=True)
class CardView:
    id: int
    model_id: int
    model_name: str
    number: int  # 0 = the draft
    status: str
    model_version: int | None
    content: CardContent
    drafted_by: str
    signed_off_by: str | None
    signed_off_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    updated_at: datetime
    version: int


def _view(session: Session, card: ModelCard) -> CardView:
    model = session.get(Model, card.model_id)
    version = session.get(ModelVersion, card.model_version_id) if card.model_version_id else None
    metrics = session.exec(
        select(ModelCardMetric)
        .where(ModelCardMetric.card_id == card.id)
        .order_by(col(ModelCardMetric.position))
    ).all()
    texts = {name: getattr(card, name) for name, _ in (*TEXT_FIELDS, *SHORT_FIELDS)}
    return CardView(
        id=card.id or 0,
        model_id=card.model_id,
        model_name=model.name if model else "",
        number=card.number,
        status=card.status,
        model_version=version.number if version else None,
        content=CardContent(
            texts=texts,
            metrics=tuple(
                CardMetric(m.metric, m.value, m.task, m.dataset, m.split, m.slice, m.source_run_id)
                for m in metrics
            ),
            review_by=card.review_by,
            model_version_id=card.model_version_id,
        ),
        drafted_by=card.drafted_by,
        signed_off_by=card.signed_off_by,
        signed_off_at=card.signed_off_at,
        published_by=card.published_by,
        published_at=card.published_at,
        updated_at=card.updated_at,
        version=card.version,
    )


def _card(session: Session, model_id: int, number: int) -> ModelCard | None:
    return session.exec(
        select(ModelCard).where(ModelCard.model_id == model_id, ModelCard.number == number)
    ).first()


def _check_content(session: Session, model_id: int, content: CardContent) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, label in TEXT_FIELDS:
        values[name] = check_text(content.texts.get(name), label, max_chars=MAX_TEXT_CHARS)
    values["base_model"] = check_text(content.texts.get("base_model"), "base model", max_chars=300)
    values["license"] = check_text(content.texts.get("license"), "licence", max_chars=100)
    values["review_by"] = content.review_by
    if content.model_version_id is not None:
        version = session.get(ModelVersion, content.model_version_id)
        if version is None or version.model_id != model_id:
            raise GovernanceError("the card's version must be a version of this model")
    values["model_version_id"] = content.model_version_id
    if len(content.metrics) > MAX_METRICS:
        raise GovernanceError(f"a card holds at most {MAX_METRICS} evaluation results")
    for i, m in enumerate(content.metrics, start=1):
        check_text(m.metric, f"metric name of result {i}", max_chars=100, required=True)
        if m.value != m.value or m.value in (float("inf"), float("-inf")):
            raise GovernanceError(f"result {i} ({m.metric}) is not a finite number")
    return values


def _write_metrics(session: Session, card_id: int, metrics: tuple[CardMetric, ...]) -> None:
    for old in session.exec(select(ModelCardMetric).where(ModelCardMetric.card_id == card_id)):
        session.delete(old)
    for position, m in enumerate(metrics):
        session.add(
            ModelCardMetric(
                card_id=card_id,
                position=position,
                task=m.task.strip()[:100],
                dataset=m.dataset.strip()[:200],
                split=m.split.strip()[:100],
                slice=m.slice.strip()[:200],
                metric=m.metric.strip()[:100],
                value=float(m.value),
                source_run_id=m.source_run_id,
            )
        )


def draft_of(db: Database, actor: Actor, model_id: int) -> CardView | None:
    require(db, actor, "models.read", record_type="modelcard", record_id=model_id)
    with db.read() as session:
        card = _card(session, model_id, 0)
        return _view(session, card) if card else None


def save_draft(
    db: Database,
    actor: Actor,
    model_id: int,
    content: CardContent,
    *,
    expected_version: int | None,
    now: datetime,
) -> CardView:
    """Create or change the model's draft; ``expected_version`` None means "there was none"."""
    require(db, actor, "cards.draft", record_type="modelcard", record_id=model_id)
    with db.write() as session:
        if session.get(Model, model_id) is None:
            raise GovernanceError(f"no model {model_id}")
        values = _check_content(session, model_id, content)
        card = _card(session, model_id, 0)
        if card is None:
            if expected_version is not None:
                raise StaleEdit("card draft")
            card = ModelCard(
                model_id=model_id, drafted_by=actor.email, created_at=now, updated_at=now, **values
            )
            session.add(card)
            session.flush()
            audit.record(session, actor, "create", "modelcard", card.id, after=audit.snapshot(card))
        else:
            if card.version != expected_version:
                raise StaleEdit("card draft")
            changes = dict(values, drafted_by=actor.email, signed_off_by=None, signed_off_at=None)
            audit.apply_change(session, actor, card, "modelcard", changes)
        assert card.id is not None
        _write_metrics(session, card.id, content.metrics)
        session.flush()
        return _view(session, card)


def sign_off(
    db: Database, actor: Actor, model_id: int, *, expected_version: int, now: datetime
) -> None:
    """An engineer or lead signs off the draft as it stands."""
    require(db, actor, "cards.sign_off", record_type="modelcard", record_id=model_id)
    with db.write() as session:
        card = _card(session, model_id, 0)
        if card is None:
            raise GovernanceError("there is no draft to sign off")
        if card.version != expected_version:
            raise StaleEdit("card draft")
        audit.apply_change(
            session,
            actor,
            card,
            "modelcard",
            {"signed_off_by": actor.email, "signed_off_at": now},
            action="sign_off",
        )


def publish(
    db: Database, actor: Actor, model_id: int, *, expected_version: int, now: datetime
) -> CardView:
    """Copy the draft into the next published number; the draft stays for the next round."""
    require(db, actor, "cards.publish", record_type="modelcard", record_id=model_id)
    with db.write() as session:
        draft = _card(session, model_id, 0)
        if draft is None:
            raise GovernanceError("there is no draft to publish")
        if draft.version != expected_version:
            raise StaleEdit("card draft")
        last = session.exec(
            select(ModelCard.number)
            .where(ModelCard.model_id == model_id)
            .order_by(col(ModelCard.number).desc())
        ).first()
        latest = _card(session, model_id, last) if last else None
        if latest is not None and _view(session, latest).content == _view(session, draft).content:
            # Published cards never change: a second click on Publish, or a round with no edit,
            # added an identical version for good.
            raise GovernanceError(
                f"the draft is the same as published version {last}: change it before publishing"
            )
        copied = {
            k: v
            for k, v in draft.model_dump().items()
            if k not in {"id", "number", "status", "version", "created_at", "updated_at"}
        }
        card = ModelCard(**copied)
        card.number = (last or 0) + 1
        card.status = "published"
        card.published_by = actor.email
        card.published_at = now
        card.signed_off_by = draft.signed_off_by or actor.email
        card.signed_off_at = draft.signed_off_at or now
        card.created_at = card.updated_at = now
        session.add(card)
        session.flush()
        assert card.id is not None and draft.id is not None
        view = _view(session, draft)
        _write_metrics(session, card.id, view.content.metrics)
        audit.record(
            session,
            actor,
            "publish",
            "modelcard",
            card.id,
            after=audit.snapshot(card),
            detail=f"version {card.number}",
        )
        session.flush()
        return _view(session, card)


def published(db: Database, actor: Actor, model_id: int) -> list[CardView]:
    """Published versions, newest first."""
    require(db, actor, "models.read", record_type="modelcard", record_id=model_id)
    with db.read() as session:
        cards = session.exec(
            select(ModelCard)
            .where(ModelCard.model_id == model_id, col(ModelCard.number) > 0)
            .order_by(col(ModelCard.number).desc())
        ).all()
        return [_view(session, c) for c in cards]


def card(db: Database, actor: Actor, model_id: int, number: int | None) -> CardView:
    """A published version (``None``: the newest one)."""
    found = published(db, actor, model_id)
    if not found:
        raise GovernanceError("this model has no published card yet")
    if number is None:
        return found[0]
    for view in found:
        if view.number == number:
            return view
    raise GovernanceError(f"no published card version {number}")


def draft_from_version(
    db: Database, actor: Actor, model_id: int, version_id: int, *, now: datetime
) -> CardView:
    """Start (or refresh) the draft for a model version: the text of the current draft or the
    last published card, and the version's run metrics as overall evaluation results."""
    require(db, actor, "cards.draft", record_type="modelcard", record_id=model_id)
    with db.read() as session:
        version = session.get(ModelVersion, version_id)
        if version is None or version.model_id != model_id:
            raise GovernanceError("pick a version of this model")
        base = _card(session, model_id, 0)
        if base is None:
            base = session.exec(
                select(ModelCard)
                .where(ModelCard.model_id == model_id)
                .order_by(col(ModelCard.number).desc())
            ).first()
        start = _view(session, base).content if base else CardContent()
        existing_version = (_card(session, model_id, 0) or ModelCard(model_id=0)).version
        has_draft = _card(session, model_id, 0) is not None
    run_metrics = loads(version.metrics)
    kept = tuple(m for m in start.metrics if m.slice or m.dataset)  # slice results stay
    fresh = tuple(
        CardMetric(metric=k, value=float(v), source_run_id=version.run_id)
        for k, v in sorted(run_metrics.items())
        if isinstance(v, int | float)
    )
    content = replace(start, metrics=fresh + kept, model_version_id=version_id)
    return save_draft(
        db,
        actor,
        model_id,
        content,
        expected_version=existing_version if has_draft else None,
        now=now,
    )


# --- comparing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


def compare(old: CardView, new: CardView) -> list[Change]:
    """What differs between two cards, field by field, then result by result."""
    changes: list[Change] = []
    if old.model_version != new.model_version:
        changes.append(Change("Model version", _v(old.model_version), _v(new.model_version)))
    for name, label in (*TEXT_FIELDS, *SHORT_FIELDS):
        a, b = old.content.texts.get(name, ""), new.content.texts.get(name, "")
        if a != b:
            changes.append(Change(label, a, b))
    if old.content.review_by != new.content.review_by:
        changes.append(
            Change("Review by", str(old.content.review_by or ""), str(new.content.review_by or ""))
        )
    before = {m.key: m for m in old.content.metrics}
    after = {m.key: m for m in new.content.metrics}
    for key in sorted(set(before) | set(after)):
        a_m, b_m = before.get(key), after.get(key)
        if a_m is not None and b_m is not None and a_m.value == b_m.value:
            continue
        label = "Result " + " · ".join(part for part in (*key[:4], key[4]) if part)
        changes.append(Change(label, _num(a_m), _num(b_m)))
    return changes


def _v(number: int | None) -> str:
    return f"v{number}" if number is not None else ""


def _num(metric: CardMetric | None) -> str:
    return "" if metric is None else f"{metric.value:g}"
