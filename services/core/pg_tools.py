"""PostgreSQL's own client tools (pg_dump, pg_restore), found and run for backups.

pg_dump refuses a server newer than itself, so the newest version installed wins: Debian keeps
each major version under /usr/lib/postgresql/N/bin (only some are linked into PATH). The
password goes to the tool in its environment (PGPASSWORD), never on its command line, where
any user of the machine could read it in the process list.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

# Where Debian and Ubuntu install each major version's tools; a module constant so a test can
# point it at an empty folder to see the "not installed" message.
VERSIONED_ROOTS: tuple[str, ...] = ("/usr/lib/postgresql",)
TIMEOUT_SECONDS = 6 * 3600


class ToolMissing(RuntimeError):
    """The PostgreSQL client tool is not installed where we look."""


class ToolFailed(RuntimeError):
    """The tool ran and reported an error (its first lines are in the message)."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.name)) or (0,)


def find_tool(name: str) -> Path:
    """``name`` from the newest /usr/lib/postgresql/N/bin, else from PATH."""
    for root in VERSIONED_ROOTS:
        versions = sorted(Path(root).glob("*"), key=_version_key, reverse=True)
        for version in versions:
            candidate = version / "bin" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    where = ", ".join(f"{root}/*/bin" for root in VERSIONED_ROOTS)
    raise ToolMissing(
        f"{name} is not installed (looked in PATH and {where}): install the PostgreSQL client "
        f"tools of your server's version or newer (Debian: apt-get install postgresql-client)"
    )


def connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password for ``--dbname``, and the environment carrying it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run(name: str, args: list[str], url: str | None = None) -> str:
    """Run tool ``name`` with ``args`` (plus ``--dbname`` for ``url``); its stdout, or raise."""
    command = [str(find_tool(name)), *args]
    env = {**os.environ}
    if url is not None:
        conninfo, env = connection(url)
        command.append(f"--dbname={conninfo}")
    # The tool is ours (found above) and the arguments a list: no shell, nothing interpolated.
    result = subprocess.run(  # noqa: S603
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        reason = "; ".join(lines[:3]) or f"exit code {result.returncode}"
        raise ToolFailed(f"{name} failed: {reason}")
    return result.stdout
