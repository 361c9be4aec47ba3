"""One importer for every record page: upload a CSV, see a preview, import all rows or none.

The preview runs the real import in a transaction that is rolled back, so it refuses exactly
what the import would (the same row, column and reason) and nothing is written until the
person presses Import.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.engine import Database
from services import record_imports
from services.access.access import Actor, can
from ui.guard import save_and_rerun
from ui.text import md_escape
from ui.widgets import lazy_expander

PREVIEW_ROWS = 20


def import_expander(db: Database, actor: Actor, kind_name: str) -> None:
    """An "Import from a spreadsheet" expander for ``kind_name`` (e.g. "contracts")."""
    kind = record_imports.kinds()[kind_name]
    if not can(actor, kind.permission):
        return
    lazy_expander(
        "Import from a spreadsheet (CSV)",
        lambda: _import_section(db, actor, kind_name),
        key=f"record_import_{kind_name}_open",
    )


def _import_section(db: Database, actor: Actor, kind_name: str) -> None:
    kind = record_imports.kinds()[kind_name]
    st.caption(
        "Columns needed: " + ", ".join(kind.required) + ". Every row is imported, or none: "
        "a file with one bad row is refused with the row and column named."
    )
    nonce_key = f"record_import_{kind_name}_nonce"
    nonce = st.session_state.get(nonce_key, 0)
    upload = st.file_uploader(
        "CSV file",
        type=["csv"],
        key=f"record_import_{kind_name}_{nonce}",
        max_upload_size=record_imports.MAX_RECORD_FILE_BYTES // 2**20,
    )
    if upload is None:
        return
    data = upload.getvalue()
    preview = record_imports.preview_bytes(db, actor, kind_name, data, upload.name)
    if preview.rows:
        st.dataframe(pd.DataFrame(preview.rows[:PREVIEW_ROWS]), hide_index=True)
        st.caption(f"{preview.count:,} rows in {md_escape(upload.name)}.")
    if preview.problem is not None:
        st.error(f"Nothing will be imported. {md_escape(preview.problem)}")
        return
    if st.button(f"Import {preview.count:,} rows", type="primary", key=f"{kind_name}_go"):
        # A new uploader key empties it, so the same file is not imported twice.
        st.session_state[nonce_key] = nonce + 1
        save_and_rerun(
            lambda: record_imports.import_bytes(db, actor, kind_name, data, upload.name),
            f"Imported {preview.count:,} {kind_name.replace('-', ' ')}",
        )
        st.session_state[nonce_key] = nonce  # refused: keep the file and the message
