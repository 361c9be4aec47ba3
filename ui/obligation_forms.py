"""An obligation's forms (Obligations page): its status, owner and due date, and its evidence."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st

from db.engine import Database
from services.access.access import Actor, can
from services.governance import obligations
from services.governance.obligations import STATE_LABELS, ObligationRow
from services.vendors import vendors
from ui.forms import edit_form, new_form_key, save_new
from ui.guard import allowed, save_and_rerun
from ui.text import safe_link
from ui.widgets import keeping, select_one


def obligation_form(db: Database, actor: Actor, current: ObligationRow) -> None:
    choice = current.id
    with allowed():
        people = {p.id: p.name for p in vendors.owner_choices(db, actor, may="governance.read")}
    owners: dict[int | None, str] = {None: "(nobody)"} | people
    owners = keeping(owners, current.owner_id, current.owner)

    def fields(prefix: str) -> tuple[str, date, int | None, str]:
        status = st.selectbox(
            "Status",
            list(obligations.OBLIGATION_STATUSES),
            index=obligations.OBLIGATION_STATUSES.index(current.status),
            format_func=lambda s: STATE_LABELS[s],
            key=f"{prefix}_status",
        )
        due = st.date_input("Due date", value=current.due_date, key=f"{prefix}_due")
        owner = select_one("Owner", owners, current=current.owner_id, key=f"{prefix}_owner")
        note = st.text_area(
            "Note (required when not applicable)", value=current.note, key=f"{prefix}_note"
        )
        return status, due, owner, note

    def save(data: tuple[str, date, int | None, str], opened: int) -> None:
        status, due, owner, note = data
        obligations.update_obligation(
            db,
            actor,
            choice,
            expected_version=opened,
            status=status,
            due_date=due,
            owner_id=owner,
            note=note,
        )

    edit_form(
        "ob_edit", choice, current.version, fields, save,
        submit="Save", done="Obligation saved", primary=True,
    )  # fmt: skip


def evidence_section(db: Database, actor: Actor, choice: int, now: datetime) -> None:
    with allowed():
        items = obligations.list_evidence(db, actor, choice)
    editor = can(actor, "obligations.edit")
    for e in items:
        _evidence_row(db, actor, e, now, editor)
    if not items:
        st.caption("No evidence yet: add a link or a file.")
    with st.form(key := new_form_key(form := f"ev_add_{choice}")):
        title = st.text_input("Title", key=f"{key}_title")
        url = st.text_input("Link (https://...)", key=f"{key}_url")
        upload = st.file_uploader(
            "or a file", key=f"{key}_file", max_upload_size=obligations.MAX_EVIDENCE_BYTES // 2**20
        )
        expires = st.date_input("Expires on", value=None, key=f"{key}_expires")
        if st.form_submit_button("Add evidence"):
            save_new(
                form,
                lambda: obligations.add_evidence(
                    db,
                    actor,
                    choice,
                    title=title,
                    now=now,
                    url=url or None,
                    file_name=upload.name if upload else None,
                    content=upload.getvalue() if upload and not url else None,
                    content_type=upload.type if upload else None,
                    expires_on=expires,
                ),
                "Evidence added",
            )


def _evidence_row(
    db: Database, actor: Actor, e: obligations.EvidenceItem, now: datetime, editor: bool
) -> None:
    """One piece of evidence: opened (a link) or downloaded (a file), and archived by those who
    may edit obligations (it stops counting and stays in the record)."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.text(
            f"{e.title}: {e.url or e.file_name} (added {e.added_at:%Y-%m-%d} by {e.added_by}; "
            f"expires {e.expires_on or 'never'})"
        )
        link = safe_link(e.url)
        if link:
            st.link_button("Open", link)
        elif e.kind == "file":
            st.download_button(
                "Download",
                # Read when clicked: the list never holds the files.
                data=lambda: obligations.evidence_file(db, actor, e.id),
                file_name=e.file_name,
                # Never the type the uploader claimed: the browser saves it, it never opens it.
                mime="application/octet-stream",
                on_click="ignore",
                key=f"ev_file_{e.id}",
            )
        if editor and st.button("Archive", key=f"ev_archive_{e.id}"):
            save_and_rerun(
                lambda: obligations.archive_evidence(db, actor, e.id, now), "Evidence archived"
            )
