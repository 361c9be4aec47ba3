"""`opsdesk backup [PATH]` and `opsdesk restore PATH`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.access import backup
from services.access.access import Actor
from settings import get_settings


def _backup(args: argparse.Namespace) -> int:
    import cli

    db = cli.open_database(migrate=False)
    try:
        path = args.path or backup.default_path(db, get_settings().backup_dir, db.clock.now())
        written = backup.backup(db, path)
    except backup.BackupFailed as exc:
        print(f"opsdesk: backup failed: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"backup written to {written} ({written.stat().st_size} bytes)")
    return 0


def _confirm(args: argparse.Namespace, info: backup.BackupInfo) -> bool:
    """A restore replaces every record: it asks first on a terminal; a script says --yes."""
    if args.yes:
        return True
    warning = (
        f"restore replaces every record in the database with the backup {info.path} "
        f"(schema {info.revision})."
    )
    if not sys.stdin.isatty():
        print(f"opsdesk: {warning} Run it again with --yes to confirm.", file=sys.stderr)
        return False
    answer = input(f"{warning} Type 'restore' to go on: ")
    if answer.strip().lower() != "restore":
        print("opsdesk: nothing was changed.", file=sys.stderr)
        return False
    return True


def _restore(args: argparse.Namespace) -> int:
    import cli

    # Not migrated first: the target may be empty or at another schema; the backup decides.
    db = cli.open_database(migrate=False)
    try:
        info = backup.inspect(db, args.path)
        if not _confirm(args, info):
            return 2
        backup.restore(db, Actor.cli(), args.path)
    except backup.BackupFailed as exc:
        print(f"opsdesk: restore failed: {exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"restored {args.path} (schema {info.revision}) and brought it to the newest schema")
    return 0


def register(commands: Any, reports: Any) -> None:
    take = commands.add_parser(
        "backup", help="write a consistent copy of the database while everything runs"
    )
    take.add_argument(
        "path",
        nargs="?",
        type=Path,
        help="file to write (default: a timestamped file in OPSDESK_BACKUP_DIR)",
    )
    take.set_defaults(handler=_backup)

    put = commands.add_parser(
        "restore", help="replace the database with a backup (asks first; recorded)"
    )
    put.add_argument("path", type=Path, help="a file written by `opsdesk backup`")
    put.add_argument("--yes", action="store_true", help="replace without asking")
    put.set_defaults(handler=_restore)
