"""The Imports page's sections: uploading billing exports, the history with undo, and the
saved column mappings."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from db.engine import Database
from db.models import BillingImport, ColumnMapping
from integrations.billing import FORMATS, BillingError
from integrations.billing.mapped import DEFAULTABLE, FIELDS
from services.access.access import Actor
from services.spend import billing_import
from services.spend.billing_import import SourceFile
from services.spend.choices import IMPORT_STATUS
from services.spend.uploads import over_limit
from ui.guard import allowed
from ui.text import md_escape, md_table
from ui.times import local_text
from ui.widgets import lazy_expander


def upload_section(db: Database, actor: Actor, mappings: list[ColumnMapping], limit: int) -> None:
    uploads = st.file_uploader(
        "Billing exports: FOCUS 1.0-1.2 (CSV or Parquet), AWS CUR 2.0, Google Cloud CSV, or any "
        "CSV with a saved column mapping",
        type=["csv", "parquet"],
        accept_multiple_files=True,
    )
    with st.container(horizontal=True):
        mode = st.radio(
            "Validation",
            ["strict", "lenient"],
            horizontal=True,
            help="Strict refuses the whole file at the first value FOCUS does not allow. Lenient "
            "also reads 1,234.56, $12.00, (12.34), 1.2E-07 and US dates exactly, and skips rows "
            "it still cannot read (they are counted as rejected).",
        )
        fmt = st.selectbox("Format", ["auto", *FORMATS])
        mapping_name = st.selectbox(
            "Column mapping", [None, *[m.name for m in mappings]], format_func=lambda m: m or "none"
        )

    if uploads and st.button("Import", type="primary", icon=":material/upload:"):
        too_big = over_limit({u.name: u.size for u in uploads}, limit)
        if too_big:
            st.error(md_escape(f"Over the import limit of {limit:,} bytes: {', '.join(too_big)}"))
        else:
            bar = st.progress(0.0, text="Reading…")

            def _progress(name: str, done: int, estimate: int) -> None:
                bar.progress(
                    min(done / max(estimate, 1), 1.0), text=f"{md_escape(name)}: {done:,} rows"
                )

            with tempfile.TemporaryDirectory(prefix="opsdesk-upload-") as folder, allowed():
                sources = []
                for index, upload in enumerate(uploads):
                    path = Path(folder) / f"upload-{index}"
                    path.write_bytes(upload.getbuffer())
                    sources.append(SourceFile(path, upload.name))
                try:
                    result = billing_import.import_files(
                        db,
                        actor,
                        sources,
                        fmt=fmt,
                        mapping_name=mapping_name,
                        lenient=mode == "lenient",
                        progress=_progress,
                    )
                except (BillingError, ValueError) as exc:
                    bar.empty()
                    st.error(md_escape(f"Nothing was imported. {exc}"))
                else:
                    bar.progress(1.0, text="Done")
                    st.session_state["import_result"] = result
                    st.rerun()

    last_import = st.session_state.get("import_result")
    if isinstance(last_import, billing_import.ImportResult):
        cols = st.columns(len(last_import.summary))
        for column, (name, number) in zip(cols, last_import.summary.items(), strict=True):
            column.metric(name.capitalize(), f"{number:,}")
        for item in last_import.files:
            (st.info if item.duplicate else st.success)(md_escape(item.message))
            if item.problems:
                st.text("\n".join(item.problems))


HISTORY_SHOWN = 5


def history_section(db: Database, actor: Actor, history: list[BillingImport], tz: object) -> None:
    st.subheader("Import history")
    if not history:
        st.info("Nothing imported yet. Upload an export above, or load the demo workspace.")
        return
    # The latest imports as one markdown table: a dataframe grid on every visit was most of what
    # the browser spent mounting this page. Four short columns, so that it fits a phone's width
    # (a wider markdown table pushes the whole page sideways); every column of every import, in
    # a sortable grid, is one click away.
    latest = [_summary_row(h, tz) for h in history[:HISTORY_SHOWN]]
    st.markdown(md_table(latest, list(latest[0])))
    lazy_expander(
        f"All {len(history):,} imports, every column",
        lambda: st.dataframe(pd.DataFrame([_history_row(h, tz) for h in history]), hide_index=True),
        key="imports_all_open",
    )
    active = {h.id: h for h in history if h.status == "active"}
    if active:
        lazy_expander("Undo an import", lambda: _undo(db, actor, active), key="imports_undo_open")


def _summary_row(h: BillingImport, tz: object) -> dict[str, object]:
    rows = [f"{h.rows_imported:,} of {h.rows_read:,} imported"]
    if h.rows_replaced:
        rows.append(f"{h.rows_replaced:,} replaced")
    if h.rows_rejected:
        rows.append(f"{h.rows_rejected:,} rejected")
    status = "" if h.status == "active" else f"{IMPORT_STATUS.label(h.status)}: "
    return {
        "#": h.id,
        "File": h.filename,
        "Rows": status + ", ".join(rows),
        "At": local_text(h.imported_at, tz),  # type: ignore[arg-type]
    }


def _history_row(h: BillingImport, tz: object) -> dict[str, object]:
    return {
        "#": h.id,
        "File": h.filename,
        "Format": h.format,
        "Status": IMPORT_STATUS.label(h.status),
        "Rows read": f"{h.rows_read:,}",
        "Imported": f"{h.rows_imported:,}",
        "Replaced": f"{h.rows_replaced:,}",
        "Rejected": f"{h.rows_rejected:,}",
        "By": h.imported_by,
        "At": local_text(h.imported_at, tz),  # type: ignore[arg-type]
    }


def _undo(db: Database, actor: Actor, active: dict[int | None, BillingImport]) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        chosen = st.selectbox(
            "Undo an import",
            list(active),
            format_func=lambda i: f"#{i} {active[i].filename}",
            help="Removes that import's cost lines. Data it replaced is not brought back: "
            "import the earlier export again to restore it.",
        )
        if st.button("Undo import", icon=":material/undo:") and chosen is not None:
            with allowed():
                try:
                    billing_import.undo_import(db, actor, chosen)
                except ValueError as exc:
                    st.error(md_escape(exc))
                else:
                    st.session_state.pop("import_result", None)
                    st.toast(f"Import #{chosen} undone")
                    st.rerun()


def mappings_section(db: Database, actor: Actor, mappings: list[ColumnMapping]) -> None:
    st.subheader("Saved column mappings")
    st.caption(
        "For CSVs that are not FOCUS, AWS or Google Cloud exports (LLM API usage, seat invoices): "
        "name the column holding each field. Date and amount need a column; currency and vendor "
        "need a column or a default."
    )
    if mappings:
        rows = [{"Name": m.name, "Columns": m.spec, "By": m.created_by} for m in mappings]
        st.markdown(md_table(rows, ["Name", "Columns", "By"]))
        lazy_expander(
            "Delete a mapping",
            lambda: _delete_mapping(db, actor, mappings),
            key="imports_delete_open",
        )
    lazy_expander(
        "Add a column mapping", lambda: _mapping_form(db, actor), key="imports_mapping_open"
    )


def _mapping_form(db: Database, actor: Actor) -> None:
    with st.form("mapping_form"):
        name = st.text_input("Mapping name")
        column_cols = st.columns(3)
        columns = {
            field: column_cols[i % 3].text_input(f"Column for {field}", key=f"mapcol_{field}")
            for i, field in enumerate(FIELDS)
        }
        default_cols = st.columns(3)
        defaults = {
            field: default_cols[i % 3].text_input(f"Default {field}", key=f"mapdef_{field}")
            for i, field in enumerate(DEFAULTABLE)
        }
        if st.form_submit_button("Save mapping"):
            with allowed():
                try:
                    billing_import.save_mapping(db, actor, name, columns, defaults)
                except ValueError as exc:
                    st.error(md_escape(exc))
                else:
                    st.toast("Mapping saved")
                    st.rerun()


def _delete_mapping(db: Database, actor: Actor, mappings: list[ColumnMapping]) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        by_id = {m.id: m.name for m in mappings}
        doomed = st.selectbox(
            "Delete a mapping",
            list(by_id),
            format_func=lambda m: by_id[m],
            key="mapping_delete",
        )
        if st.button("Delete mapping", icon=":material/delete:") and doomed is not None:
            with allowed():
                try:
                    billing_import.delete_mapping(db, actor, doomed)
                except ValueError as exc:
                    st.error(md_escape(exc))
                else:
                    st.toast("Mapping deleted")
                    st.rerun()
