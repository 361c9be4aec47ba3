"""Filter and sort values are whitelisted or bound, never pasted into SQL (GLPI CVE-2023-28838)."""

from __future__ import annotations

import re
import subprocess

import pytest

from cli import main as opsdesk
from services.spend import spend
from tests.conftest import ROOT

INJECTIONS = ["name) OR 1=1 --", "vendor; DROP TABLE costline", "month' OR '1'='1"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_spend_group_by_outside_the_whitelist_is_a_plain_error(value: str) -> None:
    with pytest.raises(ValueError, match="unknown group-by field"):
        spend.group_spend([], [value])


@pytest.mark.parametrize("value", INJECTIONS)
def test_cli_report_spend_refuses_an_injected_group_by_with_exit_2(
    app_env,
    value: str,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    assert opsdesk(["report", "spend", "--group-by", value]) == 2
    err = capsys.readouterr().err
    assert "unknown group-by field" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["2026-01' OR 1=1 --", "2026-13", "x"])
def test_cli_report_spend_refuses_a_malformed_month_with_exit_2(
    app_env,
    value: str,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    assert opsdesk(["report", "spend", "--group-by", "month", "--from", value]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_no_sql_is_built_from_formatted_strings() -> None:
    """text()/execute() with an f-string or % formatting is how filter values become SQL.

    (st.text shows text literally and is not SQL.)"""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pattern = re.compile(
        r"""(?:(?<!st\.)\btext|execute|exec_driver_sql)\(\s*(?:f["']|["'][^"']*["']\s*%|["'][^"']*["']\.format)"""
    )
    # Reviewed: PRAGMA/BEGIN values are integers and a fixed mode, not user input; the billing
    # import's statements format only constant column lists and ":o1, :o2" placeholder lists
    # (every value is a bound parameter) and an integer cache size.
    reviewed = {
        "db/engine.py",
        # Record ids written as numbers (int() of each); the kind and record type are bound.
        "services/delivery/reminders/dedupe_keys.py",
        "services/spend/billing_import.py",
        "services/spend/import_writer.py",
    }
    offenders = [
        f
        for f in files
        if f.startswith(("services/", "db/", "ui/", "app_pages/", "cli_commands/", "cli.py"))
        and f not in reviewed
        and not f.startswith("db/migrations/")
        and (ROOT / f).is_file()
        and pattern.search((ROOT / f).read_text(encoding="utf-8"))
    ]
    assert offenders == []
