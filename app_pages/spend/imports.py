"""Imports: upload billing exports, see what happened, undo, map names, save column mappings."""

from __future__ import annotations

import streamlit as st

from services.spend import billing_import
from ui.auth import require_actor
from ui.guard import allowed
from ui.spend.import_sections import history_section, mappings_section, upload_section
from ui.spend.unmatched import unmatched_section
from ui.state import database, settings

actor = require_actor()
db = database()

st.title("Imports")
with allowed():
    mappings = billing_import.list_mappings(db, actor)
    history = billing_import.list_imports(db, actor)

upload_section(db, actor, mappings, settings().max_import_bytes)
history_section(db, actor, history, settings().tz)
unmatched_section(db, actor)
mappings_section(db, actor, mappings)
