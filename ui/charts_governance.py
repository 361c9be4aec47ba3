"""Governance charts: pure functions from rows to a plotly figure."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from services.governance.obligations import STATE_LABELS, ObligationRow

STATE_COLOURS = {
    "overdue": "#c62828",
    "missing_evidence": "#ef6c00",
    "evidence_expired": "#ef6c00",
    "due_soon": "#f9a825",
    "open": "#1565c0",
    "in_progress": "#6a1b9a",
    "met": "#2e7d32",
    "not_applicable": "#9e9e9e",
}


def dues_calendar(rows: Sequence[ObligationRow]) -> go.Figure:
    """Each obligation as a dot on its due date, one line per system, coloured by state."""
    traces = []
    for state, colour in STATE_COLOURS.items():
        picked = [r for r in rows if r.state == state]
        if not picked:
            continue
        traces.append(
            go.Scatter(
                x=[r.due_date for r in picked],
                y=[r.model for r in picked],
                mode="markers",
                name=STATE_LABELS[state],
                marker={"color": colour, "size": 11},
                customdata=[[f"Art. {r.article}", r.title, r.owner or "nobody"] for r in picked],
                hovertemplate="%{customdata[0]} %{customdata[1]}<br>due %{x}<br>"
                "owner %{customdata[2]}<extra></extra>",
            )
        )
    # One figure built from its traces and layout: add_trace and update_layout validate the
    # whole figure again on each call.
    return go.Figure(
        data=traces,
        layout={
            # The legend above the plot and no axis title: below it, the legend ran over the
            # title at most widths (the page's caption already says dates are guidance).
            "height": 160 + 40 * len({r.model for r in rows}),
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        },
    )
