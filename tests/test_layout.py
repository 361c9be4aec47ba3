"""The layout DESIGN.md fixes: pages registered, no pages/ folder, imports in one direction."""

from __future__ import annotations

import ast
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


def test_services_db_and_integrations_never_import_streamlit() -> None:
    for folder in ("services", "db", "integrations"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "streamlit" not in _imports(path), path


def test_db_and_integrations_do_not_import_services() -> None:
    for folder in ("db", "integrations"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "services" not in _imports(path), path


def test_pages_never_open_sessions_or_call_vendor_sdks() -> None:
    for path in PAGES_DIR.rglob("*.py"):
        imported = _imports(path)
        assert not imported & {"sqlmodel", "sqlalchemy", "slack_sdk", "googleapiclient", "db"}, path
