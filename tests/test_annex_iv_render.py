"""The Annex IV pack drawn as Markdown and PDF; the PDF's text is read back with pypdf."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from services.governance import GUIDANCE
from services.governance.annex_iv_render import (
    SECTION_TITLES,
    Item,
    Pack,
    Section,
    to_markdown,
    to_pdf,
)


def _pack() -> Pack:
    sections = [Section(n, title) for n, title in enumerate(SECTION_TITLES, start=1)]
    sections[0].items += [
        Item("Intended purpose", "Scores loan applications \u2014 for underwriters | EU only"),
        Item("Instructions for use", None, owner="Dana Doc"),
    ]
    sections[5].items.append(
        Item("Deployment history", "Two changes.", table=(("When", "Version"), ("2026-01-02", "3")))
    )
    sections[7].items.append(Item("Declaration of conformity", None, owner=None))
    return Pack(
        "Credit scorer", datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")), sections
    )


def test_markdown_has_nine_numbered_sections_and_marks_each_gap_with_its_owner() -> None:
    text = to_markdown(_pack())
    for n, title in enumerate(SECTION_TITLES, start=1):
        assert f"## {n}. {title}" in text
    assert "**Instructions for use:** _Missing (owner: Dana Doc)_" in text
    assert "_Missing (owner: nobody assigned)_" in text
    assert "**Gaps:** 2" in text
    assert GUIDANCE in text
    assert "| 2026-01-02 | 3 |" in text


def test_a_pipe_in_a_table_cell_does_not_break_the_markdown_table() -> None:
    pack = _pack()
    pack.sections[5].items[0] = Item("History", "x", table=(("a", "b"), ("x|y", "z")))
    assert "| x\\|y | z |" in to_markdown(pack)


def test_pdf_text_reads_back_with_every_section_the_gaps_and_the_guidance() -> None:
    data = to_pdf(_pack())
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    for n, title in enumerate(SECTION_TITLES, start=1):
        assert f"{n}. {' '.join(title.split())}"[:40] in flat
    assert "Missing (owner: Dana Doc)" in flat
    assert "Credit scorer" in flat
    assert "not legal advice" in flat
    # A dash outside Latin-1 is spelled as '-' rather than lost.
    assert "Scores loan applications - for underwriters" in flat
