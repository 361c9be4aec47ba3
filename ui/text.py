"""Showing user text as text: Streamlit renders markdown in most elements, so escape it."""

from __future__ import annotations

import re

# Markdown, Streamlit's colour/emoji/icon directives (`:red[x]`, `:material/x:`), LaTeX `$`,
# and HTML angle brackets all start with one of these.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:$&])")


def md_escape(text: object) -> str:
    """``text`` escaped so that st.markdown, st.caption and labels show it literally."""
    return _SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def safe_link(url: str | None) -> str | None:
    """The URL when its scheme is http, https or mailto; None for anything else."""
    if not url:
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("http://", "https://", "mailto:")):
        return url.strip()
    return None
