"""Review board charts: pure functions from the board's rows to plotly figures."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from services.coordination.review import WeekRate


def completion_rate_figure(weeks: Sequence[WeekRate]) -> go.Figure:
    """Bars of items due and done per week, with the completion rate as a line (right axis)."""
    labels = [w.week_start.strftime("%d %b") for w in weeks]
    # Counts are whole items and the rate a percentage: ticks say so (a 0-105 range let plotly
    # put the rate's grid at 16.6 / 33.3 / 49.9).
    top = max([w.due for w in weeks] + [1])
    # One figure from its traces and layout: each add_* and update_layout call validated the
    # whole figure again.
    return go.Figure(
        data=[
            go.Bar(
                name="Due that week",
                x=labels,
                y=[w.due for w in weeks],
                marker_color="#c7d2fe",
            ),
            go.Bar(
                name="Done of those",
                x=labels,
                y=[w.done for w in weeks],
                marker_color="#4f46e5",
            ),
            go.Scatter(
                name="Completion rate",
                x=labels,
                y=[None if w.rate is None else round(w.rate * 100, 1) for w in weeks],
                yaxis="y2",
                mode="lines+markers",
                connectgaps=False,
                line={"color": "#16a34a"},
            ),
        ],
        layout={
            "barmode": "overlay",
            "xaxis": {"title": {"text": "Week starting"}},
            "yaxis": {
                "title": {"text": "Action items"},
                "rangemode": "tozero",
                "tickformat": ",d",
                "dtick": max(1, math.ceil(top / 5)),
            },
            "yaxis2": {
                "title": {"text": "Completion rate"},
                "overlaying": "y",
                "side": "right",
                "range": [0, 100],
                "tickvals": [0, 25, 50, 75, 100],
                "ticksuffix": "%",
                "showgrid": False,
            },
            # Above the plot: below it, a narrow window's slanted week labels pushed the axis
            # title into the legend.
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
            "margin": {"l": 40, "r": 40, "t": 10, "b": 40},
            "height": 340,
        },
    )
