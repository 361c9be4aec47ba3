"""`opsdesk remind --once`, `opsdesk worker` and `opsdesk google-auth`."""

from __future__ import annotations

import argparse
import gc
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import configure_mappers

from services import planning
from services.access.backup import NightlyBackups
from services.delivery import passes
from services.delivery.connections import GOOGLE, set_state
from settings import get_settings


def _credentials_changed_at() -> datetime | None:
    path = get_settings().google_credentials_file
    if path is None or not Path(path).is_file():
        return None
    return datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC)


def _gateways() -> Any:
    from integrations.bootstrap import Gateways, build_calendar, build_slack

    settings = get_settings()
    calendar = None
    try:
        calendar = build_calendar(settings)
    except (OSError, ValueError) as exc:
        print(f"opsdesk: Google Calendar is off: {exc}")
    return Gateways(slack=build_slack(settings), calendar=calendar)


def _settle_heap() -> None:
    """Move what is alive once the commands' modules are loaded to the permanent generation.

    A planning pass allocates tens of thousands of objects, and each full collection it sets off
    would otherwise walk every object of SQLAlchemy, pandas and the rest again: a fifth of the
    pass's time over a large workspace. Reference counting still frees frozen objects; only
    their reference cycles are left alone, and what is loaded here lives as long as the process.

    The ORM's mappers are configured first: SQLAlchemy otherwise does it at the process's first
    query (inside the first pass), and what it builds lives as long as the process too.
    """
    configure_mappers()
    gc.freeze()


def _remind(args: argparse.Namespace) -> int:
    import cli

    if not args.once:
        raise ValueError("use --once (or `opsdesk worker` for a long-running process)")
    # cli.main chose the clock from --now: planning and delivery both run on it.
    db, gateways = cli.open_database(), _gateways()
    _settle_heap()
    report = passes.run_once(
        db,
        gateways,
        google_credentials_changed_at=_credentials_changed_at(),
        plan=planning.plan_all,
        sync=planning.sync_records,
    )
    print(report)
    return 0


def _worker(args: argparse.Namespace) -> int:
    import cli

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    db = cli.open_database()
    settings = get_settings()
    poll = args.poll if args.poll is not None else settings.worker_poll_seconds
    nightly = None
    if settings.backup_keep > 0:
        nightly = NightlyBackups(
            settings.backup_dir, settings.backup_keep, settings.backup_hour, settings.tz
        )
    _settle_heap()
    try:
        passes.run_forever(
            db, _gateways, poll, plan=planning.plan_all, sync=planning.sync_records, nightly=nightly
        )
    except KeyboardInterrupt:
        print("worker stopped")
    return 0


def _google_auth(args: argparse.Namespace) -> int:
    from google_auth_oauthlib.flow import InstalledAppFlow

    import cli
    from integrations.google_calendar.api import SCOPES

    out = args.out or get_settings().google_credentials_file
    if out is None:
        raise ValueError(
            "say where to write the token: --out PATH or OPSDESK_GOOGLE_CREDENTIALS_FILE"
        )
    flow = InstalledAppFlow.from_client_secrets_file(str(args.client_secrets), scopes=SCOPES)
    creds = flow.run_local_server(
        host="localhost", port=args.port, open_browser=not args.no_browser
    )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created owner-only from the start: the file holds a refresh token.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(creds.to_json())
    path.chmod(0o600)
    set_state(cli.open_database(), GOOGLE, "connected")
    print(f"wrote an authorized-user token to {path}; set OPSDESK_GOOGLE_CREDENTIALS_FILE to it")
    return 0


def register(commands: Any, reports: Any) -> None:
    remind = commands.add_parser("remind", help="plan due reminders and deliver them, then exit")
    remind.add_argument("--once", action="store_true", help="one pass, then exit")
    remind.add_argument("--now", help="act as if at YYYY-MM-DDTHH:MM (workspace time zone)")
    remind.set_defaults(handler=_remind)

    loop = commands.add_parser("worker", help="plan and deliver reminders in a loop")
    loop.add_argument("--poll", type=float, help="seconds between passes")
    loop.set_defaults(handler=_worker)

    auth = commands.add_parser("google-auth", help="authorize Google Calendar for one account")
    auth.add_argument(
        "--client-secrets",
        type=Path,
        required=True,
        help="OAuth client (Desktop app) JSON from Google Cloud console",
    )
    auth.add_argument("--out", type=Path, help="token file to write")
    auth.add_argument("--port", type=int, default=0, help="local port for the redirect")
    auth.add_argument("--no-browser", action="store_true", help="print the URL instead")
    auth.set_defaults(handler=_google_auth)
