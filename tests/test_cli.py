"""The `opsdesk` command: exit codes, messages, users and the demo workspace."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

import cli
from db.engine import Database
from db.models import ActionItem, Contract, CostRollup, Person, User, Vendor
from services import record_imports
from settings import get_settings
from tests.conftest import ROOT


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("OPSDESK_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_db_upgrade_twice_is_harmless(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["db", "upgrade"]) == 0
    assert "newest schema" in capsys.readouterr().out


def test_user_add_list_set_role_and_deactivate(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["user", "add", "Ana@Example.com", "--role", "va"]) == 0
    assert cli.main(["user", "set-role", "ana@example.com", "--role", "lead"]) == 0
    assert cli.main(["user", "deactivate", "ana@example.com"]) == 0
    capsys.readouterr()
    assert cli.main(["user", "list"]) == 0
    assert "ana@example.com\tlead\tdeactivated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "not-an-email", "--role", "va"], "not an email"),
        (["user", "deactivate", "nobody@example.com"], "no user"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    cli_db: Database, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_role_is_refused_by_the_parser(cli_db: Database) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["user", "add", "a@example.com", "--role", "root"])
    assert exc.value.code == 2


def test_adding_the_same_user_twice_is_refused(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["user", "add", "b@example.com", "--role", "finance"]) == 0
    assert cli.main(["user", "add", "b@example.com", "--role", "finance"]) == 2
    assert "already exists" in capsys.readouterr().err


def _fingerprint(db: Database) -> dict[str, object]:
    with db.read() as s:
        return {
            "vendors": sorted(s.execute(select(Vendor.name)).scalars()),
            "contracts": sorted(
                (c.title, c.start_date.isoformat(), str(c.value))
                for c in s.execute(select(Contract)).scalars()
            ),
            "people": s.execute(select(func.count()).select_from(Person)).scalar_one(),
            "actions": sorted(
                (a.title, str(a.due_date), a.status)
                for a in s.execute(select(ActionItem)).scalars()
            ),
            "rollups": s.execute(select(func.count()).select_from(CostRollup)).scalar_one(),
        }


def test_demo_reset_twice_gives_the_same_workspace_and_keeps_users(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["user", "add", "keep@example.com", "--role", "lead"]) == 0
    assert cli.main(["demo", "--reset", "--yes"]) == 0
    first = _fingerprint(cli_db)
    assert cli.main(["demo", "--reset", "--yes"]) == 0
    assert _fingerprint(cli_db) == first
    assert len(first["vendors"]) >= 10  # type: ignore[arg-type]
    with cli_db.read() as s:
        assert s.execute(select(User).where(User.email == "keep@example.com")).first()
    assert "demo workspace loaded" in capsys.readouterr().out


def test_demo_refuses_a_workspace_that_has_records(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    assert cli.main(["demo"]) == 2
    assert "--reset" in capsys.readouterr().err


def _audit_rows(db: Database) -> list[tuple[str, str]]:
    from db.models import AuditEvent

    with db.read() as s:
        return [
            (e.action, e.record_type)
            for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()
        ]


def test_demo_reset_without_yes_off_a_terminal_changes_nothing(
    cli_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    before = _fingerprint(cli_db)
    assert cli.main(["demo", "--reset"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert _fingerprint(cli_db) == before


class _Terminal:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def test_demo_reset_on_a_terminal_asks_and_only_a_typed_reset_goes_on(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["demo"]) == 0
    monkeypatch.setattr("sys.stdin", _Terminal("no\n"))
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert cli.main(["demo", "--reset"]) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert ("reset", "workspace") not in _audit_rows(cli_db)
    monkeypatch.setattr("builtins.input", lambda prompt: "reset")
    assert cli.main(["demo", "--reset"]) == 0
    assert ("reset", "workspace") in _audit_rows(cli_db)


def test_demo_reset_keeps_the_audit_trail_and_records_itself(cli_db: Database) -> None:
    assert cli.main(["user", "add", "keep@example.com", "--role", "lead"]) == 0
    assert cli.main(["demo"]) == 0
    before = _audit_rows(cli_db)
    assert len(before) > 10
    assert cli.main(["demo", "--reset", "--yes"]) == 0
    after = _audit_rows(cli_db)
    assert after[: len(before)] == before  # nothing erased or rewritten
    assert after[len(before)] == ("reset", "workspace")


def test_a_corrupt_sqlite_file_gives_a_message_not_a_traceback(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "corrupt.db"
    bad.write_bytes(b"this is not a database file at all" * 200)
    monkeypatch.setenv("OPSDESK_DATABASE_URL", f"sqlite:///{bad}")
    get_settings.cache_clear()
    assert cli.main(["user", "list"]) == 1
    err = capsys.readouterr().err
    assert "cannot use the database" in err and "not a database" in err
    assert "Traceback" not in err
    get_settings.cache_clear()


def test_an_unreachable_postgres_gives_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://opsdesk:secret@127.0.0.1:{port}/opsdesk?connect_timeout=2"
    monkeypatch.setenv("OPSDESK_DATABASE_URL", url)
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "cannot use the database" in err and "secret" not in err
    assert "Traceback" not in err
    get_settings.cache_clear()


def _top_commands(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_each_command_loads_only_the_module_that_registers_it() -> None:
    everything = cli.command_modules(None)
    built_in = _top_commands(cli.build_parser([]))  # no command: every module
    base = _top_commands(cli.build_parser(["db", "upgrade"]))
    assert base == set(cli.BUILT_IN) | {"report"}
    owners: dict[str, set[str]] = {}
    for name in everything:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        reports = sub.add_parser("report").add_subparsers()
        importlib.import_module(f"cli_commands.{name}").register(sub, reports)
        for command in set(sub.choices) - {"report"}:
            owners.setdefault(command, set()).add(name)
    alone = {command: next(iter(m)) for command, m in owners.items() if len(m) == 1}
    assert alone == cli.OWN_COMMANDS
    assert built_in == base | set(owners)
    for command, module in cli.OWN_COMMANDS.items():
        assert cli.command_modules(["--now", "2026-01-05T09:00", command, "x"]) == [module]
        own = {c for c, modules in owners.items() if module in modules}
        assert _top_commands(cli.build_parser([command])) == base | own
    for words in (["export", "annex-iv"], ["report", "renewals"], ["--help"], ["nope"], []):
        assert cli.command_modules(words) == everything
    assert cli.command_modules(["demo", "--reset"]) == []


def test_the_console_script_keeps_its_output_and_exit_codes(tmp_path: Path) -> None:
    """`run` leaves without the interpreter's teardown: what was printed still arrives
    through a pipe, exit handlers run, and the exit code is main's."""
    import subprocess
    import sys

    env = {**os.environ, "OPSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    ok = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "db", "upgrade"],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0 and "database is at the newest schema" in ok.stdout
    add = [sys.executable, str(ROOT / "cli.py"), "user", "add", "x@example.com", "--role", "va"]
    first = subprocess.run(add, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    again = subprocess.run(add, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert first.returncode == 0 and first.stdout == "added x@example.com as va\n"
    assert again.returncode == 2 and again.stderr.startswith("opsdesk: ") and not again.stdout
    code = (
        "import atexit, sys; sys.argv = ['opsdesk', 'db', 'upgrade']; import cli; "
        "atexit.register(lambda: print('exit handler ran', flush=False)); cli.run()"
    )
    handled = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert handled.returncode == 0 and handled.stdout.endswith("exit handler ran\n")


def _kind_choices(parser: argparse.ArgumentParser) -> object:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return next(a for a in sub.choices["import-records"]._actions if a.dest == "kind").choices


def test_only_import_records_and_help_list_the_record_kinds() -> None:
    """Listing them imports every domain's services, which no other command needs."""
    kinds = sorted(record_imports.kinds())
    assert _kind_choices(cli.build_parser(["import-records", "people", "f.csv"])) == kinds
    assert _kind_choices(cli.build_parser(["--help"])) == kinds
    assert _kind_choices(cli.build_parser(None)) == kinds
    for words in (["import-billing", "f.csv"], ["db", "upgrade"], ["remind"]):
        assert _kind_choices(cli.build_parser(words)) is None
