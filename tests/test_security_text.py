"""Text from users, vendors and billing files is shown as text; links only http/https/mailto."""

from __future__ import annotations

import re
import subprocess

import pytest

from services.core.records import InvalidRecord, check_web_url
from tests.conftest import ROOT
from ui.text import md_escape, md_table, safe_link

# Built from parts so this file does not trip its own scan.
BANNED = "unsafe_allow" + "_html"


def _tracked_and_new_python_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [p for p in out if (ROOT / p).is_file()]


def test_the_scan_sees_the_app_and_its_pages() -> None:
    files = _tracked_and_new_python_files()
    assert "app.py" in files and any(f.startswith("app_pages/") for f in files)


def test_no_python_file_lets_markdown_render_raw_html() -> None:
    offenders = [
        path
        for path in _tracked_and_new_python_files()
        if BANNED in (ROOT / path).read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == [], f"{BANNED} found in {offenders}"


def test_no_page_renders_raw_html() -> None:
    """st.html and components.html render markup too; pages and ui/ must not use them."""
    pattern = re.compile(r"\bst\.html\(|components\.v1|components\.html\(")
    offenders = [
        path
        for path in _tracked_and_new_python_files()
        if path.startswith(("app_pages/", "ui/", "app.py"))
        and pattern.search((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "**bold**",
        ":red[x]",
        "[click](https://evil.example)",
        "$x^2$",
        "# heading",
        "`code`",
        ":material/home:",
        "a & b < c",
    ],
)
def test_md_escape_leaves_no_markdown_or_html_active(text: str) -> None:
    escaped = md_escape(text)
    # Every special character is preceded by a backslash.
    for ch in "*[]()<>:$#`&":
        for i, c in enumerate(escaped):
            if c == ch:
                assert escaped[i - 1] == "\\", (text, escaped)


def test_md_table_keeps_each_hostile_value_in_its_own_cell() -> None:
    rows = [{"a": "x | y\nz <img src=x onerror=alert(1)>", "b": None}, {"a": "**b**", "b": 3}]
    lines = md_table(rows, ["a", "b"]).splitlines()
    assert len(lines) == 4  # header, rule and one line per row: a newline did not split a row
    cells = [line.split(" | ") for line in lines[2:]]
    assert all(len(row) == 2 for row in cells)  # an escaped pipe did not add a column
    assert "\\<img" in lines[2] and "\\*\\*b\\*\\*" in lines[3]
    assert lines[2].endswith("|  |")  # None is a blank cell


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "",
        None,
    ],
)
def test_safe_link_refuses_every_scheme_but_http_https_mailto(url: str | None) -> None:
    assert safe_link(url) is None


@pytest.mark.parametrize(
    "url", ["https://vendor.example/billing", "http://localhost:8501", "mailto:ap@vendor.example"]
)
def test_safe_link_keeps_http_https_and_mailto(url: str) -> None:
    assert safe_link(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "java\tscript:alert(1)",
        "https://ok.example/\x00javascript:alert(1)",
    ],
)
def test_services_refuse_to_save_a_url_that_is_not_http_or_https(url: str) -> None:
    with pytest.raises(InvalidRecord):
        check_web_url(url)
