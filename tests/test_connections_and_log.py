"""Connection state, test messages, and the delivery log's retry and cancel, on both databases."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlmodel import col, select

from db.engine import Database
from db.models import AuditEvent, Notification
from services.access.access import NotAllowed
from services.delivery import connections, delivery_log
from services.delivery.choices import NOTIFICATION_KIND
from settings import Settings
from tests.builders import queue
from tests.conftest import ROOT, actor

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def views(db: Database, **settings: object) -> dict[str, connections.ConnectionView]:
    cfg = Settings(database_url="sqlite://", **settings)  # type: ignore[arg-type]
    return {v.name: v for v in connections.connection_states(db, actor("admin"), cfg, NOW)}


def test_unconfigured_connections_are_off(db: Database) -> None:
    state = views(db)
    assert state["slack"].state == "off" and state["google"].state == "off"


def test_a_disconnected_slack_shows_its_reason_until_reconnected(db: Database) -> None:
    connections.set_state(db, "slack", "disconnected", "token_revoked")
    state = views(db, slack_bot_token="xoxb-1")["slack"]
    assert (state.state, state.reason) == ("disconnected", "token_revoked")
    connections.reconnect(db, actor("admin"), "slack")
    assert views(db, slack_bot_token="xoxb-1")["slack"].state == "connected"


def test_a_google_pause_shows_until_it_runs_out(db: Database) -> None:
    connections.set_state(db, "google", "paused", "quota", NOW + timedelta(hours=3))
    assert views(db, google_credentials_file="/x.json")["google"].state == "paused"
    connections.set_state(db, "google", "paused", "quota", NOW - timedelta(minutes=1))
    assert views(db, google_credentials_file="/x.json")["google"].state == "connected"


def test_a_test_message_is_queued_once_per_minute_and_audited(db: Database) -> None:
    admin = actor("admin")
    assert connections.queue_test_message(db, admin, "C0123", now=NOW)
    assert not connections.queue_test_message(db, admin, "C0123", now=NOW + timedelta(seconds=20))
    assert connections.queue_test_message(db, admin, "C0123", now=NOW + timedelta(minutes=1))
    with db.read() as session:
        assert len(session.exec(select(Notification)).all()) == 2
        assert session.exec(select(AuditEvent).where(col(AuditEvent.action) == "queue")).first()


def test_a_test_message_target_is_checked(db: Database) -> None:
    with pytest.raises(ValueError):
        connections.queue_test_message(db, actor("admin"), "<!channel>")
    with pytest.raises(NotAllowed):
        connections.queue_test_message(db, actor("va"), "C0123")


def test_retry_and_cancel_follow_the_status_and_are_audited(db: Database) -> None:
    queue(db, 2, due_at=NOW)
    rows = delivery_log.list_notifications(db, actor("admin"))
    first, second = sorted(rows, key=lambda r: r.id or 0)
    delivery_log.cancel(db, actor("admin"), first.id or 0)
    with pytest.raises(ValueError):
        delivery_log.cancel(db, actor("admin"), first.id or 0)
    with pytest.raises(ValueError):
        delivery_log.retry(db, actor("admin"), second.id or 0)  # still queued
    again = delivery_log.retry(db, actor("admin"), first.id or 0)
    assert again.status == "queued" and again.attempts == 0
    with db.read() as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent).where(col(AuditEvent.record_type) == "notification")
            )
        ]
    assert actions == ["cancel", "retry"]
    with pytest.raises(NotAllowed):
        delivery_log.cancel(db, actor("finance"), second.id or 0)


def test_the_log_filters_by_status_channel_and_text(db: Database) -> None:
    queue(db, 3, due_at=NOW, subject="Renewal")
    queue(db, 1, due_at=NOW, start=3, subject="Agenda")
    admin = actor("admin")
    assert (
        len(delivery_log.list_notifications(db, admin, delivery_log.LogFilter(text="agenda"))) == 1
    )
    assert (
        len(delivery_log.list_notifications(db, admin, delivery_log.LogFilter(status="failed")))
        == 0
    )
    assert (
        len(
            delivery_log.list_notifications(
                db, admin, delivery_log.LogFilter(channel="google_calendar")
            )
        )
        == 0
    )
    with pytest.raises(ValueError):
        delivery_log.list_notifications(db, admin, delivery_log.LogFilter(status="x') OR 1=1 --"))
    assert delivery_log.status_counts(db, admin) == {"queued": 4}


def test_the_log_filters_by_kind_and_finds_a_kind_by_its_name(db: Database) -> None:
    queue(db, 2, due_at=NOW, kind="contract", subject="Notice")
    queue(db, 1, due_at=NOW, start=2, kind="test_message", subject="Hello")
    admin = actor("admin")

    def found(**given: str) -> list[str]:
        flt = delivery_log.LogFilter(**given)
        return sorted(r.kind for r in delivery_log.list_notifications(db, admin, flt))

    assert found(kind="contract") == ["contract", "contract"]
    # The log names kinds ("Cancellation deadline reminder"); that name finds them.
    assert found(text="deadline rem") == ["contract", "contract"]
    assert found(text="test message") == ["test_message"]
    with pytest.raises(ValueError, match="unknown notification kind"):
        found(kind="nope")


def test_the_outbox_refuses_a_kind_with_no_name(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown notification kind 'reminder'"):
        queue(db, 1, kind="reminder")
    with db.read() as session:
        assert session.exec(select(Notification)).all() == []


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
