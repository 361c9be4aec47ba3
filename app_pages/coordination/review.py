"""Review board: open action items by owner and team, overdue aging, blocked, completion rate."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.coordination import review
from services.coordination.actions import ActionRow
from services.coordination.choices import ACTION_PRIORITY, ACTION_STATUS
from services.core import clock
from ui.auth import require_actor
from ui.charts_review import completion_rate_figure
from ui.data_memo import coordination_memo
from ui.guard import allowed
from ui.state import database
from ui.text import md_table
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
st.title("Review board")

# Rows shown per table; the counts above cover everything and the Action items page lists
# all. Two 500-row tables were most of this page's load time over a large workspace.
TABLE_CAP = 100
BLOCKED_CAP = 20  # on the board itself; the drill-down's "Blocked" lists up to TABLE_CAP

with allowed():
    board = review.board(
        db, actor, today=clock.today(db), blocked_limit=BLOCKED_CAP, memo=coordination_memo(db)
    )


def _table(rows: list[ActionRow], total: int | None = None, cap: int = TABLE_CAP) -> None:
    total = len(rows) if total is None else total
    if total > cap:
        st.caption(f"Showing the first {cap:,} of {total:,} items, by due date.")
    rows = rows[:cap]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Title": r.title,
                    "Owner": r.owner,
                    "Team": r.team,
                    "Due": r.due_date,
                    "Status": ACTION_STATUS.label(r.status),
                    "Priority": ACTION_PRIORITY.label(r.priority),
                    "Overdue": r.overdue,
                    "Meeting": r.meeting,
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )


if board.open_total == 0 and not any(w.due for w in board.weeks):
    st.info("No open action items. They appear here once meetings or imports create them.")
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric("Open action items", board.open_total)
m2.metric("Overdue", board.overdue_total)
m3.metric("Blocked", board.blocked_total)

# Full width: at half width the Overdue and Blocked columns fell off-screen at 1440 px.
st.subheader("Open items by owner")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Owner": o.owner,
                "Overdue": o.overdue,
                "Blocked": o.blocked,
                "Open": o.open,
                "Team": o.team,
                "Email": o.owner_email,
            }
            for o in board.owners
        ]
    ),
    hide_index=True,
    width="stretch",
)
left, right = st.columns(2)
with left:
    st.subheader("Open items by team")
    st.markdown(
        md_table([{"Team": t, "Open": n} for t, n in board.teams.items()], ["Team", "Open"])
    )
with right:
    # Three numbers read better as a table than as three bars, and a chart cost the browser
    # more than the rest of this column.
    st.subheader("Overdue aging")
    st.markdown(
        md_table(
            [{"Overdue by": b, "Open items": n} for b, n in board.aging.items()],
            ["Overdue by", "Open items"],
        )
    )

st.subheader("Completion rate, last eight weeks")
st.plotly_chart(completion_rate_figure(board.weeks), key="review_completion")

if board.blocked:
    st.subheader("Blocked")
    _table(board.blocked, board.blocked_total, BLOCKED_CAP)


def _drill_down() -> None:
    choices: dict[str, dict[str, object]] = {"All open items": {}}
    totals: dict[str, int] = {"All open items": board.open_total}
    for o in board.owners:
        label = f"Owner: {o.owner} ({o.owner_email or 'no email'})"
        choices[label] = {"owner_email": o.owner_email}
        totals[label] = totals.get(label, 0) + o.open
    for team, count in board.teams.items():
        choices[f"Team: {team}"] = {"team": team}
        totals[f"Team: {team}"] = count
    for bucket in review.AGING_BUCKETS:
        choices[f"Overdue {bucket}"] = {"aging": bucket}
        totals[f"Overdue {bucket}"] = board.aging[bucket]
    choices["Blocked"] = {"blocked": True}
    totals["Blocked"] = board.blocked_total
    pick = st.selectbox("Show the items behind", list(choices), key="review_drill")
    with allowed():
        rows = review.drill_down(
            db,
            actor,
            today=clock.today(db),
            limit=TABLE_CAP + 1,
            **choices[pick],  # type: ignore[arg-type]
        )
    if rows:
        _table(rows, max(totals.get(pick, 0), len(rows)))
    else:
        st.caption("No items.")


# A table of up to 100 items on every visit was the page's heaviest element; it waits for a click.
lazy_expander("Drill down: the items behind a figure", _drill_down, key="review_drill_open")
