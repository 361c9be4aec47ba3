"""The model form (Models page): adding a model, and changing one (its status, risk class, owners,
and the vendor and contract it comes under), with the same fields."""

from __future__ import annotations

import streamlit as st

from services.access.access import Actor
from services.core.clock import now
from services.governance import choices, inventory, model_edit
from services.governance.inventory import ModelInput
from services.governance.model_edit import LinkChoices
from ui.forms import edit_form, new_form_key, save_new
from ui.guard import allowed
from ui.state import database
from ui.widgets import keeping, lazy_expander, select_one

NEW = ModelInput(name="", ai_act_role="deployer")


def _with(options: dict[int, str], current: int | None, missing: str) -> dict[int | None, str]:
    """``options`` after "(none)", keeping the present value even when no longer offered."""
    offered: dict[int | None, str] = {None: "(none)"} | options
    return keeping(offered, current, missing)


def _fields(prefix: str, links: LinkChoices, current: ModelInput) -> ModelInput:
    name = st.text_input("Name", value=current.name, key=f"{prefix}_name")
    purpose = st.text_area("Purpose", value=current.purpose, key=f"{prefix}_purpose")
    c1, c2, c3 = st.columns(3)
    with c1:
        status = select_one(
            "Status", choices.STATUS_LABELS, current=current.status, key=f"{prefix}_status"
        )
    with c2:
        risk = select_one(
            "Risk class", choices.RISK_LABELS, current=current.risk_class, key=f"{prefix}_risk"
        )
    with c3:
        role = select_one(
            "Our role", choices.ROLE_LABELS, current=current.ai_act_role, key=f"{prefix}_role"
        )
    general = st.checkbox(
        "General-purpose AI model", value=current.general_purpose, key=f"{prefix}_gpai"
    )
    s1, s2, s3 = st.columns(3)
    with s1:
        source = select_one(
            "Source", choices.SOURCE_LABELS, current=current.source, key=f"{prefix}_source"
        )
    with s2:
        vendor = select_one(
            "From vendor",
            _with(links.vendors, current.vendor_id, f"vendor #{current.vendor_id}"),
            current=current.vendor_id,
            key=f"{prefix}_vendor",
        )
    with s3:
        host = select_one(
            "Hosted by",
            _with(links.vendors, current.hosting_vendor_id, f"vendor #{current.hosting_vendor_id}"),
            current=current.hosting_vendor_id,
            key=f"{prefix}_host",
        )
    contract = select_one(
        "Covered by contract",
        _with(links.contracts, current.contract_id, f"cancelled contract #{current.contract_id}"),
        current=current.contract_id,
        key=f"{prefix}_contract",
    )
    o1, o2 = st.columns(2)
    owner = o1.text_input("Owner email", value=current.owner_email or "", key=f"{prefix}_owner")
    doc_owner = o2.text_input(
        "Documentation owner email",
        value=current.documentation_owner_email or "",
        key=f"{prefix}_doc",
    )
    m1, m2, m3 = st.columns(3)
    mlflow = m1.text_input(
        "MLflow registered model", value=current.mlflow_name or "", key=f"{prefix}_mlflow"
    )
    production = m2.text_input(
        "Production alias", value=current.production_alias, key=f"{prefix}_prod_alias"
    )
    staging = m3.text_input(
        "Staging alias", value=current.staging_alias, key=f"{prefix}_stage_alias"
    )
    return ModelInput(
        name=name,
        purpose=purpose,
        owner_email=owner.strip() or None,
        documentation_owner_email=doc_owner.strip() or None,
        team_id=current.team_id,
        status=status,
        source=source,
        vendor_id=vendor,
        contract_id=contract,
        hosting_vendor_id=host,
        risk_class=risk,
        general_purpose=general,
        ai_act_role=role,
        mlflow_name=mlflow.strip() or None,
        production_alias=production,
        staging_alias=staging,
    )


def add_model_form(actor: Actor) -> None:
    lazy_expander("Add a model", lambda: _add(actor), key="models_add_open")


def _add(actor: Actor) -> None:
    db = database()
    with allowed():
        links = model_edit.link_choices(db, actor)
    with st.form(key := new_form_key("models_add")):
        data = _fields(key, links, NEW)
        if st.form_submit_button("Add model", type="primary"):
            create = lambda: inventory.create_model(db, actor, data, now(db))  # noqa: E731
            save_new("models_add", create, "Model added")


def change_model_form(actor: Actor, model_id: int) -> None:
    lazy_expander(
        "Change this model: status, risk class, owners, vendor and contract",
        lambda: _change(actor, model_id),
        key=f"models_edit_open_{model_id}",
    )


def _change(actor: Actor, model_id: int) -> None:
    db = database()
    with allowed():
        links = model_edit.link_choices(db, actor)
        current, version = model_edit.model_input(db, actor, model_id)
    st.caption(
        "A new risk class or role brings its EU AI Act obligations at the next planning pass "
        "(or at once from the Obligations page). Those already assigned stay: mark one that no "
        "longer applies as not applicable there."
    )
    edit_form(
        "models_edit",
        model_id,
        version,
        lambda prefix: _fields(prefix, links, current),
        lambda data, opened: inventory.update_model(
            db, actor, model_id, data, expected_version=opened
        ),
        done="Model saved",
    )
