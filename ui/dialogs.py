"""Confirmations: a button that opens a dialog, and only the dialog's button makes the change.

The open dialog is remembered in session state (not only in the click that opened it), so a
click inside it finds it again on the rerun, in the browser and under AppTest alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.guard import save_and_rerun


def _close(flag: str) -> None:
    st.session_state.pop(flag, None)


def confirm_button(
    label: str,
    *,
    key: str,
    title: str,
    message: str,
    confirm_label: str,
    change: Callable[[], object],
    done: str,
    where: Any = None,
    help: str | None = None,
    clear: tuple[str, ...] = (),
) -> None:
    """A button (in ``where``, a column or container) asking "``title``" before ``change``."""
    flag = f"confirm_{key}"
    if (where or st).button(label, key=key, help=help):
        st.session_state[flag] = True
    if not st.session_state.get(flag):
        return

    @st.dialog(title, on_dismiss=lambda: _close(flag))
    def _dialog() -> None:
        st.text(message)
        yes, no = st.columns(2)
        if yes.button(confirm_label, type="primary", key=f"{flag}_yes"):
            _close(flag)
            save_and_rerun(change, done, clear=clear)
            st.session_state[flag] = True  # refused: keep the dialog and its message open
        if no.button("Cancel", key=f"{flag}_no"):
            _close(flag)
            st.rerun()

    _dialog()
