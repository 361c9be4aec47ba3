"""What the model form needs: the vendors and contracts a model can name, and a model's present
values as the form's input (``inventory.update_model`` saves them)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from db.engine import Database
from db.models import Contract, Model, Person, Vendor
from services.access.access import Actor, require
from services.governance.inventory import GovernanceError, ModelInput


@dataclass(frozen=True)
class LinkChoices:
    vendors: dict[int, str]
    contracts: dict[int, str]  # "Vendor · contract", live contracts only


def link_choices(db: Database, actor: Actor) -> LinkChoices:
    require(db, actor, "models.edit", record_type="model")
    with db.read() as s:
        vendors = {
            v_id: name
            for v_id, name in s.exec(
                select(col(Vendor.id), col(Vendor.name)).order_by(col(Vendor.name))
            ).all()
            if v_id is not None
        }
        contracts = {
            c_id: f"{name} · {title}"
            for c_id, title, name in s.exec(
                select(col(Contract.id), col(Contract.title), col(Vendor.name))
                .join(Vendor, col(Vendor.id) == Contract.vendor_id)
                .where(col(Contract.cancelled).is_(False))
                .order_by(col(Vendor.name), col(Contract.title))
            ).all()
            if c_id is not None
        }
    return LinkChoices(vendors=vendors, contracts=contracts)


def model_input(db: Database, actor: Actor, model_id: int) -> tuple[ModelInput, int]:
    """The model's present values as a form input, and the version they were read at."""
    require(db, actor, "models.edit", record_type="model", record_id=model_id)
    with db.read() as s:
        m = s.get(Model, model_id)
        if m is None:
            raise GovernanceError(f"no model {model_id}")
        emails = {
            p_id: email
            for p_id, email in s.exec(
                select(col(Person.id), col(Person.email)).where(
                    col(Person.id).in_([i for i in (m.owner_id, m.documentation_owner_id) if i])
                )
            ).all()
        }
        data = ModelInput(
            name=m.name,
            purpose=m.purpose,
            owner_email=emails.get(m.owner_id) if m.owner_id else None,
            documentation_owner_email=(
                emails.get(m.documentation_owner_id) if m.documentation_owner_id else None
            ),
            team_id=m.team_id,
            status=m.status,
            source=m.source,
            vendor_id=m.vendor_id,
            contract_id=m.contract_id,
            hosting_vendor_id=m.hosting_vendor_id,
            risk_class=m.risk_class,
            general_purpose=m.general_purpose,
            ai_act_role=m.ai_act_role,
            mlflow_name=m.mlflow_name,
            production_alias=m.production_alias,
            staging_alias=m.staging_alias,
        )
        return data, m.version
