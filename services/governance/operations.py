"""Operations and cost per model.

Operations: inference count, latency p50/p99, availability and error rate per period, entered,
imported from CSV or read from MLflow metrics, checked against the SLA of the vendor contract
behind the model (``ContractSla``) where there is one.

Cost attribution (also in the README): a billing row counts for a model when
- its tags carry ``model`` (any case) equal to the model's name or MLflow name (the whole row), or
- it matches one of the model's ``ModelCostSource`` rules: a tag key and value, a resource id
  (exact, or a prefix ending in ``*``), or a service name (any case), at that rule's share.
A row matched by several rules of one model counts once, at the largest share. Only rows of
active billing imports count. Cost per million inferences = a month's cost / that month's
inferences × 1,000,000, per currency.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Hashable, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import BillingImport, ContractSla, CostLine, Model, ModelCostSource, ModelOperations
from services.access import audit
from services.access.access import Actor, require
from services.core.memo import remembered
from services.governance.inventory import GovernanceError

MODEL_TAG_KEY = "model"
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class OperationsInput:
    period_start: date
    period_end: date
    inference_count: int
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    availability_pct: float | None = None
    error_rate_pct: float | None = None


def _check(data: OperationsInput, where: str = "") -> None:
    if data.period_end < data.period_start:
        raise GovernanceError(f"{where}the period ends before it starts")
    if data.inference_count < 0:
        raise GovernanceError(f"{where}inference count cannot be negative")
    for name in ("latency_p50_ms", "latency_p99_ms", "availability_pct", "error_rate_pct"):
        value = getattr(data, name)
        if value is not None and (not math.isfinite(value) or value < 0):
            raise GovernanceError(f"{where}{name} must be a number of zero or more")
        if name.endswith("_pct") and value is not None and value > 100:
            raise GovernanceError(f"{where}{name} cannot be above 100")


def _upsert(
    session: Session, actor: Actor, model_id: int, data: OperationsInput, source: str, now: datetime
) -> None:
    row = session.exec(
        select(ModelOperations).where(
            ModelOperations.model_id == model_id, ModelOperations.period_start == data.period_start
        )
    ).first()
    before = audit.snapshot(row)
    row = row or ModelOperations(
        model_id=model_id,
        period_start=data.period_start,
        period_end=data.period_end,
        created_at=now,
    )
    for key, value in data.__dict__.items():
        setattr(row, key, value)
    row.source, row.entered_by = source, actor.email
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "update" if before else "create",
        "modeloperations",
        row.id,
        before=before,
        after=audit.snapshot(row),
    )


def record_operations(
    db: Database,
    actor: Actor,
    model_id: int,
    data: OperationsInput,
    *,
    now: datetime,
    source: str = "manual",
) -> None:
    """Enter (or correct) one period's operations of a model."""
    require(db, actor, "models.edit", record_type="modeloperations", record_id=model_id)
    _check(data)
    with db.write() as session:
        if session.get(Model, model_id) is None:
            raise GovernanceError(f"no model {model_id}")
        _upsert(session, actor, model_id, data, source, now)


OPERATIONS_COLUMNS = ("model", "period_start", "period_end", "inference_count")


def import_operations_csv(
    db: Database, actor: Actor, data: bytes, filename: str, *, now: datetime
) -> int:
    """Rows ``model, period_start, period_end, inference_count`` and optional ``latency_p50_ms,
    latency_p99_ms, availability_pct, error_rate_pct``: all rows or none."""
    require(db, actor, "models.edit", record_type="modeloperations")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    missing = [c for c in OPERATIONS_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise GovernanceError(f"{filename}: missing required column(s): {', '.join(missing)}")
    with db.write() as session:
        names = {m.name: m.id for m in session.exec(select(Model)).all()}
        count = 0
        for number, row in enumerate(reader, start=2):
            where = f"{filename}, row {number}: "
            model_id = names.get((row.get("model") or "").strip())
            if model_id is None:
                raise GovernanceError(f"{where}unknown model {row.get('model')!r}")
            parsed = _parse_row(row, where)
            _check(parsed, where)
            _upsert(session, actor, model_id, parsed, "csv", now)
            count += 1
        return count


def _parse_row(row: dict[str, Any], where: str) -> OperationsInput:
    def number(key: str) -> float | None:
        text = (row.get(key) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError as exc:
            raise GovernanceError(f"{where}column {key!r} is not a number: {text!r}") from exc

    try:
        start = date.fromisoformat((row.get("period_start") or "").strip())
        end = date.fromisoformat((row.get("period_end") or "").strip())
        count = int((row.get("inference_count") or "").strip())
    except ValueError as exc:
        raise GovernanceError(f"{where}periods are YYYY-MM-DD and counts whole numbers") from exc
    return OperationsInput(
        start,
        end,
        count,
        number("latency_p50_ms"),
        number("latency_p99_ms"),
        number("availability_pct"),
        number("error_rate_pct"),
    )


@dataclass(frozen=True)
class OperationsView:
    row: ModelOperations
    breaches: list[str]  # the SLA promises this period missed


def operations(db: Database, actor: Actor, model_id: int) -> list[OperationsView]:
    """Periods newest first, each checked against the contract's SLA."""
    require(db, actor, "models.read", record_type="modeloperations", record_id=model_id)
    with db.read() as session:
        model = session.get(Model, model_id)
        if model is None:
            raise GovernanceError(f"no model {model_id}")
        sla = None
        if model.contract_id is not None:
            sla = session.exec(
                select(ContractSla).where(ContractSla.contract_id == model.contract_id)
            ).first()
        rows = session.exec(
            select(ModelOperations)
            .where(ModelOperations.model_id == model_id)
            .order_by(col(ModelOperations.period_start).desc())
        ).all()
    return [OperationsView(r, sla_breaches(r, sla)) for r in rows]


def sla_breaches(row: ModelOperations, sla: ContractSla | None) -> list[str]:
    if sla is None:
        return []
    out = []
    a, p99, err = row.availability_pct, row.latency_p99_ms, row.error_rate_pct
    if sla.availability_pct is not None and a is not None and a < sla.availability_pct:
        out.append(f"availability {a:g}% < {sla.availability_pct:g}%")
    if sla.latency_p99_ms is not None and p99 is not None and p99 > sla.latency_p99_ms:
        out.append(f"p99 latency {p99:g} ms > {sla.latency_p99_ms:g} ms")
    if sla.error_rate_pct is not None and err is not None and err > sla.error_rate_pct:
        out.append(f"error rate {err:g}% > {sla.error_rate_pct:g}%")
    return out


# --- cost --------------------------------------------------------------------------------------


def _tags(text: str) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k).casefold(): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _share(line: CostLine, model: Model, rules: list[ModelCostSource]) -> Decimal:
    tags = _tags(line.tags)
    names = {model.name.casefold(), (model.mlflow_name or model.name).casefold()}
    best = Decimal(100) if tags.get(MODEL_TAG_KEY, "").casefold() in names else Decimal(0)
    for rule in rules:
        if rule.kind == "tag":
            hit = tags.get(rule.key.casefold()) == rule.value
        elif rule.kind == "resource_id":
            hit = (
                line.resource_id.startswith(rule.value[:-1])
                if rule.value.endswith("*")
                else line.resource_id == rule.value
            )
        else:
            hit = line.service_name.casefold() == rule.value.casefold()
        if hit:
            best = max(best, rule.share_pct)
    return best / 100


def _candidates(
    session: Session,
    model: Model,
    rules: list[ModelCostSource],
    start: date | None,
    end: date | None,
) -> list[CostLine]:
    """Cost lines that may match (narrowed in SQL), of active imports, in [start, end)."""
    words = {model.name, model.mlflow_name or model.name} | {
        r.value for r in rules if r.kind == "tag"
    }
    conditions = [col(CostLine.tags).contains(w) for w in words]
    for rule in rules:
        if rule.kind == "resource_id":
            conditions.append(col(CostLine.resource_id).startswith(rule.value.rstrip("*")))
        elif rule.kind == "service_name":
            conditions.append(func.lower(col(CostLine.service_name)) == rule.value.lower())
    query = (
        select(CostLine)
        .join(BillingImport, col(BillingImport.id) == col(CostLine.import_id))
        .where(col(BillingImport.status) == "active", or_(*conditions))
    )
    if start is not None:
        query = query.where(col(CostLine.billing_period_start) >= start)
    if end is not None:
        query = query.where(col(CostLine.billing_period_start) < end)
    return list(session.exec(query).all())


@dataclass(frozen=True)
class MonthCost:
    model: str
    month: str
    currency: str
    cost: Decimal
    inferences: int

    @property
    def per_million(self) -> Decimal | None:
        if not self.inferences:
            return None
        return (self.cost / self.inferences * MILLION).quantize(Decimal("0.0001"))


CostTotals = dict[tuple[str, str], Decimal]  # (month, currency) -> effective cost


def cost_inputs(
    model: Model, rules: list[ModelCostSource], start: date | None, end: date | None
) -> tuple[Hashable, ...]:
    """Everything a model's cost totals depend on besides the billing rows themselves: its
    names (the model tag), its matching rules and the period. A memo of totals is keyed on
    this within one billing data version (``billing_import.data_version``)."""
    rule_key = tuple(sorted((r.kind, r.key, r.value, str(r.share_pct)) for r in rules))
    return ("model_cost", model.name, model.mlflow_name, rule_key, start, end)


def _month_totals(
    session: Session,
    model: Model,
    rules: list[ModelCostSource],
    start: date | None,
    end: date | None,
) -> CostTotals:
    totals: CostTotals = defaultdict(Decimal)
    for line in _candidates(session, model, rules, start, end):
        share = _share(line, model, rules)
        if share:
            month = f"{line.billing_period_start:%Y-%m}"
            totals[(month, line.currency)] += line.effective_cost * share
    return dict(totals)


def model_costs(
    db: Database,
    actor: Actor,
    *,
    model_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    memo: MutableMapping[Hashable, CostTotals] | None = None,
) -> list[MonthCost]:
    """Effective cost per model, month and currency, with that month's inferences.

    Matching a model's billing rows reads every cost line (tags are searched as text), so a
    caller that asks again and again passes ``memo``: totals are kept under ``cost_inputs`` and
    the caller must give a fresh memo whenever the billing data changes. Inferences are read
    every time.
    """
    require(db, actor, "models.cost", record_type="model", record_id=model_id)
    out: list[MonthCost] = []
    with db.read() as session:
        query = select(Model).order_by(col(Model.name))
        if model_id is not None:
            query = query.where(Model.id == model_id)
        for model in session.exec(query).all():
            rules = list(
                session.exec(
                    select(ModelCostSource).where(ModelCostSource.model_id == model.id)
                ).all()
            )
            totals = remembered(
                memo,
                cost_inputs(model, rules, start, end),
                partial(_month_totals, session, model, rules, start, end),
            )
            inferences: dict[str, int] = defaultdict(int)
            for ops in session.exec(
                select(ModelOperations).where(ModelOperations.model_id == model.id)
            ).all():
                inferences[f"{ops.period_start:%Y-%m}"] += ops.inference_count
            out += [
                MonthCost(model.name, month, currency, amount, inferences.get(month, 0))
                for (month, currency), amount in sorted(totals.items())
            ]
    return out


def spend_report(
    db: Database,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    by_month: bool = False,
) -> list[dict[str, Any]]:
    """`opsdesk report spend --group-by model[,month]`: totals per model (and month), currency."""
    totals: dict[tuple[str, ...], list[Any]] = {}
    for c in model_costs(db, actor, start=start, end=end):
        key: tuple[str, ...] = (c.model, c.month, c.currency) if by_month else (c.model, c.currency)
        entry = totals.setdefault(key, [Decimal(0), 0])
        entry[0] += c.cost
        entry[1] += c.inferences
    rows = []
    for key, (cost, inferences) in sorted(totals.items()):
        row: dict[str, Any] = {"model": key[0]}
        if by_month:
            row["month"] = key[1]
        per_million = (
            (cost / inferences * MILLION).quantize(Decimal("0.0001")) if inferences else ""
        )
        row.update(
            currency=key[-1],
            effective_cost=cost,
            inferences=inferences,
            cost_per_million_inferences=per_million,
        )
        rows.append(row)
    return rows
