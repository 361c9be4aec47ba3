"""The framework's floor for a page switch: Streamlit alone, with Opsdesk's menu.

The same page titles, icons, URL paths, sections and hidden pages as ``ui/navigation.PAGES``
(the menu an admin sees), the same page config, and pages that draw only their title. A sidebar
click here costs what Streamlit itself costs; ``bench/switches.py`` divides Opsdesk's time by it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import streamlit as st

# `streamlit run bench/bare/app.py` puts bench/bare on the path, not the repository.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ui.navigation import PAGES, SECTIONS

st.set_page_config(page_title="Opsdesk", page_icon=":material/work:", layout="wide")


def _title_only(title: str) -> Callable[[], None]:
    def body() -> None:
        st.title(title)

    return body


with st.sidebar:
    st.caption("Bare Streamlit: every page draws only its title")

sections: dict[str, list[st.Page]] = {name: [] for name in SECTIONS}
for spec in PAGES:
    sections[spec.section].append(
        st.Page(
            _title_only(spec.title),
            title=spec.title,
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec.default,
            visibility="visible" if spec.in_menu else "hidden",
        )
    )
st.navigation(sections, expanded=True).run()
