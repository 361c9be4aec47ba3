"""The parts of a model's page on the Models page: card, versions, deployments, operations
and cost. Each function draws one tab from service calls; changes go through save_and_rerun."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import Actor, can
from services.core.clock import now, today
from services.core.money import format_money
from services.governance import cards, choices, deployments, inventory, operations
from services.governance.cards import SHORT_FIELDS, TEXT_FIELDS, CardContent, CardMetric, CardView
from services.governance.choices import label
from services.governance.inventory import ModelDetail
from ui.charts_models import deployment_timeline
from ui.data_memo import billing_memo
from ui.forms import new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.model_form import change_model_form
from ui.state import database, settings
from ui.text import md_escape, md_table
from ui.times import local
from ui.widgets import forget_opened, lazy_expander, lazy_tabs, opened_version


def model_detail(actor: Actor, picked: int) -> None:
    """One model: what it is, then its card, versions, deployments or cost (the open tab)."""
    db = database()
    with allowed():
        detail = inventory.get_model(db, actor, picked, today=today(db))
    model = detail.model
    st.header(model.name)
    st.text(model.purpose or model.description or "No purpose written yet.")
    # Each fact as wide as its text, wrapping to a new line: in quarter-width columns
    # "Development" read "Developm…" at 1,300 px.
    with st.container(horizontal=True, gap="large"):
        st.metric("Status", label(choices.STATUS_LABELS, model.status), width="content")
        st.metric("EU AI Act risk", label(choices.RISK_LABELS, model.risk_class), width="content")
        st.metric("Our role", label(choices.ROLE_LABELS, model.ai_act_role), width="content")
        st.metric("Versions", len(detail.versions), width="content")
    if detail.contract is not None:
        c = detail.contract
        st.caption(
            f"Covered by {c.vendor} · {c.title}: term ends {c.current_term_end}, "
            f"cancellation deadline {c.cancellation_deadline}"
        )
    if can(actor, "models.edit"):
        change_model_form(actor, picked)
    lazy_tabs(
        {
            "Card": lambda: card_tab(actor, detail),
            "Versions": lambda: versions_tab(actor, detail),
            "Deployments": lambda: deployments_tab(actor, detail),
            "Operations and cost": lambda: operations_tab(actor, detail),
        },
        key="tab",
        bind_query=True,
    )


def card_tab(actor: Actor, detail: ModelDetail) -> None:
    db, model_id = database(), detail.model.id or 0
    with allowed():
        draft = cards.draft_of(db, actor, model_id)
        published = cards.published(db, actor, model_id)
    if published:
        latest = published[0]
        st.caption(
            f"Published card v{latest.number} by {latest.published_by}, "
            f"{latest.published_at:%Y-%m-%d}; signed off by {latest.signed_off_by}"
        )
        _show_card(latest)
        st.download_button(
            "Download card (Markdown)",
            _markdown(latest),
            file_name=f"{detail.model.name}-card-v{latest.number}.md",
            key=f"card_md_{model_id}",
        )
    else:
        st.info("No published card yet. Draft one below; an engineer or lead publishes it.")
    if len(published) >= 2:
        lazy_expander(
            "Compare published versions",
            lambda: _compare(published, model_id),
            key=f"cmp_open_{model_id}",
        )
    _draft_form(actor, detail, draft)


def _compare(published: list[CardView], model_id: int) -> None:
    numbers = [c.number for c in published]
    a, b = st.columns(2)
    old = a.selectbox("Compare version", numbers[1:], key=f"cmp_old_{model_id}")
    new = b.selectbox("with version", numbers, key=f"cmp_new_{model_id}")
    by_number = {c.number: c for c in published}
    changes = cards.compare(by_number[old], by_number[new])
    st.dataframe(
        pd.DataFrame([c.__dict__ for c in changes], columns=["what", "before", "after"]),
        hide_index=True,
    )


def _markdown(view: CardView) -> str:
    from services.governance.card_export import card_markdown

    return card_markdown(view)


def _show_card(view: CardView) -> None:
    # One block, not a heading and a text element per field: each element costs the browser
    # a mount on every visit. User text is escaped, so it shows literally, never as markdown.
    shown = [
        f"**{label}**  \n{md_escape(view.content.texts[name])}"
        for name, label in TEXT_FIELDS
        if view.content.texts.get(name, "")
    ]
    if shown:
        st.markdown("\n\n".join(shown))
    if view.content.metrics:
        rows = [_metric_row(m) for m in view.content.metrics]
        # Columns no metric fills are left out: four at most, so the table fits a phone.
        columns = [c for c in rows[0] if any(r[c] for r in rows)]
        st.markdown(md_table(rows, columns))


def _metric_row(m: CardMetric) -> dict[str, str]:
    where = " / ".join(x for x in (m.dataset, m.split) if x)
    details = [where, f"slice {m.slice}" if m.slice else "", f"task {m.task}" if m.task else ""]
    return {
        "Metric": m.metric,
        "Value": f"{m.value:g}",
        "Evaluated on": ", ".join(d for d in details if d),
        # An MLflow run id is 32 characters that cannot wrap: its start, as a short commit hash
        # is shown; the Versions tab shows each version's run whole.
        "Run": (m.source_run_id or "")[:8],
    }


def _draft_form(actor: Actor, detail: ModelDetail, draft: CardView | None) -> None:
    db, model_id = database(), detail.model.id or 0
    st.subheader("Draft")
    if draft is not None:
        signed = f", signed off by {draft.signed_off_by}" if draft.signed_off_by else ""
        v = f" for v{draft.model_version}" if draft.model_version else ""
        st.caption(f"Draft{v}, last edited by {draft.drafted_by}{signed}")
    if not can(actor, "cards.draft"):
        return
    # The draft as this person opened it: a save, sign-off or publish made against it after
    # someone else changed the draft is refused with a message, never dropped in silence (a
    # form keyed by the version read on each run was redrawn empty-handed) and never applied
    # to text the person has not read.
    form = f"card_{model_id}"
    opened = opened_version(form, draft.version if draft else 0)
    key = f"{form}_{opened}"
    lazy_expander(
        "Write or edit the draft",
        lambda: _draft_section(actor, detail, draft, key, opened),
        key=f"card_edit_open_{model_id}",
    )
    if draft is None:
        return
    bar = st.container(horizontal=True)
    if can(actor, "cards.sign_off") and bar.button("Sign off draft", key=f"{key}_sign"):
        forget_opened(form)
        save_and_rerun(
            lambda: cards.sign_off(db, actor, model_id, expected_version=opened, now=now(db)),
            "Draft signed off",
        )
    if can(actor, "cards.publish") and bar.button(
        "Publish card", type="primary", key=f"{key}_publish"
    ):
        forget_opened(form)
        save_and_rerun(
            lambda: cards.publish(db, actor, model_id, expected_version=opened, now=now(db)),
            "Card published",
        )


def _draft_section(
    actor: Actor, detail: ModelDetail, draft: CardView | None, key: str, opened: int
) -> None:
    db, model_id = database(), detail.model.id or 0
    if detail.versions:
        versions = {v.id: f"v{v.number}" for v in detail.versions}
        cols = st.columns([3, 2])
        pick = cols[0].selectbox(
            "Start the draft from version",
            list(versions),
            format_func=versions.__getitem__,
            key=f"from_v_{model_id}",
        )
        if cols[1].button("Draft from this version", key=f"draft_from_{model_id}"):
            save_and_rerun(
                lambda: cards.draft_from_version(db, actor, model_id, pick, now=now(db)),
                "Draft updated",
            )
    _draft_fields(actor, model_id, draft, key, opened)


def _draft_fields(
    actor: Actor, model_id: int, draft: CardView | None, key: str, opened: int
) -> None:
    db = database()
    current = draft.content if draft else CardContent()
    with st.form(key, clear_on_submit=False):
        texts = {
            name: st.text_area(label, current.texts.get(name, ""), key=f"{key}_{name}")
            for name, label in TEXT_FIELDS
        }
        for name, label in SHORT_FIELDS:
            texts[name] = st.text_input(label, current.texts.get(name, ""), key=f"{key}_{name}")
        review_by = st.date_input("Review by", current.review_by, key=f"{key}_review")
        if st.form_submit_button("Save draft", type="primary"):
            content = CardContent(
                texts=texts,
                metrics=current.metrics,
                review_by=review_by,
                model_version_id=current.model_version_id,
            )
            forget_opened(f"card_{model_id}")
            save_and_rerun(
                lambda: cards.save_draft(
                    db,
                    actor,
                    model_id,
                    content,
                    expected_version=opened if draft else None,
                    now=now(db),
                ),
                "Draft saved",
            )


def versions_tab(actor: Actor, detail: ModelDetail) -> None:
    if can(actor, "models.edit"):
        lazy_expander(
            "Add a version by hand (teams without MLflow)",
            lambda: _add_version(actor, detail),
            key=f"version_add_open_{detail.model.id}",
            expanded=not detail.versions,
        )
    if not detail.versions:
        st.info("No versions yet: they arrive from MLflow, or are added by hand.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Version": v.number,
                    "Run": v.run_id or "",
                    "Status": v.status,
                    "Registered": local(v.registered_at, settings().tz),
                    **{f"metric: {k}": m for k, m in v.metrics.items()},
                }
                for v in detail.versions
            ]
        ),
        hide_index=True,
        column_config={"Registered": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )


def _add_version(actor: Actor, detail: ModelDetail) -> None:
    db = database()
    model_id = detail.model.id or 0
    following = max((v.number for v in detail.versions), default=0) + 1
    with st.form(key := new_form_key(form := f"version_add_{model_id}")):
        c1, c2 = st.columns([1, 3])
        number = c1.number_input("Version", 1, 1_000_000, following, key=f"{key}_number")
        run_id = c2.text_input("Run id (optional)", key=f"{key}_run")
        metrics = st.text_area(
            "Metrics (optional): name=value, one per line or comma separated",
            placeholder="auc=0.91\nlatency_ms=41",
            key=f"{key}_metrics",
        )
        description = st.text_area("What changed", key=f"{key}_description")
        if st.form_submit_button("Add version", type="primary"):
            save_new(
                form,
                lambda: inventory.add_version(
                    db,
                    actor,
                    model_id,
                    number=int(number),
                    now=now(db),
                    run_id=run_id.strip() or None,
                    description=description,
                    metrics=inventory.parse_metrics(metrics),
                ),
                f"Version {int(number)} added",
            )


def deployments_tab(actor: Actor, detail: ModelDetail) -> None:
    db, model_id = database(), detail.model.id or 0
    with allowed():
        views = deployments.history(db, actor, model_id)
    day = st.date_input("Which version was in production on", today(db), key=f"asof_{model_id}")
    tz = settings().tz
    live = deployments.live_on(db, actor, model_id, day, tz)
    st.write("In production that day: " + (", ".join(f"v{v.version}" for v in live) or "none"))
    if views:
        st.plotly_chart(deployment_timeline(views, now(db)), key=f"timeline_{model_id}")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Version": v.version,
                        "Environment": v.environment,
                        "Alias": v.alias or "",
                        "From": local(v.started_at, tz),
                        "To": local(v.ended_at, tz),
                        "By": v.started_by,
                        "Reason": v.reason,
                        "Approver": v.approver or "",
                        "Source": v.source,
                    }
                    for v in views
                ]
            ),
            hide_index=True,
            column_config={
                c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")
                for c in ("From", "To")
            },
        )
        st.caption(f"Times in {tz.key}. No end: still live in that environment.")
    else:
        st.info("No deployments recorded. Record one below, or let the MLflow sync find aliases.")
    if not can(actor, "deployments.record") or not detail.versions:
        return
    with st.form(key := new_form_key(form := f"deploy_{model_id}")):
        numbers = [v.number for v in detail.versions]
        number = st.selectbox("Version", numbers, key=f"{key}_v")
        env = st.text_input("Environment", "production", key=f"{key}_env")
        reason = st.text_input("Reason", key=f"{key}_reason")
        approver = st.text_input("Approver (email)", key=f"{key}_appr")
        if st.form_submit_button("Record deployment"):
            save_new(
                form,
                lambda: deployments.record_deployment(
                    db,
                    actor,
                    model_id,
                    version_number=number,
                    environment=env,
                    at=now(db),
                    reason=reason,
                    approver=approver,
                ),
                "Deployment recorded",
            )


def operations_tab(actor: Actor, detail: ModelDetail) -> None:
    db, model_id = database(), detail.model.id or 0
    with allowed():
        views = operations.operations(db, actor, model_id)
    if views:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "From": v.row.period_start,
                        "To": v.row.period_end,
                        "Inferences": v.row.inference_count,
                        "p50 ms": v.row.latency_p50_ms,
                        "p99 ms": v.row.latency_p99_ms,
                        "Availability %": v.row.availability_pct,
                        "Error rate %": v.row.error_rate_pct,
                        "SLA breaches": "; ".join(v.breaches),
                    }
                    for v in views
                ]
            ),
            hide_index=True,
        )
    else:
        st.info("No operations recorded yet: import a CSV below.")
    if can(actor, "models.edit"):
        upload = st.file_uploader(
            "Import operations (CSV: model, period_start, period_end, inference_count; optional "
            "latency_p50_ms, latency_p99_ms, availability_pct, error_rate_pct)",
            type=["csv"],
            key=f"ops_csv_{model_id}",
        )
        if upload is not None and st.button("Import operations", key=f"ops_import_{model_id}"):
            save_and_rerun(
                lambda: operations.import_operations_csv(
                    db, actor, upload.getvalue(), upload.name, now=now(db)
                ),
                "Operations imported",
            )
    if not can(actor, "models.cost"):
        return
    costs = operations.model_costs(db, actor, model_id=model_id, memo=billing_memo(db))
    if costs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "Month": c.month,
                        "Cost": format_money(c.cost, c.currency),
                        "Inferences": c.inferences,
                        "Cost per million inferences": format_money(c.per_million, c.currency)
                        if c.per_million is not None
                        else "",
                    }
                    for c in costs
                ]
            ),
            hide_index=True,
        )
    else:
        st.caption("No billing rows are attributed to this model (tag them with model=NAME).")
