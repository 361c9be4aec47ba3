"""The layout DESIGN.md fixes: pages registered, no pages/ folder, imports in one direction.

The import directions are import-linter contracts in pyproject.toml; these tests run them.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from ui.navigation import PAGES, PAGES_DIR

ROOT = Path(__file__).resolve().parent.parent


def test_there_is_no_top_level_pages_folder() -> None:
    # Streamlit's legacy multipage mode would skip app.py's sign-in gate (DESIGN.md).
    assert not (ROOT / "pages").exists()


def test_every_page_script_is_registered_and_every_registration_exists() -> None:
    scripts = {
        p.relative_to(PAGES_DIR).as_posix()
        for p in PAGES_DIR.rglob("*.py")
        if p.name != "__init__.py"
    }
    registered = {spec.script for spec in PAGES}
    assert scripts == registered
    assert len({spec.url_path for spec in PAGES}) == len(PAGES)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command as c; c()",
            "--no-cache",
            "--no-logo",
            str(root / "pyproject.toml"),
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_in_pyproject_hold() -> None:
    # Layers, forbidden imports (streamlit too) and no cycle inside services/: [tool.importlinter].
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_contracts_catch_db_importing_services(tmp_path: Path) -> None:
    # The same contracts over a tiny tree where db imports services: they must fail it.
    config = (ROOT / "pyproject.toml").read_text()
    start = config.index("[tool.importlinter]")
    end = config.index("\n[tool.", start + 1)
    (tmp_path / "pyproject.toml").write_text(config[start:end].split("ignore_imports")[0])
    for package in ("db", "integrations", "services", "ui", "app_pages", "cli_commands"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "db" / "models.py").write_text("import services.core\n")
    (tmp_path / "services" / "core.py").write_text("")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "db.models -> services.core" in result.stdout


def test_pages_never_open_sessions_or_call_vendor_sdks() -> None:
    for path in PAGES_DIR.rglob("*.py"):
        imported = _imports(path)
        assert not imported & {"sqlmodel", "sqlalchemy", "slack_sdk", "googleapiclient", "db"}, path


PAGE_MAX_LINES = 150  # a page reads widgets, calls services and draws; forms live in ui/


def test_no_page_script_passes_150_lines() -> None:
    """Issue 13 item 4: a longer page is holding forms or rules that belong in ui/ or services/."""
    long = {
        p.relative_to(PAGES_DIR).as_posix(): n
        for p in PAGES_DIR.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > PAGE_MAX_LINES
    }
    assert long == {}, f"pages over {PAGE_MAX_LINES} lines: {long}"


def test_no_page_script_calls_a_function_before_defining_it() -> None:
    """A page runs top to bottom: a lazy expander's lambda calling a function defined further
    down raised NameError on every opening ("Put on a meeting's agenda" did)."""
    late = []
    for path in sorted(PAGES_DIR.rglob("*.py")):
        body = ast.parse(path.read_text()).body
        defined = {n.name: n.lineno for n in body if isinstance(n, ast.FunctionDef)}
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef):
                continue
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and defined.get(node.id, 0) > stmt.lineno:
                    late.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.id}")
    assert late == []
