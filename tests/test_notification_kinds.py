"""Every notification kind the code queues has a name people read in the Delivery log.

The outbox refuses a kind with no name at run time; this scan of the source finds one queued on
a path no other test takes.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

from services.delivery.choices import NOTIFICATION_KIND
from tests.conftest import ROOT

# The outbox builds a notification's row in this one function (the set-based insert of
# item_rows writes the same columns, which the scan reads as a dict); whatever hands a kind on
# to it (enqueue, the planners' plan, queue and once, ...) is found from the source.
ROW_BUILDER = "notification_values"
QUEUEING_FOLDERS = ("services", "integrations", "cli_commands", "bench")


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _positional(fn: ast.FunctionDef) -> list[str]:
    names = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
    return names[1:] if names[:1] in (["self"], ["cls"]) else names


def _params(fn: ast.FunctionDef) -> set[str]:
    return {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]}


def _kind_given(call: ast.Call, positions: set[int | None]) -> ast.expr | None:
    """The expression a call passes as its kind: ``kind=`` or the callee's kind position."""
    for keyword in call.keywords:
        if keyword.arg == "kind":
            return keyword.value
    for pos in sorted(p for p in positions if p is not None):
        given = call.args[: pos + 1]
        if len(given) > pos and not any(isinstance(a, ast.Starred) for a in given):
            return call.args[pos]
    return None


def _hands_kind_on(fn: ast.FunctionDef, call: ast.Call, kind: ast.expr | None) -> bool:
    """``fn`` passes its own ``kind`` parameter (or its ``**values``) on in ``call``."""
    if isinstance(kind, ast.Name) and kind.id == "kind" and "kind" in _params(fn):
        return True
    rest = fn.args.kwarg.arg if fn.args.kwarg else None
    return any(
        k.arg is None and isinstance(k.value, ast.Name) and k.value.id == rest
        for k in call.keywords
    )


def _strings(expr: ast.expr, constants: dict[str, str]) -> list[str] | None:
    """The kinds an expression can be (a literal, a module constant, either branch of an
    ``if``, the argument of SQL's ``literal(...)``); None when the source does not say."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.Name) and expr.id in constants:
        return [constants[expr.id]]
    if isinstance(expr, ast.IfExp):
        body, orelse = _strings(expr.body, constants), _strings(expr.orelse, constants)
        return None if body is None or orelse is None else body + orelse
    if isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
        return _strings(expr.args[0], constants)
    return None


def _notification_fields(node: ast.AST) -> ast.expr | None:
    """The kind of a notification's arguments gathered ahead of the call (a planner's jobs,
    the columns of a set-based insert): a dict naming both ``kind`` and ``record_type``."""
    if isinstance(node, ast.Call) and _callee(node) == "dict":
        fields = {k.arg: k.value for k in node.keywords if k.arg}
    elif isinstance(node, ast.Dict):
        fields = {
            k.value: v
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
    else:
        return None
    return fields["kind"] if {"kind", "record_type"} <= fields.keys() else None


class _Module(NamedTuple):
    path: str
    tree: ast.Module
    constants: dict[str, str]  # module-level NAME = "text"
    functions: list[ast.FunctionDef]


def _modules(root: Path) -> list[_Module]:
    modules = []
    for folder in QUEUEING_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            constants = {
                node.targets[0].id: node.value.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            }
            functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
            modules.append(_Module(path.relative_to(root).as_posix(), tree, constants, functions))
    return modules


def _kind_takers(modules: list[_Module]) -> dict[str, set[int | None]]:
    """Function name -> where it takes the kind it hands on to the row builder (its position
    after self, None when by keyword only); grown until no new function hands a kind on."""
    takers: dict[str, set[int | None]] = {ROW_BUILDER: {None}}
    grown = True
    while grown:
        grown = False
        for fn in (fn for m in modules for fn in m.functions):
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                name = _callee(call)
                if name in takers and _hands_kind_on(fn, call, _kind_given(call, takers[name])):
                    positional = _positional(fn)
                    pos = positional.index("kind") if "kind" in positional else None
                    if pos not in takers.setdefault(fn.name, set()):
                        takers[fn.name].add(pos)
                        grown = True
    return takers


def queued_kinds(root: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Each notification kind the code queues -> where; and where the kind cannot be read."""
    modules = _modules(root)
    takers = _kind_takers(modules)
    found: dict[str, list[str]] = {}
    unread: list[str] = []
    for module in modules:
        # A function's own kind parameter, handed on: its callers' kinds are read instead.
        forwarded = {
            id(node)
            for fn in module.functions
            if "kind" in _params(fn)
            for node in ast.walk(fn)
            if isinstance(node, ast.Name) and node.id == "kind"
        }
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call | ast.Dict):
                continue
            kind = _notification_fields(node)
            name = _callee(node) if isinstance(node, ast.Call) else None
            if kind is None and isinstance(node, ast.Call) and name in takers:
                kind = _kind_given(node, takers[name])
            if kind is None or id(kind) in forwarded:
                continue
            where = f"{module.path}:{node.lineno}"
            strings = _strings(kind, module.constants)
            if strings is None:
                unread.append(where)
            for value in strings or []:
                found.setdefault(value, []).append(where)
    return found, unread


def test_every_kind_queued_in_the_code_has_a_name() -> None:
    """Every notification kind the code queues is named for the log (the outbox refuses others
    at run time; this finds one on a path no test takes), and every name is of a kind queued."""
    found, unread = queued_kinds(ROOT)
    assert not unread, f"the kind these queue is not written in the source: {unread}"
    missing = {k: found[k] for k in sorted(found.keys() - set(NOTIFICATION_KIND))}
    assert not missing, f"notification kinds with no name in NOTIFICATION_KIND: {missing}"
    # Also proves the scan sees every kind: none named that it did not find.
    assert set(NOTIFICATION_KIND) <= found.keys(), sorted(set(NOTIFICATION_KIND) - found.keys())


def test_the_kind_scan_reads_only_notification_kinds() -> None:
    found, _ = queued_kinds(ROOT)
    # An evidence's kind (link, file) and a cost source's (tag, ...) are not a notification's.
    assert not found.keys() & {"link", "file", "service_name", "resource_id", "tag"}
    # Kinds handed on by position through the governance planner's queue and once are read.
    assert {"incident_deadline", "evidence_missing", "drift_review"} <= found.keys()
