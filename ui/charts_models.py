"""Governance charts: pure functions from service rows to plotly figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import plotly.graph_objects as go

from services.governance.deployments import DeploymentView


def deployment_timeline(views: Sequence[DeploymentView], now: datetime) -> go.Figure:
    """One bar per deployment: a row per environment, from when it went live to when it ended
    (still-live bars run to ``now``), labelled with the version."""
    fig = go.Figure()
    environments = sorted({v.environment for v in views}, key=lambda e: (e != "production", e))
    for view in sorted(views, key=lambda v: v.started_at):
        end = view.ended_at or now
        fig.add_bar(
            base=[view.started_at.isoformat()],
            x=[(end - view.started_at).total_seconds() * 1000],
            y=[view.environment],
            orientation="h",
            text=[f"v{view.version}"],
            textposition="inside",
            name=f"v{view.version}",
            hovertext=[
                f"v{view.version} in {view.environment}: {view.started_at:%Y-%m-%d %H:%M} → "
                + (f"{view.ended_at:%Y-%m-%d %H:%M}" if view.ended_at else "now")
            ],
            hoverinfo="text",
            showlegend=False,
        )
    fig.update_layout(
        barmode="overlay",
        xaxis={"type": "date", "title": "When it was live (UTC)"},
        yaxis={"categoryorder": "array", "categoryarray": environments[::-1]},
        margin={"l": 40, "r": 20, "t": 20, "b": 40},
        height=120 + 50 * max(1, len(environments)),
    )
    return fig
