"""The `opsdesk` command: database, demo, users, and the commands each area registers.

Every handler returns an exit code: 0 on success, 2 for bad input (with a message on stderr
that says what is wrong), 1 for a failure of the system.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import pkgutil
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import DBAPIError

import cli_commands
from db.clock import Clock, ShiftedClock, SystemClock
from db.engine import Database, DatabaseBusy
from db.migrate import upgrade
from services import record_imports
from services.access.access import Actor, NotAllowed
from settings import get_settings

Handler = Callable[[argparse.Namespace], int]


# The CLI's composition root: one clock for the whole command, the wall clock unless `--now`
# moved it. Set by `main` for each command (tests call `main` many times in one process).
_clock: Clock = SystemClock()


def open_database(migrate: bool = True) -> Database:
    url = get_settings().database_url
    if migrate:
        upgrade(url)
    return Database.from_url(url, clock=_clock)


def parse_now(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` in the workspace time zone (or with an explicit offset), as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--now {text!r}: expected YYYY-MM-DDTHH:MM") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=get_settings().tz)
    return moment.astimezone(UTC)


def clock_for(now_text: str | None) -> Clock:
    """The wall clock, or with ``--now`` a clock that starts at that moment and runs on."""
    return ShiftedClock(parse_now(now_text)) if now_text else SystemClock()


def _db_upgrade(_args: argparse.Namespace) -> int:
    url = get_settings().database_url
    upgrade(url)
    print(f"database is at the newest schema: {_redacted(url)}")
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


RESET_WARNING = (
    "demo --reset deletes every record except the users and the audit trail "
    "(the reset itself is recorded in the audit trail)."
)


def _confirm_reset(args: argparse.Namespace) -> bool:
    """A reset asks first on a terminal; a script must say --yes."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"opsdesk: {RESET_WARNING} Run it again with --yes to confirm.", file=sys.stderr)
        return False
    answer = input(f"{RESET_WARNING} Type 'reset' to go on: ")
    if answer.strip().lower() != "reset":
        print("opsdesk: nothing was changed.", file=sys.stderr)
        return False
    return True


def _demo(args: argparse.Namespace) -> int:
    if args.reset and not _confirm_reset(args):
        return 2
    from services.demo import demo  # with every area's services: only this command needs them

    db = open_database()
    counts = demo.load(db, Actor.cli(), reset=args.reset)
    print("demo workspace loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from services.access.users import add_user

    row = add_user(open_database(), Actor.cli(), args.email, args.role, name=args.name)
    print(f"added {row.email} as {row.role}")
    return 0


def _user_list(_args: argparse.Namespace) -> int:
    from services.access.users import list_users

    for row in list_users(open_database(), Actor.cli()):
        state = "active" if row.active else "deactivated"
        print(f"{row.email}\t{row.role}\t{state}")
    return 0


def _user_deactivate(args: argparse.Namespace) -> int:
    from services.access.users import deactivate_user

    row = deactivate_user(open_database(), Actor.cli(), args.email)
    print(f"deactivated {row.email}")
    return 0


def _user_set_role(args: argparse.Namespace) -> int:
    from services.access.users import set_role

    row = set_role(open_database(), Actor.cli(), args.email, args.role)
    print(f"{row.email} is now {row.role}")
    return 0


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv`` (for every command when it is None)."""
    parser = argparse.ArgumentParser(prog="opsdesk", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--now",
        dest="global_now",
        metavar="YYYY-MM-DDTHH:MM",
        help="run as if at this moment (workspace time zone unless an offset is given); "
        "every part of the command moves with it",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db_cmd = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", required=True
    )
    db_cmd.add_parser("upgrade", help="apply migrations (harmless when up to date)").set_defaults(
        handler=_db_upgrade
    )

    demo_cmd = sub.add_parser("demo", help="load the demo workspace, dated relative to today")
    demo_cmd.add_argument(
        "--reset",
        action="store_true",
        help="delete every record but users and the audit trail first (asks; recorded)",
    )
    demo_cmd.add_argument("--yes", action="store_true", help="confirm --reset without asking")
    demo_cmd.set_defaults(handler=_demo)

    user = sub.add_parser("user", help="manage who may sign in").add_subparsers(
        dest="user_command", required=True
    )
    roles = ["va", "lead", "finance", "admin", "engineer"]
    add = user.add_parser("add", help="add a user with a role")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--name")
    add.set_defaults(handler=_user_add)
    user.add_parser("list", help="list users").set_defaults(handler=_user_list)
    deactivate = user.add_parser("deactivate", help="refuse a user from the next rerun on")
    deactivate.add_argument("email")
    deactivate.set_defaults(handler=_user_deactivate)
    set_role_cmd = user.add_parser("set-role", help="change a user's role")
    set_role_cmd.add_argument("email")
    set_role_cmd.add_argument("--role", required=True, choices=roles)
    set_role_cmd.set_defaults(handler=_user_set_role)

    _add_import_records(sub, with_kinds=command_word(argv) in (None, "import-records"))
    reports = sub.add_parser("report", help="reports as CSV or JSON").add_subparsers(
        dest="report", required=True
    )
    for name in command_modules(argv):
        importlib.import_module(f"cli_commands.{name}").register(sub, reports)
    return parser


# The commands that one module of `cli_commands` registers alone. Such a command loads only its
# module: the others import pyarrow, pandas and their services, about half a second of every
# start. Help, `report`, `export` (shared by several modules) and anything unknown load them all.
# A test checks this table against what the modules register.
OWN_COMMANDS = {
    "import-billing": "spend",
    "remind": "reminders",
    "worker": "reminders",
    "google-auth": "reminders",
    "sync": "models",
    "backup": "backup",
    "restore": "backup",
}
BUILT_IN = frozenset({"db", "demo", "user", "import-records"})


def command_word(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` runs, or None for help (or no argv: every command)."""
    if argv is None or "-h" in argv or "--help" in argv:
        return None
    words = iter(argv)
    for word in words:
        if word == "--now":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def command_modules(argv: Sequence[str] | None) -> list[str]:
    """The `cli_commands` modules the command in ``argv`` needs (all of them for help)."""
    everything = sorted(m.name for m in pkgutil.iter_modules(cli_commands.__path__))
    word = command_word(argv)
    if word in BUILT_IN:
        return []
    return [OWN_COMMANDS[word]] if word in OWN_COMMANDS else everything


def _import_records(args: argparse.Namespace) -> int:
    count = record_imports.import_file(open_database(), Actor.cli(), args.kind, args.file)
    print(f"imported {count} {args.kind} from {args.file}")
    return 0


def _add_import_records(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], *, with_kinds: bool
) -> None:
    cmd = sub.add_parser("import-records", help="import records from a CSV file: all rows or none")
    # Listing the kinds loads every domain's services (a tenth of a second): only this command
    # and help need them.
    cmd.add_argument("kind", choices=sorted(record_imports.kinds()) if with_kinds else None)
    cmd.add_argument("file", type=Path)
    cmd.set_defaults(handler=_import_records)


def main(argv: Sequence[str] | None = None) -> int:
    global _clock
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(words).parse_args(words)
    handler: Handler = args.handler
    try:
        _clock = clock_for(getattr(args, "now", None) or args.global_now)
        return handler(args)
    except (ValueError, FileNotFoundError) as exc:  # UserError is a ValueError
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 2
    except NotAllowed as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 2
    except DatabaseBusy as exc:
        print(f"opsdesk: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        # A corrupt SQLite file or an unreachable Postgres: say which database and why, no
        # traceback (the driver's first line is the reason; the rest is SQL and a link).
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(
            f"opsdesk: cannot use the database {_redacted(get_settings().database_url)}: {reason}",
            file=sys.stderr,
        )
        return 1


def run() -> NoReturn:
    """The `opsdesk` console script: ``main``, then a quick exit.

    Once a command has returned (its output written, its database connections closed, exit
    handlers run below), the interpreter's own teardown only frees memory the system takes
    back anyway: 0.3 to 0.5 s with pyarrow, pandas and SQLAlchemy loaded, a tenth of a large
    import. A command that raises ends the ordinary way, with its traceback.
    """
    code = main()
    atexit._run_exitfuncs()  # logging's flush and weakref finalizers (temporary folders)
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe: nothing more can be written anyway.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    # Run as `python cli.py`, this file is `__main__`; handlers `import cli` and must see the
    # clock set by *that* module's main, or `--now` would be lost for them.
    importlib.import_module("cli").run()
