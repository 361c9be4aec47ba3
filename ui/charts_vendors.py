"""Vendor-area charts as pure functions: rows in, plotly figure out (tested without Streamlit).

Plotly renders a small HTML subset in labels (``<b>``, ``<a href>``), so every vendor-supplied
text is HTML-escaped before it becomes a label or hover text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import plotly.graph_objects as go

BANDS_DAYS = (14, 30, 60, 90, 120)
# Darker for nearer deadlines; the bands are drawn behind the bars.
BAND_COLOURS = {
    14: "rgba(214, 39, 40, 0.22)",
    30: "rgba(255, 127, 14, 0.18)",
    60: "rgba(255, 187, 120, 0.16)",
    90: "rgba(188, 189, 34, 0.12)",
    120: "rgba(44, 160, 44, 0.10)",
}


def plotly_text(value: object) -> str:
    """Text shown literally by plotly: no tags, no links."""
    return html.escape(str(value), quote=True)


# Axis labels share the chart's width with the bars: at 420 px, 60 characters left the bars a
# third of it.
LABEL_CHARS = 40


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


TIMELINE_KEY = (
    "Each bar runs from the notice deadline to the term end; red: the deadline has passed. "
    "Shaded bands: deadlines within 14, 30, 60, 90 and 120 days (darker is sooner). "
    "Dotted line: today."
)


@dataclass(frozen=True)
class TimelineRow:
    vendor: str
    title: str
    cancellation_deadline: date
    current_term_end: date
    band: str
    decision: str | None = None


def renewal_timeline(rows: Sequence[TimelineRow], as_of: date) -> go.Figure:
    """One bar per contract from its cancellation deadline to its term end, over the bands.

    The shaded bands mark deadlines due within 14, 30, 60, 90 and 120 days of ``as_of``.
    """
    names = [f"{r.vendor} · {r.title}" for r in rows]
    # Plotly widens the label margin to the longest label: one long name squeezed every bar to
    # a sliver, so labels are cut (before escaping, never inside an entity) and hover says it all.
    labels = [plotly_text(_shorten(name, LABEL_CHARS)) for name in names]
    bar = go.Bar(
        orientation="h",
        y=labels,
        base=[r.cancellation_deadline.isoformat() for r in rows],
        x=[
            max(1, (r.current_term_end - r.cancellation_deadline).days + 1) * 86_400_000
            for r in rows
        ],
        marker_color=["#d62728" if r.cancellation_deadline < as_of else "#1f77b4" for r in rows],
        customdata=[
            [
                r.cancellation_deadline.isoformat(),
                r.current_term_end.isoformat(),
                plotly_text(r.band),
                plotly_text(r.decision or "not decided"),
                plotly_text(name),
            ]
            for r, name in zip(rows, names, strict=True)
        ],
        hovertemplate=(
            "%{customdata[4]}<br>notice by %{customdata[0]}<br>term ends %{customdata[1]}"
            "<br>%{customdata[2]} · %{customdata[3]}<extra></extra>"
        ),
        name="notice window",
    )
    # The bands and the "today" line are laid out as plain shapes in one layout: plotly's
    # add_vrect/add_vline validate the whole figure again for each, most of the chart's time.
    # Their key is TIMELINE_KEY, shown under the chart: labels on the bands themselves ran into
    # each other wherever the chart was narrow (the 14- and 30-day bands are days apart).
    shapes: list[dict[str, object]] = []
    lower = 0
    for days in BANDS_DAYS:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y domain",
                "x0": (as_of + timedelta(days=lower)).isoformat(),
                "x1": (as_of + timedelta(days=days)).isoformat(),
                "y0": 0,
                "y1": 1,
                "fillcolor": BAND_COLOURS[days],
                "line": {"width": 0},
                "layer": "below",
            }
        )
        lower = days
    today = as_of.isoformat()
    shapes.append(
        {
            "type": "line",
            "xref": "x",
            "yref": "y domain",
            "x0": today,
            "x1": today,
            "y0": 0,
            "y1": 1,
            "line": {"dash": "dot", "color": "#444"},
        }
    )
    return go.Figure(
        data=[bar],
        layout={
            "shapes": shapes,
            "xaxis": {"type": "date", "title": "cancellation deadline → term end"},
            "yaxis": {"autorange": "reversed", "title": None},
            "height": max(260, 40 + 28 * len(rows)),
            "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
            "showlegend": False,
        },
    )


@dataclass(frozen=True)
class SpendRow:
    month: date
    currency: str
    amount: Decimal


def spend_trend(rows: Sequence[SpendRow]) -> go.Figure:
    """Monthly spend, one line per currency (amounts are never added across currencies)."""
    fig = go.Figure()
    for currency in sorted({r.currency for r in rows}):
        mine = sorted((r for r in rows if r.currency == currency), key=lambda r: r.month)
        fig.add_trace(
            go.Scatter(
                x=[r.month.isoformat() for r in mine],
                # Plotly plots floats; the exact Decimal stays in the data and the table.
                y=[float(r.amount) for r in mine],
                mode="lines+markers",
                name=plotly_text(currency),
            )
        )
    fig.update_layout(
        xaxis={"type": "date", "title": None},
        yaxis={"title": "spend per month"},
        height=280,
        margin={"l": 10, "r": 10, "t": 20, "b": 30},
    )
    return fig
