"""The Annex IV documentation pack of one system, filled from live records.

Each of the nine sections draws on what Opsdesk keeps: the model and its versions (1), the
published model card, the vendor behind a bought model and the compute cost from billing rows
(2), card metrics per slice (3, 4), the risk-management obligation and its evidence (5), the
deployment history (6), the standards and declaration evidence (7, 8), and drift policies, the
review cadence and the incident procedure (9). Anything missing is a gap owed by the person
responsible for it. Amounts appear only for roles that may see money.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import (
    CostLine,
    Deployment,
    Evidence,
    ExperimentReport,
    Model,
    ModelCard,
    ModelCardMetric,
    ModelCostSource,
    ModelVersion,
    Obligation,
    Person,
    Vendor,
)
from services.access.access import Actor, can, require
from services.core.memo import remembered
from services.governance import drift
from services.governance.annex_iv_render import SECTION_TITLES, Item, Pack, Section


def _find_model(session: Session, name_or_id: str | int) -> Model:
    query = select(Model).where(
        Model.id == name_or_id if isinstance(name_or_id, int) else Model.name == name_or_id
    )
    model = session.exec(query).first()
    if model is None:
        raise ValueError(f"no model {name_or_id!r}")
    return model


CostMemo = MutableMapping[Hashable, dict[str, Decimal]]


def _cost(session: Session, model_id: int, memo: CostMemo | None) -> dict[str, Decimal]:
    """Billing cost attributed to the model by its cost-source rules, per currency.

    Matching reads every cost line (tags are searched as text): a caller that asks again and
    again passes ``memo``, fresh whenever the billing data changes; the rules are in its key.
    """
    rules = session.exec(select(ModelCostSource).where(ModelCostSource.model_id == model_id)).all()
    key = (
        "annex_iv_cost",
        model_id,
        tuple(sorted((r.kind, r.key, r.value, str(r.share_pct)) for r in rules)),
    )
    return dict(remembered(memo, key, lambda: _matched_cost(session, rules)))


def _matched_cost(session: Session, rules: Sequence[ModelCostSource]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for rule in rules:
        share = rule.share_pct / Decimal(100)
        query = select(col(CostLine.effective_cost), col(CostLine.currency), col(CostLine.tags))
        if rule.kind == "service_name":
            query = query.where(CostLine.service_name == rule.value)
        elif rule.kind == "resource_id":
            query = query.where(CostLine.resource_id == rule.value)
        else:
            query = query.where(col(CostLine.tags).contains(rule.value))
        for amount, currency, tags in session.exec(query).all():
            if rule.kind == "tag" and _tag(tags, rule.key) != rule.value:
                continue
            totals[currency] += amount * share
    return dict(totals)


def _tag(tags: str, key: str) -> str | None:
    try:
        value = json.loads(tags or "{}").get(key)
    except (ValueError, AttributeError):
        return None
    return None if value is None else str(value)


EvidenceTexts = Mapping[str, tuple[str | None, int | None]]


def _evidence_texts(session: Session, model_id: int) -> dict[str, tuple[str | None, int | None]]:
    """Per catalogue key, the evidence titles of the model's obligation and the obligation's
    owner (who owes a gap): two reads for the whole pack, not two per section."""
    obligations = {
        ob.id: ob
        for ob in session.exec(select(Obligation).where(Obligation.model_id == model_id)).all()
    }
    lines: dict[int | None, list[str]] = {}
    if obligations:
        for e in session.exec(
            select(Evidence)
            .where(
                col(Evidence.obligation_id).in_(obligations), col(Evidence.archived_at).is_(None)
            )
            .order_by(col(Evidence.id))
        ).all():
            lines.setdefault(e.obligation_id, []).append(
                f"{e.title} ({e.url or e.file_name}, added {e.added_at.date()} by {e.added_by})"
            )
    return {  # one obligation per key and model (uq_obligation_key)
        ob.catalogue_key: ("; ".join(lines.get(ob_id, [])) or None, ob.owner_id)
        for ob_id, ob in obligations.items()
    }


def build_pack(
    session: Session,
    actor: Actor,
    model: Model,
    now: datetime,
    tz: ZoneInfo,
    memo: CostMemo | None = None,
) -> Pack:
    assert model.id is not None
    everyone = session.exec(select(Person)).all()
    people = {p.id: p.name for p in everyone}
    # Who signed or deployed is stored as an email; the pack names the person, as it names
    # owners (an email is also one unbreakable word that ran a phone's table off the screen).
    named = {p.email.lower(): p.name for p in everyone if p.email}
    owner = people.get(model.owner_id) if model.owner_id else None
    doc_owner = people.get(model.documentation_owner_id) if model.documentation_owner_id else None
    doc_owner = doc_owner or owner
    card = session.exec(
        select(ModelCard)
        .where(ModelCard.model_id == model.id, ModelCard.status == "published")
        .order_by(col(ModelCard.number).desc())
    ).first()
    vendor = session.get(Vendor, model.vendor_id) if model.vendor_id else None
    host = session.get(Vendor, model.hosting_vendor_id) if model.hosting_vendor_id else None
    versions = session.exec(
        select(ModelVersion)
        .where(ModelVersion.model_id == model.id)
        .order_by(col(ModelVersion.number))
    ).all()

    def field(label: str, value: str | None, who: str | None = doc_owner) -> Item:
        return Item(label, value or None, owner=who)

    def card_field(label: str, attr: str) -> Item:
        return field(label, getattr(card, attr) if card else None)

    s1 = [
        field("Intended purpose", model.purpose, owner),
        field(
            "Provider",
            "We are the provider"
            if model.ai_act_role == "provider"
            else (vendor.name if vendor else None),
            owner,
        ),
        Item(
            "Versions",
            f"{len(versions)} version(s) recorded.",
            table=(
                ("Version", "Registered", "Run", "Description"),
                *(
                    (
                        f"v{v.number}",
                        v.registered_at.astimezone(tz).date().isoformat(),
                        v.run_id or "",
                        v.description,
                    )
                    for v in versions
                ),
            ),
        )
        if versions
        else field("Versions", None, owner),
        field(
            "Forms placed on the market and hosting",
            f"{model.source.replace('_', ' ')}; hosted by {host.name if host else 'us'}",
            owner,
        ),
        card_field("Instructions for use (intended and out-of-scope use)", "intended_use"),
    ]
    s2 = [
        field(
            "Methods and third-party components",
            "; ".join(x for x in (card.base_model, card.lineage) if x) if card else None,
        ),
        card_field("Design and architecture", "overview"),
        card_field("Data: training data and lineage", "training_data"),
        _compute(session, actor, model.id, card, doc_owner, memo),
        _validation(session, model.id, owner, named),
    ]
    metrics = (
        session.exec(
            select(ModelCardMetric)
            .where(ModelCardMetric.card_id == card.id)
            .order_by(col(ModelCardMetric.position))
        ).all()
        if card
        else []
    )
    metric_table = (
        ("Metric", "Dataset", "Split", "Slice", "Value"),
        *((m.metric, m.dataset, m.split, m.slice or "overall", f"{m.value:g}") for m in metrics),
    )
    s3 = [
        card_field("Capabilities and limitations", "limitations"),
        card_field("Foreseeable risks and ethical considerations", "ethical_considerations"),
        Item("Accuracy per group (card metrics per slice)", table=metric_table)
        if metrics
        else field("Accuracy per group (card metrics per slice)", None),
    ]
    s4 = [card_field("Appropriateness of the performance metrics (trade-offs)", "tradeoffs")]
    evidence = _evidence_texts(session, model.id)
    risk, risk_owner = evidence.get("art9_risk_management", (None, None))
    s5 = [
        field(
            "Risk management system (Art. 9) evidence", risk, people.get(risk_owner or 0) or owner
        )
    ]
    s6 = [_changes(session, model.id, tz, owner, named)]
    std, std_owner = evidence.get("art17_quality_management", (None, None))
    s7 = [
        field(
            "Standards applied and quality management evidence",
            std,
            people.get(std_owner or 0) or owner,
        )
    ]
    decl, decl_owner = evidence.get("art47_declaration", (None, None))
    s8 = [
        field("EU declaration of conformity (Art. 47)", decl, people.get(decl_owner or 0) or owner)
    ]
    s9 = _monitoring(session, model.id, owner, evidence)
    sections = [
        Section(n, SECTION_TITLES[n - 1], items)
        for n, items in enumerate((s1, s2, s3, s4, s5, s6, s7, s8, s9), start=1)
    ]
    return Pack(model.name, now.astimezone(tz), sections)


def _compute(
    session: Session,
    actor: Actor,
    model_id: int,
    card: ModelCard | None,
    who: str | None,
    memo: CostMemo | None,
) -> Item:
    compute = card.environment_compute if card else ""
    # Checked before any cost is read or memoised: a role without money never touches it.
    if not can(actor, "spend.read"):
        money = "cost hidden for your role"
    else:
        cost = _cost(session, model_id, memo)
        money = ", ".join(f"{v:.2f} {c}" for c, v in sorted(cost.items())) or ""
    text = "; ".join(
        x for x in (compute, f"Compute cost from billing: {money}" if money else "") if x
    )
    return Item("Computational resources and their cost", text or None, owner=who)


def _validation(session: Session, model_id: int, who: str | None, named: Mapping[str, str]) -> Item:
    reports = session.exec(
        select(ExperimentReport)
        .where(ExperimentReport.model_id == model_id, ExperimentReport.status == "signed_off")
        .order_by(col(ExperimentReport.signed_off_at))
    ).all()
    if not reports:
        return Item("Validation and testing: dated and signed reports", None, owner=who)
    return Item(
        "Validation and testing: dated and signed reports",
        f"{len(reports)} report(s).",
        table=(
            ("Report", "Signed off", "By"),
            *(
                (
                    r.title,
                    r.signed_off_at.date().isoformat() if r.signed_off_at else "",
                    _person(r.signed_off_by, named),
                )
                for r in reports
            ),
        ),
    )


def _person(email: str | None, named: Mapping[str, str]) -> str:
    """The person's name for an email Opsdesk recorded; the email itself (or ``cli:root``,
    ``mlflow-sync``) when no person has it."""
    if not email:
        return ""
    return named.get(email.lower(), email)


def _changes(
    session: Session, model_id: int, tz: ZoneInfo, who: str | None, named: Mapping[str, str]
) -> Item:
    rows = session.exec(
        select(Deployment, ModelVersion)
        .join(ModelVersion, col(ModelVersion.id) == Deployment.model_version_id)
        .where(Deployment.model_id == model_id)
        .order_by(col(Deployment.started_at))
    ).all()
    if not rows:
        return Item("Deployment history", None, owner=who)
    return Item(
        "Deployment history",
        # Four columns, date and time apart, the zone said once: six columns with ISO stamps
        # (which cannot wrap) ran past a phone's screen.
        f"{len(rows)} change(s); times in {tz.key}.",
        table=(
            ("Live", "Version", "By", "Reason"),
            *(
                (
                    f"{d.started_at.astimezone(tz):%Y-%m-%d %H:%M} to "
                    f"{d.ended_at.astimezone(tz):%Y-%m-%d %H:%M}"
                    if d.ended_at
                    else f"since {d.started_at.astimezone(tz):%Y-%m-%d %H:%M}",
                    f"v{v.number} in {d.environment}",
                    _person(d.started_by, named),
                    d.reason,
                )
                for d, v in rows
            ),
        ),
    )


def _monitoring(
    session: Session, model_id: int, who: str | None, evidence: EvidenceTexts
) -> list[Item]:
    policies = drift.policy_rows(session, model_id=model_id)
    items = [
        Item(
            "Drift policies",
            f"{len(policies)} policy(ies).",
            table=(
                ("Metric", "Warning", "Critical", "Action", "Owner", "Review by"),
                *(
                    (
                        p.metric,
                        f"{p.warning_threshold:g}",
                        f"{p.critical_threshold:g}",
                        p.action,
                        p.owner,
                        str(p.review_by or ""),
                    )
                    for p in policies
                ),
            ),
        )
        if policies
        else Item("Drift policies", None, owner=who)
    ]
    pmm, _ = evidence.get("art72_post_market_monitoring", (None, None))
    items.append(Item("Post-market monitoring plan and review cadence", pmm, owner=who))
    items.append(
        Item(
            "Serious-incident procedure",
            "Incidents are recorded in Opsdesk with the "
            "Art. 73 clocks (2, 10 or 15 days from awareness), reminders 24 h and 6 h "
            "before each deadline, and a post-incident review within five working days.",
        )
    )
    return items


def annex_iv_pack(
    db: Database,
    actor: Actor,
    model: str | int,
    *,
    now: datetime,
    tz: ZoneInfo,
    memo: CostMemo | None = None,
) -> Pack:
    """``memo``: billing cost totals kept between calls, as in ``operations.model_costs``."""
    require(db, actor, "governance.read", record_type="model", record_id=model)
    with db.read() as s:
        return build_pack(s, actor, _find_model(s, model), now, tz, memo)
