"""Showing user text as text: Streamlit renders markdown in most elements, so escape it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

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


def md_cell(value: object) -> str:
    """``value`` for one cell of a markdown table: escaped, on one line, blank for None."""
    if value is None:
        return ""
    return md_escape(" ".join(str(value).split()))


def md_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (every cell escaped) under ``columns``.

    For short lists on a page: one markdown element costs the browser about a sixth of what an
    ``st.dataframe`` (a canvas grid) costs to mount on every visit, at the price of sorting.
    """
    head = "| " + " | ".join(md_cell(c) for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    body = ["| " + " | ".join(md_cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join([head, rule, *body])
