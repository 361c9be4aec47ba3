"""Spreadsheet exports neutralise formula-looking text; numbers stay numbers (CWE-1236)."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from decimal import Decimal

import pytest

from services.core.export import to_csv
from tests.conftest import ROOT


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
    ],
)
def test_formula_looking_text_is_prefixed_with_an_apostrophe(payload: str) -> None:
    rows = _cells(to_csv([{"name": payload}], ["name"]))
    assert rows[1][0] == "'" + payload


@pytest.mark.parametrize("payload", ["\r=1+1", "note\r=1+1"])
def test_a_carriage_return_cannot_start_an_unneutralised_row(payload: str) -> None:
    rows = _cells(to_csv([{"name": payload, "n": 1}], ["name", "n"]))
    assert len(rows) == 2
    assert rows[1][0] in {payload, "'" + payload}


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("-125.50"), "-125.50"), (-3, "-3"), (Decimal("1E+3"), "1000"), (2.5, "2.5")],
)
def test_numbers_including_negative_credits_stay_numbers(value: object, shown: str) -> None:
    rows = _cells(to_csv([{"amount": value}], ["amount"]))
    assert rows[1][0] == shown
    float(rows[1][0])  # a spreadsheet reads it as a number


def test_a_negative_number_as_text_is_still_neutralised() -> None:
    """Only real numbers are trusted; '-1+1' typed into a text field is a formula."""
    assert _cells(to_csv([{"note": "-1+1"}], ["note"]))[1][0] == "'-1+1"


def test_header_cells_are_neutralised_too() -> None:
    assert _cells(to_csv([], ["=cmd"]))[0][0] == "'=cmd"


def test_every_csv_export_goes_through_the_export_helper() -> None:
    """No module writes CSV by hand: csv.writer / DataFrame.to_csv only in core/export.py."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pattern = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\.to_csv\(")
    offenders = [
        f
        for f in files
        if not f.startswith(("tests/", "bench/", "scripts/"))
        and f != "services/core/export.py"
        # The demo writes billing *input* files for its own import, not an export.
        and not f.startswith("services/demo")
        and (ROOT / f).is_file()
        and pattern.search((ROOT / f).read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"CSV written without services/export.to_csv in {offenders}"
