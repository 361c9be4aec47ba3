"""A model card as Markdown with YAML metadata, in the layout Hugging Face's ``ModelCard`` reads.

The YAML is written by hand (no YAML library at runtime): every scalar is a JSON string or
number, which YAML reads as the same value. Evaluation results become ``model-index`` entries;
a result's slice goes in its metric ``config`` and name, so the fairness record survives.
"""

from __future__ import annotations

import json

from db.engine import Database
from services.access.access import Actor
from services.governance import cards
from services.governance.cards import CardMetric, CardView
from services.governance.inventory import find_model

DEFAULT_TASK = "other"


def _q(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _metric_lines(name: str, metrics: tuple[CardMetric, ...]) -> list[str]:
    if not metrics:
        return []
    lines = ["model-index:", f"- name: {_q(name)}", "  results:"]
    for m in metrics:
        dataset = m.dataset or "unspecified"
        lines += [
            "  - task:",
            f"      type: {_q(m.task or DEFAULT_TASK)}",
            "    dataset:",
            f"      name: {_q(dataset)}",
            f"      type: {_q(dataset)}",
        ]
        if m.split:
            lines.append(f"      split: {_q(m.split)}")
        label = f"{m.metric} ({m.slice})" if m.slice else m.metric
        lines += ["    metrics:", f"    - type: {_q(m.metric)}", f"      value: {_q(m.value)}"]
        lines.append(f"      name: {_q(label)}")
        if m.slice:
            lines.append(f"      config: {_q(m.slice)}")
    return lines


def _front_matter(view: CardView) -> str:
    texts = view.content.texts
    lines = [f"license: {_q(texts.get('license') or 'other')}"]
    if texts.get("base_model"):
        lines.append(f"base_model: {_q(texts['base_model'])}")
    lines.append(f"tags: [{_q('opsdesk')}]")
    lines += _metric_lines(view.model_name, view.content.metrics)
    return "---\n" + "\n".join(lines) + "\n---\n"


def _section(title: str, text: str) -> str:
    return f"{title}\n\n{text.strip() or '[More Information Needed]'}\n\n"


def _results_table(metrics: tuple[CardMetric, ...]) -> str:
    if not metrics:
        return "No evaluation results recorded.\n\n"
    rows = ["| Metric | Value | Dataset | Split | Slice |", "| --- | --- | --- | --- | --- |"]
    for m in metrics:
        cells = [m.metric, f"{m.value:g}", m.dataset, m.split, m.slice or "overall"]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n\n"


def card_markdown(view: CardView) -> str:
    t = view.content.texts
    version = f"v{view.model_version}" if view.model_version is not None else "not linked"
    status = (
        f"Card version {view.number}, published {view.published_at:%Y-%m-%d} by {view.published_by}"
        if view.published_at
        else "Draft (not published)"
    )
    body = [
        f"# Model Card for {view.model_name}\n\n",
        f"{status}. Model version: {version}.\n\n",
        _section("## Model Details", t.get("overview", "")),
        "## Uses\n\n",
        _section("### Direct Use", t.get("intended_use", "")),
        _section("### Out-of-Scope Use", t.get("out_of_scope_use", "")),
        _section("## Bias, Risks, and Limitations", t.get("limitations", "")),
        _section("### Trade-offs", t.get("tradeoffs", "")),
        _section("### Ethical Considerations", t.get("ethical_considerations", "")),
        "## Training Details\n\n",
        _section("### Training Data", t.get("training_data", "")),
        _section("### Lineage", t.get("lineage", "")),
        "## Evaluation\n\n### Results\n\n",
        _results_table(view.content.metrics),
        _section("## Environmental Impact and Compute", t.get("environment_compute", "")),
    ]
    return _front_matter(view) + "\n" + "".join(body)


def export_card(db: Database, actor: Actor, model_name: str, number: int | None) -> str:
    """`opsdesk export card MODEL [--version N]`: a published card's Markdown."""
    model = find_model(db, actor, model_name)
    return card_markdown(cards.card(db, actor, model.id or 0, number))
