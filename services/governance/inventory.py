"""The model inventory: models (or AI systems), who owns them, where they came from, their EU AI
Act class and role, and their versions."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import (
    AI_ACT_ROLES,
    MODEL_SOURCES,
    MODEL_STATUSES,
    RISK_CLASSES,
    Contract,
    Model,
    ModelVersion,
    Person,
    Team,
    Vendor,
)
from services.access import audit
from services.access.access import Actor, can, require
from services.core.records import StaleEdit as StaleEdit  # one StaleEdit for every area
from services.vendors.terms import terms_of

MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000


class GovernanceError(ValueError):
    """A governance change that breaks a rule; nothing was changed."""


def check_text(value: str | None, what: str, *, max_chars: int, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise GovernanceError(f"{what} cannot be blank")
    if len(cleaned) > max_chars:
        raise GovernanceError(f"{what} is longer than {max_chars} characters")
    if "\x00" in cleaned:
        raise GovernanceError(f"{what} contains a NUL character")
    return cleaned


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise GovernanceError(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return value


def person_for_email(session: Session, email: str | None, what: str) -> int | None:
    if email is None or not email.strip():
        return None
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise GovernanceError(f"unknown {what} {email.strip()!r}: add them under People first")
    return person.id


def loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@dataclass(frozen=True)
class ModelInput:
    """What a person enters for a model; emails name people, ids name vendors and contracts."""

    name: str
    purpose: str = ""
    owner_email: str | None = None
    documentation_owner_email: str | None = None
    team_id: int | None = None
    status: str = "development"
    source: str = "in_house"
    vendor_id: int | None = None
    contract_id: int | None = None
    hosting_vendor_id: int | None = None
    risk_class: str = "unassessed"
    general_purpose: bool = False
    ai_act_role: str = "deployer"
    mlflow_name: str | None = None
    production_alias: str = "champion"
    staging_alias: str = "challenger"


def model_values(session: Session, data: ModelInput) -> dict[str, Any]:
    """``data`` checked and turned into column values (refuses unknown people and links)."""
    values: dict[str, Any] = {
        "name": check_text(data.name, "model name", max_chars=MAX_NAME_CHARS, required=True),
        "purpose": check_text(data.purpose, "purpose", max_chars=MAX_TEXT_CHARS),
        "owner_id": person_for_email(session, data.owner_email, "owner"),
        "documentation_owner_id": person_for_email(
            session, data.documentation_owner_email, "documentation owner"
        ),
        "team_id": data.team_id,
        "status": check_choice(data.status, MODEL_STATUSES, "status"),
        "source": check_choice(data.source, MODEL_SOURCES, "source"),
        "vendor_id": data.vendor_id,
        "contract_id": data.contract_id,
        "hosting_vendor_id": data.hosting_vendor_id,
        "risk_class": check_choice(data.risk_class, RISK_CLASSES, "risk class"),
        "general_purpose": bool(data.general_purpose),
        "ai_act_role": check_choice(data.ai_act_role, AI_ACT_ROLES, "EU AI Act role"),
        "mlflow_name": check_text(data.mlflow_name, "MLflow name", max_chars=500) or None,
        "production_alias": check_text(
            data.production_alias, "production alias", max_chars=100, required=True
        ),
        "staging_alias": check_text(
            data.staging_alias, "staging alias", max_chars=100, required=True
        ),
    }
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise GovernanceError(f"unknown team id {data.team_id}")
    for key in ("vendor_id", "hosting_vendor_id"):
        if values[key] is not None and session.get(Vendor, values[key]) is None:
            raise GovernanceError(f"unknown vendor id {values[key]}")
    if values["source"] == "in_house" and values["vendor_id"] is not None:
        raise GovernanceError("a model built in house has no source vendor; pick a vendor source")
    if values["source"] != "in_house" and values["vendor_id"] is None:
        raise GovernanceError("a vendor's model or API needs the vendor it comes from")
    if values["contract_id"] is not None:
        contract = session.get(Contract, values["contract_id"])
        if contract is None:
            raise GovernanceError(f"unknown contract id {values['contract_id']}")
        if contract.vendor_id not in (values["vendor_id"], values["hosting_vendor_id"]):
            raise GovernanceError("the contract must be with the model's vendor or its host")
    return values


def _save(session: Session, row: Model) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise GovernanceError(
            f"a model named {row.name!r} (or following MLflow model {row.mlflow_name!r}) "
            "exists already"
        ) from exc


def new_model(session: Session, actor: Actor, data: ModelInput, now: datetime | None) -> Model:
    """Add a model inside the caller's transaction (used by the page and imports); ``now``
    None leaves the stamps to the table's defaults, as the other record imports do."""
    stamps: dict[str, Any] = {"created_at": now, "updated_at": now} if now else {}
    row = Model(**model_values(session, data), **stamps)
    session.add(row)
    _save(session, row)
    audit.record(session, actor, "create", "model", row.id, after=audit.snapshot(row))
    return row


def create_model(db: Database, actor: Actor, data: ModelInput, now: datetime) -> int:
    require(db, actor, "models.edit", record_type="model")
    with db.write() as session:
        row = new_model(session, actor, data, now)
        assert row.id is not None
        return row.id


def update_model(
    db: Database, actor: Actor, model_id: int, data: ModelInput, *, expected_version: int
) -> None:
    require(db, actor, "models.edit", record_type="model", record_id=model_id)
    with db.write() as session:
        row = session.get(Model, model_id)
        if row is None:
            raise GovernanceError(f"no model {model_id}")
        if row.version != expected_version:
            raise StaleEdit("model")
        audit.apply_change(session, actor, row, "model", model_values(session, data))
        _save(session, row)


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFilter:
    statuses: tuple[str, ...] = ()
    risk_classes: tuple[str, ...] = ()
    owner_id: int | None = None
    search: str = ""


@dataclass(frozen=True)
class ModelRow:
    id: int
    name: str
    status: str
    risk_class: str
    ai_act_role: str
    source: str
    general_purpose: bool
    owner: str
    documentation_owner: str
    documentation_owner_id: int | None
    vendor: str
    mlflow_name: str | None
    latest_version: int | None


def list_models(db: Database, actor: Actor, flt: ModelFilter | None = None) -> list[ModelRow]:
    require(db, actor, "models.read", record_type="model")
    flt = flt or ModelFilter()
    query = select(Model).order_by(col(Model.name))
    if flt.statuses:
        query = query.where(col(Model.status).in_(flt.statuses))
    if flt.risk_classes:
        query = query.where(col(Model.risk_class).in_(flt.risk_classes))
    if flt.owner_id is not None:
        query = query.where(
            (col(Model.owner_id) == flt.owner_id)
            | (col(Model.documentation_owner_id) == flt.owner_id)
        )
    if flt.search.strip():
        query = query.where(col(Model.name).ilike(f"%{flt.search.strip()}%"))
    with db.read() as session:
        return _rows(session, list(session.exec(query).all()))


def _rows(session: Session, models: list[Model]) -> list[ModelRow]:
    ids = {i for m in models for i in (m.owner_id, m.documentation_owner_id) if i is not None}
    people = {
        p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    }
    vendor_ids = {m.vendor_id for m in models if m.vendor_id is not None}
    vendors = {
        v.id: v.name
        for v in session.exec(select(Vendor).where(col(Vendor.id).in_(vendor_ids))).all()
    }
    latest = _latest_versions(session)
    return [
        ModelRow(
            id=m.id or 0,
            name=m.name,
            status=m.status,
            risk_class=m.risk_class,
            ai_act_role=m.ai_act_role,
            source=m.source,
            general_purpose=m.general_purpose,
            owner=people.get(m.owner_id, ""),
            documentation_owner=people.get(m.documentation_owner_id, ""),
            documentation_owner_id=m.documentation_owner_id,
            vendor=vendors.get(m.vendor_id, ""),
            mlflow_name=m.mlflow_name,
            latest_version=latest.get(m.id or 0),
        )
        for m in models
    ]


def _latest_versions(session: Session) -> dict[int, int]:
    rows = session.exec(
        select(ModelVersion.model_id, func.max(ModelVersion.number)).group_by(
            col(ModelVersion.model_id)
        )
    ).all()
    return {model_id: number for model_id, number in rows}


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    run_id: str | None
    status: str
    description: str
    registered_at: datetime
    registered_by: str
    metrics: dict[str, Any]
    params: dict[str, Any]
    tags: dict[str, Any]


def version_view(v: ModelVersion) -> VersionView:
    return VersionView(
        id=v.id or 0,
        number=v.number,
        run_id=v.run_id,
        status=v.status,
        description=v.description,
        registered_at=v.registered_at,
        registered_by=v.registered_by,
        metrics=loads(v.metrics),
        params=loads(v.params),
        tags=loads(v.tags),
    )


@dataclass(frozen=True)
class ContractLink:
    id: int
    title: str
    vendor: str
    current_term_end: date
    cancellation_deadline: date
    sla_hours: int | None


@dataclass(frozen=True)
class ModelDetail:
    model: Model
    row: ModelRow
    team: str
    hosting_vendor: str
    versions: list[VersionView] = field(default_factory=list)
    contract: ContractLink | None = None


def get_model(db: Database, actor: Actor, model_id: int, *, today: date) -> ModelDetail:
    require(db, actor, "models.read", record_type="model", record_id=model_id)
    with db.read() as session:
        model = session.get(Model, model_id)
        if model is None:
            raise GovernanceError(f"no model {model_id}")
        versions = session.exec(
            select(ModelVersion)
            .where(ModelVersion.model_id == model_id)
            .order_by(col(ModelVersion.number).desc())
        ).all()
        team = session.get(Team, model.team_id) if model.team_id else None
        host = session.get(Vendor, model.hosting_vendor_id) if model.hosting_vendor_id else None
        link = None
        if model.contract_id is not None:
            contract = session.get(Contract, model.contract_id)
            if contract is not None:
                terms = terms_of(contract, today)
                vendor = session.get(Vendor, contract.vendor_id)
                link = ContractLink(
                    id=contract.id or 0,
                    title=contract.title,
                    vendor=vendor.name if vendor else "",
                    current_term_end=terms.current_term_end,
                    cancellation_deadline=terms.cancellation_deadline,
                    sla_hours=contract.sla_hours,
                )
        row = _rows(session, [model])[0]
    return ModelDetail(
        model=model,
        row=row,
        team=team.name if team else "",
        hosting_vendor=host.name if host else "",
        versions=[version_view(v) for v in versions],
        contract=link,
    )


def find_model(db: Database, actor: Actor, name: str) -> Model:
    require(db, actor, "models.read", record_type="model")
    with db.read() as session:
        model = session.exec(select(Model).where(Model.name == name.strip())).first()
        if model is None:
            model = session.exec(select(Model).where(Model.mlflow_name == name.strip())).first()
    if model is None:
        raise GovernanceError(f"no model named {name.strip()!r}")
    return model


def parse_metrics(text: str) -> dict[str, float]:
    """``auc=0.91, latency_ms=41`` (commas or new lines between) as metric -> value."""
    out: dict[str, float] = {}
    for part in text.replace("\n", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name or len(name) > 250 or not math.isfinite(number):
            raise GovernanceError(f"metric {part.strip()!r} is not name=number (e.g. auc=0.91)")
        if name in out:
            raise GovernanceError(f"metric {name!r} is given twice")
        out[name] = number
    return out


def add_version(
    db: Database,
    actor: Actor,
    model_id: int,
    *,
    number: int,
    now: datetime,
    run_id: str | None = None,
    description: str = "",
    metrics: dict[str, float] | None = None,
) -> int:
    """Record a version by hand (teams without MLflow)."""
    require(db, actor, "models.edit", record_type="model", record_id=model_id)
    if number <= 0:
        raise GovernanceError("a version number is 1 or more")
    with db.write() as session:
        if session.get(Model, model_id) is None:
            raise GovernanceError(f"no model {model_id}")
        row = ModelVersion(
            model_id=model_id,
            number=number,
            run_id=check_text(run_id, "run id", max_chars=64) or None,
            description=check_text(description, "description", max_chars=MAX_TEXT_CHARS),
            metrics=dumps(metrics or {}),
            registered_by=actor.email,
            registered_at=now,
            created_at=now,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise GovernanceError(f"version {number} exists already") from exc
        audit.record(session, actor, "create", "modelversion", row.id, after=audit.snapshot(row))
        assert row.id is not None
        return row.id


def can_see_cost(actor: Actor) -> bool:
    return can(actor, "models.cost")
