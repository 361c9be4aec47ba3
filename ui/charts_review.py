"""Review board charts: pure functions from the board's rows to plotly figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from services.coordination.review import WeekRate


def completion_rate_figure(weeks: Sequence[WeekRate]) -> go.Figure:
    """Bars of items due and done per week, with the completion rate as a line (right axis)."""
    labels = [w.week_start.strftime("%d %b") for w in weeks]
    fig = go.Figure()
    fig.add_bar(name="Due that week", x=labels, y=[w.due for w in weeks], marker_color="#c7d2fe")
    fig.add_bar(name="Done of those", x=labels, y=[w.done for w in weeks], marker_color="#4f46e5")
    fig.add_scatter(
        name="Completion rate",
        x=labels,
        y=[None if w.rate is None else round(w.rate * 100, 1) for w in weeks],
        yaxis="y2",
        mode="lines+markers",
        connectgaps=False,
        line={"color": "#16a34a"},
    )
    fig.update_layout(
        barmode="overlay",
        xaxis_title="Week starting",
        yaxis={"title": "Action items", "rangemode": "tozero"},
        yaxis2={
            "title": "Completion rate (%)",
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
        },
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 40, "r": 40, "t": 20, "b": 40},
        height=340,
    )
    return fig


def aging_figure(aging: Mapping[str, int]) -> go.Figure:
    """Overdue open items per aging bucket."""
    fig = go.Figure(
        go.Bar(
            x=list(aging),
            y=list(aging.values()),
            marker_color=["#fbbf24", "#f97316", "#dc2626"][: len(aging)],
        )
    )
    fig.update_layout(
        xaxis_title="Overdue by",
        yaxis={"title": "Open action items", "rangemode": "tozero"},
        margin={"l": 40, "r": 20, "t": 20, "b": 40},
        height=300,
    )
    return fig
