"""The sizes STYLE.md sets for services/, held in CI: modules under 400 lines, functions under 80.

``ALLOWED`` names what is still being split; each entry says who empties it. A new entry needs a
reason; an entry that is no longer needed fails the test, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "services"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80

# module path (relative to the repository) -> why it may still be over a limit
ALLOWED: dict[str, str] = {
    # Governance (issues 17/18) landed before this check: build_pack, the demo's seed and the
    # inventory module are over the limits; split them in governance's next change.
    "services/governance/annex_iv.py": "build_pack is 115 lines",
    "services/governance/demo.py": "seed is 102 lines",
    "services/governance/inventory.py": "409 lines",
}


def _modules() -> list[Path]:
    return sorted(SERVICES.rglob("*.py"))


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [
        f"{node.name} ({(node.end_lineno or node.lineno) - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 >= MAX_FUNCTION_LINES
    ]


def _oversized() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in _modules():
        problems = _long_functions(path)
        lines = len(path.read_text().splitlines())
        if lines >= MAX_MODULE_LINES:
            problems.insert(0, f"module ({lines} lines)")
        if problems:
            out[path.relative_to(ROOT).as_posix()] = problems
    return out


def test_no_services_module_or_function_passes_the_limits() -> None:
    over = {path: what for path, what in _oversized().items() if path not in ALLOWED}
    assert over == {}


def test_every_allowed_oversized_module_is_still_oversized() -> None:
    # Once a split lands, its entry must go, so the allow-list cannot hide a later regrowth.
    over = _oversized()
    assert [path for path in ALLOWED if path not in over] == []


def test_the_size_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "m.py").write_text(f"def f() -> None:\n{body}\n")
    assert _long_functions(tmp_path / "m.py") == [f"f ({MAX_FUNCTION_LINES + 1} lines)"]
