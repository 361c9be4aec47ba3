"""Incidents: the register, each serious one with its Article 73 clocks shown as time left."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.access.access import can
from services.core import clock
from services.governance import GUIDANCE, clocks, incident_views
from ui.auth import require_actor
from ui.guard import allowed
from ui.incident_details import details_form
from ui.incident_form import incident_actions, incident_form
from ui.state import database, settings
from ui.text import md_table
from ui.times import local
from ui.widgets import lazy_expander

actor = require_actor()
db = database()
now = clock.now(db)
tz = settings().tz

st.title("Incidents")
st.caption(f"{GUIDANCE} {clocks.COUNTING_RULE}")
open_only = st.toggle("Open incidents only", value=True, key="incidents_open_only")
with allowed():
    rows = incident_views.list_incidents(db, actor, tz=tz, open_only=open_only)


def _next(v: incident_views.IncidentView) -> tuple[str, str]:
    d = v.next_open_deadline()
    if d is None or d.due_at is None:
        return "", ""
    return f"{d.label} ({d.rule})", clocks.time_left(d.due_at, now)


if rows:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Incident": v.title,
                    "Category": v.category_label,
                    "Status": v.status,
                    "Models": ", ".join(v.models),
                    "Aware": local(v.aware_at, tz),
                    "Next deadline": _next(v)[0],
                    "Time left": _next(v)[1],
                    "Report due": local(v.report_due_at, tz),
                    "Deployments held": v.held,
                    "Owner": v.owner,
                }
                for v in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            c: st.column_config.DatetimeColumn(c, format="YYYY-MM-DD HH:mm")
            for c in ("Aware", "Report due")
        },
    )
else:
    st.info(
        "No incidents recorded. Record one below as soon as you become aware of it: the "
        "reporting clocks run from that moment."
    )

if rows:
    by_id = {v.id: v for v in rows}
    pick = st.selectbox(
        "Incident", list(by_id), key="incidents_pick", format_func=lambda i: by_id[i].title
    )
    v = by_id[pick]
    st.subheader(v.title)
    # Three clocks: a markdown table mounts in a fraction of a dataframe's time.
    clock_rows = [
        {
            "Clock": d.label,
            "Rule": d.rule,
            "Due": f"{d.due_at.astimezone(tz):%Y-%m-%d %H:%M}" if d.due_at else "no date",
            "Time left": clocks.time_left(d.due_at, now) if d.due_at and d.open else "",
            "Done": f"{d.done_at.astimezone(tz):%Y-%m-%d %H:%M}" if d.done_at else "",
        }
        for d in v.deadlines
    ]
    st.markdown(md_table(clock_rows, ["Clock", "Rule", "Due", "Time left", "Done"]))
    if v.held:
        st.warning(
            "New deployments of these models are refused while this incident is "
            "investigated (Art. 73(6))."
        )
    if v.notice_draft:
        to = v.notice_to or "(no vendor contact)"
        lazy_expander(
            # No address here: Streamlit links an e-mail address even when escaped, and a click
            # on it opened the mail client instead of the section. The text box names it.
            "Draft notice to the provider",
            lambda: st.text_area(
                f"Draft notice to the provider, to {to}",
                value=v.notice_draft,
                height=220,
                disabled=True,
                key=f"notice_{pick}",
            ),
            key=f"notice_open_{pick}",
        )
    st.caption(
        f"Vendor ticket: #{v.ticket_id or '-'} · review meeting: #"
        f"{v.review_meeting_id or '-'} (Meetings page)"
    )
    incident_actions(db, actor, v, now, tz)
    if v.status != "closed" and can(actor, "incidents.edit"):
        lazy_expander(
            "Change the incident or hand it over",
            lambda: details_form(db, actor, v),
            key=f"incident_details_open_{pick}",
        )

if can(actor, "incidents.edit"):
    lazy_expander(
        "Record an incident",
        lambda: incident_form(db, actor, now, tz),
        key="incidents_add_open",
        expanded=not rows,
    )
