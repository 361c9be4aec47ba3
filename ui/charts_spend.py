"""Spend charts: pure functions from service rows to plotly figures, one currency per figure.

Amounts become floats only here, for drawing; hover text shows the exact decimal. Names from
billing files go through ``label`` because plotly renders a small HTML subset in text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from services.core.money import EXACT, exact_sum, round_to
from services.spend.budgets import BudgetStatus
from services.spend.commitments import BurnDown
from services.spend.spend import Anomaly, SpendRow
from services.spend.views import cost_of

EMPTY_TITLE = "No spend in this selection"


def label(text: object) -> str:
    """Text safe for plotly: its HTML subset (<a>, <b>, <br>) is shown, not interpreted."""
    return str(text).replace("<", "‹").replace(">", "›")


def _money(amount: Decimal, currency: str) -> str:
    return f"{currency} {round_to(amount, Decimal('0.01')):,}"


def _layout(fig: go.Figure, title: str, currency: str) -> go.Figure:
    fig.update_layout(
        title=label(title),
        yaxis_title=currency,
        legend_title_text="",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        hovermode="closest",
    )
    return fig


# The chart theme has ten colours: an eleventh series took the first one again, and two vendors
# read as one. Past ten, the smallest go into one "Other" series (the table and the CSV list
# them all), as cloud cost explorers do.
MAX_SERIES = 10


def _others(
    keys: Sequence[str], totals: dict[str, dict[str, Decimal]], field: str
) -> tuple[str, dict[str, Decimal]]:
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for key in keys:
        for month, amount in totals[key].items():
            summed[month] = EXACT.add(summed[month], amount)
    kind = {"vendor": "vendors", "team": "teams", "service": "services"}.get(field, "others")
    return f"Other ({len(keys)} {kind})", summed


def monthly_by(
    rows: Iterable[SpendRow], currency: str, field: str, title: str, basis: str = "effective"
) -> go.Figure:
    """Stacked bars: spend per month, one colour per ``field`` value (vendor, team, service)."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    months: set[str] = set()
    for row in rows:
        if row.currency != currency:
            continue
        key = str(getattr(row, field)) or "(none)"
        totals[key][row.month] = EXACT.add(totals[key][row.month], cost_of(row, basis))
        months.add(row.month)
    ordered = sorted(months)
    ranked = sorted(totals, key=lambda k: -exact_sum(totals[k].values()))
    series = [(label(key), totals[key]) for key in ranked]
    if len(ranked) > MAX_SERIES:
        series[MAX_SERIES - 1 :] = [_others(ranked[MAX_SERIES - 1 :], totals, field)]
    bars = []
    for name, by_month in series:
        values = [by_month.get(m, Decimal(0)) for m in ordered]
        bars.append(
            go.Bar(
                name=name,
                x=ordered,
                y=[float(v) for v in values],
                customdata=[_money(v, currency) for v in values],
                hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
            )
        )
    # The traces go in at once: add_bar validated the whole figure again for each vendor.
    fig = go.Figure(data=bars, layout={"barmode": "relative"})
    fig = _layout(fig, title if ranked else EMPTY_TITLE, currency)
    # Below the bars, not beside them: at a phone's width a side legend took half the chart.
    fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"})
    return fig


def totals_by(
    rows: Iterable[SpendRow], currency: str, field: str, title: str, basis: str = "effective"
) -> go.Figure:
    """Horizontal bars: total spend per ``field`` value, largest first."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.currency == currency:
            key = str(getattr(row, field)) or "(none)"
            totals[key] = EXACT.add(totals[key], cost_of(row, basis))
    ranked = sorted(totals.items(), key=lambda kv: kv[1])
    fig = go.Figure(
        go.Bar(
            x=[float(v) for _, v in ranked],
            y=[label(k) for k, _ in ranked],
            orientation="h",
            customdata=[_money(v, currency) for _, v in ranked],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=currency)
    return _layout(fig, title if ranked else EMPTY_TITLE, currency)


def daily_with_anomalies(
    rows: Iterable[SpendRow], anomalies: Sequence[Anomaly], currency: str
) -> go.Figure:
    """Daily spend with each anomaly marked where it happened."""
    daily: dict[date, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.currency == currency:
            daily[row.day] = EXACT.add(daily[row.day], row.effective_cost)
    days = sorted(daily)
    fig = go.Figure()
    fig.add_scatter(
        x=days,
        y=[float(daily[d]) for d in days],
        mode="lines",
        name="Daily spend",
        customdata=[_money(daily[d], currency) for d in days],
        hovertemplate="%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
    )
    marked = [a for a in anomalies if a.currency == currency]
    if marked:
        fig.add_scatter(
            x=[a.day for a in marked],
            y=[float(daily.get(a.day, a.cost)) for a in marked],
            mode="markers",
            marker={"size": 14, "symbol": "circle-open", "line": {"width": 3}, "color": "red"},
            name="Anomaly",
            customdata=[
                f"{label(a.vendor)}: {_money(a.cost, currency)} ({a.factor}× usual)" for a in marked
            ],
            hovertemplate="%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
        )
    return _layout(fig, "Daily spend and anomalies" if days else EMPTY_TITLE, currency)


def budget_vs_actual(statuses: Sequence[BudgetStatus]) -> go.Figure:
    """Actual and forecast against each budget's amount for the current period."""
    names = [label(f"{s.budget.name} ({s.budget.currency})") for s in statuses]
    fig = go.Figure()
    fig.add_bar(
        name="Actual",
        x=names,
        y=[float(s.actual) for s in statuses],
        customdata=[_money(s.actual, s.budget.currency) for s in statuses],
        hovertemplate="%{x}<br>actual %{customdata}<extra></extra>",
    )
    fig.add_bar(
        # How each forecast was made is in its hover: a run rate over one day misleads.
        name="Forecast to period end (hover: how it was made)",
        x=names,
        y=[float(max(s.forecast - s.actual, Decimal(0))) for s in statuses],
        customdata=[[_money(s.forecast, s.budget.currency), s.forecast_method] for s in statuses],
        hovertemplate="%{x}<br>forecast %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        opacity=0.45,
    )
    fig.add_scatter(
        name="Budget",
        x=names,
        y=[float(s.budget.amount) for s in statuses],
        mode="markers",
        marker={"symbol": "line-ew", "size": 40, "line": {"width": 3}, "color": "black"},
        customdata=[_money(s.budget.amount, s.budget.currency) for s in statuses],
        hovertemplate="%{x}<br>budget %{customdata}<extra></extra>",
    )
    fig.update_layout(barmode="stack")
    return _layout(fig, "Budget against actual, this period" if statuses else EMPTY_TITLE, "")


def burn_down(burn: BurnDown) -> go.Figure:
    """Remaining committed or prepaid amount, with the projection to exhaustion dashed."""
    xs: list[Any] = [p[0] for p in burn.points]
    ys = [float(p[1]) for p in burn.points]
    fig = go.Figure()
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        name="Remaining",
        customdata=[_money(p[1], burn.currency) for p in burn.points],
        hovertemplate="%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
    )
    if burn.exhaustion is not None and burn.remaining > 0 and xs:
        fig.add_scatter(
            x=[xs[-1], burn.exhaustion],
            y=[ys[-1], 0],
            mode="lines",
            line={"dash": "dash"},
            name="Projection",
            hovertemplate="%{x|%Y-%m-%d}<extra>projected</extra>",
        )
    title = f"{burn.vendor}: {burn.contract} ({burn.kind})"
    return _layout(fig, title, burn.currency)
