""" "My follow-ups": the signed-in person's queue across action items, renewals and tickets."""

from __future__ import annotations

from functools import partial

import streamlit as st

from services.coordination import followups
from services.coordination.choices import ACTION_PRIORITY
from services.core import clock
from ui.auth import require_actor
from ui.data_memo import coordination_memo
from ui.dialogs import confirm_button
from ui.guard import allowed, save_and_rerun
from ui.links import link_to_page
from ui.stale_cards import show_stale_cards
from ui.state import database
from ui.text import md_escape

actor = require_actor()
db = database()
st.title("My follow-ups")

with allowed():
    queue = followups.my_follow_ups(db, actor, today=clock.today(db), memo=coordination_memo(db))
show_stale_cards(actor, mine=True)

if queue.person_name is None:
    st.info(
        f"Opsdesk does not know you as a person yet. Add yourself under People with the email "
        f"you sign in with ({md_escape(actor.email)}); your action items, renewal tasks and "
        "vendor tickets then show up here."
    )
    link_to_page("people", "Go to People", actor)
    st.stop()

if not queue.items:
    st.success(
        "Nothing to chase right now. New action items from meetings, renewals coming up within "
        "30 days and vendor tickets you own will appear here."
    )
    link_to_page("actions", "See all action items", actor)
    st.stop()

st.caption(f"{len(queue.items)} open follow-ups for {md_escape(queue.person_name)}")
KIND_LABEL = {"action": "Action item", "renewal": "Renewal", "ticket": "Vendor ticket"}


# Cards drawn per bucket at first: a long queue is worked from the top, and hundreds of cards
# with two buttons each made the page slow to open. "Show more" adds another page of cards.
BUCKET_PAGE = 10


def _show_more(bucket: str) -> None:
    st.session_state[f"fu_shown_{bucket}"] = _shown(bucket) + BUCKET_PAGE


def _shown(bucket: str) -> int:
    return int(st.session_state.get(f"fu_shown_{bucket}", BUCKET_PAGE))


for bucket, items in queue.by_bucket().items():
    st.subheader(f"{followups.BUCKET_LABELS[bucket]} ({len(items)})")
    shown = _shown(bucket)
    for item in items[:shown]:
        # One row per card: its text as one markdown beside the buttons. Columns and a caption
        # per card were twice the elements for the browser to mount, at 40 cards a page.
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            flag = " :red[past SLA]" if item.flagged else ""
            due = item.due.isoformat() if item.due else "no due date"
            about = (
                f"{KIND_LABEL[item.kind]} · due {due} · {md_escape(item.detail)} · "
                f"{md_escape(ACTION_PRIORITY.label(item.priority))}"
            )
            st.markdown(
                f"**{md_escape(item.title)}**{flag}  \n:small[:gray[{about}]]", width="stretch"
            )
            key = f"{item.kind}_{item.record_id}"
            may_close = followups.may_close(actor, item)
            if may_close and item.kind == "ticket":
                # Resolving a vendor's ticket is not a checkbox tick: ask first.
                confirm_button(
                    "Done",
                    key=f"fu_done_{key}",
                    title="Resolve this vendor ticket?",
                    message=f"{item.title}\n\nThe ticket is marked resolved for everyone.",
                    confirm_label="Resolve ticket",
                    change=partial(followups.mark_done, db, actor, item.kind, item.record_id),
                    done="Ticket resolved",
                )
            elif may_close and st.button("Done", key=f"fu_done_{key}"):
                save_and_rerun(
                    partial(followups.mark_done, db, actor, item.kind, item.record_id),
                    "Marked done",
                )
            if (
                item.can_snooze
                and may_close
                and st.button("Snooze", key=f"fu_snooze_{key}", help="Hide until tomorrow")
            ):
                save_and_rerun(
                    partial(
                        followups.snooze,
                        db,
                        actor,
                        item.kind,
                        item.record_id,
                        days=1,
                        today=clock.today(db),
                    ),
                    "Snoozed until tomorrow",
                )
            if item.kind == "renewal":
                link_to_page("renewals", "Decide on the renewals page", actor)
    if len(items) > shown:
        st.caption(f"Showing {shown} of {len(items):,}, most pressing first.")
        st.button(
            f"Show {min(BUCKET_PAGE, len(items) - shown)} more",
            key=f"fu_more_{bucket}",
            on_click=_show_more,
            args=(bucket,),
        )
