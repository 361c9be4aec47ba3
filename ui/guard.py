"""Showing a refusal: the service layer raises ``NotAllowed``; pages show it and stop."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import streamlit as st

from db.engine import DatabaseBusy
from services.access.access import NotAllowed, require
from ui.auth import require_actor
from ui.state import database
from ui.text import md_escape
from ui.widgets import clear_pickers

__all__ = ["DatabaseBusy", "allowed", "refuse_page", "save_and_rerun", "show_busy"]

NOT_ALLOWED_ICON = ":material/block:"
BUSY_ICON = ":material/hourglass_top:"


def show_not_allowed(exc: NotAllowed) -> None:
    st.error(f"{exc} Nothing was changed.", icon=NOT_ALLOWED_ICON)


def show_busy(exc: DatabaseBusy) -> None:
    """Another process held the write lock past the busy timeout; the write was rolled back."""
    st.error(md_escape(exc), icon=BUSY_ICON)


@contextmanager
def allowed() -> Iterator[None]:
    """Run a block of service calls; a refusal is shown as "not allowed" and stops the page,
    and so is a database kept busy past the timeout ("busy, try again"), never a crash page.

    ``with allowed(): rows = vendors.list_vendors(db, actor)``. The service has already
    written the refusal to the audit trail and changed nothing.
    """
    try:
        yield
    except NotAllowed as exc:
        show_not_allowed(exc)
        st.stop()
    except DatabaseBusy as exc:
        show_busy(exc)
        st.stop()


def save_and_rerun(
    change: Callable[[], object], done: str, *, clear: Iterable[str] = ()
) -> str | None:
    """Run one service call from a form: a refusal or a ValueError is shown and nothing is
    changed (its text is returned); on success a toast says ``done``, the ``clear`` widget keys
    are forgotten (a picker does not slide on to the next record) and the page reruns to show
    the new state."""
    with allowed():
        try:
            change()
        except ValueError as exc:
            st.error(md_escape(exc))
            return str(exc)
    clear_pickers(clear)
    st.toast(md_escape(done))
    st.rerun()


def refuse_page(permission: str, url_path: str) -> None:
    """The body of a page the role may not open, reached by URL: audit it and say no."""
    actor = require_actor()
    st.title("Not allowed")
    with allowed():
        require(database(), actor, permission, record_type="page", record_id=url_path)
    # Only reached when the role gained the permission since the menu was built.
    st.info("Reload the page to open it.")
