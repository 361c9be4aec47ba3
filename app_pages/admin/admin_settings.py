"""Settings: Slack and Google connection state, a test message, and the reminder rules."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services.delivery import connections, reminders
from services.delivery.choices import NOTIFICATION_KIND
from ui.auth import require_actor
from ui.guard import allowed
from ui.state import database, settings
from ui.text import md_escape

STATE_LABELS = {
    "off": ":material/power_off: Off (not configured)",
    "connected": ":material/check_circle: Connected",
    "disconnected": ":material/error: Disconnected",
    "reconnect_needed": ":material/sync_problem: Reconnect needed",
    "paused": ":material/pause_circle: Paused",
}

actor = require_actor()
db = database()
cfg = settings()
st.title("Settings")

with allowed():
    views = connections.connection_states(db, actor, cfg)

st.header("Connections")
for view in views:
    with st.container(border=True):
        st.subheader(view.label)
        st.markdown(STATE_LABELS.get(view.state, md_escape(view.state)))
        if view.reason:
            st.text(f"Reason: {view.reason}")
        if view.paused_until is not None and view.state == "paused":
            st.text(f"Paused until {view.paused_until:%Y-%m-%d %H:%M} UTC; nothing is dropped.")
        if view.state == "off":
            st.caption(md_escape(view.how_to_connect) + " Until then, its reminders wait queued.")
        if view.state in ("disconnected", "reconnect_needed", "paused") and st.button(
            "I fixed it: try again", key=f"reconnect_{view.name}"
        ):
            with allowed():
                connections.reconnect(db, actor, view.name)
            st.success("The worker tries again on its next pass.")

with st.form("test_message"):
    st.markdown("**Send a test message to Slack** (queued; the worker delivers it)")
    target = st.text_input(
        "Channel id or person's email", value=cfg.slack_default_channel or "", key="test_target"
    )
    if st.form_submit_button("Send a test message"):
        try:
            with allowed():
                added = connections.queue_test_message(db, actor, target)
        except ValueError as exc:
            st.error(md_escape(exc))
        else:
            if added:
                st.success("Queued. See it in the delivery log.")
            else:
                st.info("A test message to this target is already queued this minute.")

st.header("Reminder rules")
with allowed():
    rules = reminders.list_rules(db, actor)
defaults = [r for r in rules if r.record_type is None]
if not defaults:
    st.info("No reminder rules yet.")
    st.stop()
frame = pd.DataFrame(
    [
        {
            "Id": r.id,
            "Kind": NOTIFICATION_KIND.label(r.kind),
            "When": reminders.rule_description(r.kind),
            "Offsets (days)": r.offsets_days,
            "Slack channel": r.channel_target or "",
            "Recipients (instead of owner)": r.recipients,
            "Enabled": r.enabled,
        }
        for r in defaults
    ]
)
edited = st.data_editor(
    frame, hide_index=True, width="stretch", disabled=["Id", "Kind", "When"], key="rules_editor"
)
if st.button("Save rules", key="save_rules"):
    changed = 0
    for before, after in zip(frame.to_dict("records"), edited.to_dict("records"), strict=True):
        if before == after:
            continue
        try:
            with allowed():
                reminders.update_rule(
                    db,
                    actor,
                    int(after["Id"]),
                    offsets_days=str(after["Offsets (days)"] or ""),
                    channel_target=str(after["Slack channel"] or ""),
                    recipients=str(after["Recipients (instead of owner)"] or ""),
                    enabled=bool(after["Enabled"]),
                )
            changed += 1
        except ValueError as exc:
            st.error(f"{md_escape(after['Kind'])}: {md_escape(exc)}")
    if changed:
        st.success(f"Saved {changed} rule(s).")
    else:
        st.info("Nothing changed.")
