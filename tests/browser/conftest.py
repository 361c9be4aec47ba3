"""Browser tests: a real `streamlit run app.py` server and Debian's Chromium via Playwright.

Skipped with a reason when /usr/bin/chromium or Playwright is missing; with
OPSDESK_REQUIRE_BROWSER=1 (CI) that is a failure instead. Screenshots go to /tmp/opsdesk-shots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.browser import CHROMIUM_ARGS  # one set of flags for tests and benchmarks
from tests.conftest import ROOT, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/opsdesk-shots")
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
START_TIMEOUT_SECONDS = 60
PAGE_TIMEOUT_MS = 30_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _require_browser() -> None:
    if not CHROMIUM.exists():
        skip_or_fail(f"no Chromium at {CHROMIUM}", "OPSDESK_REQUIRE_BROWSER")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("playwright is not installed", "OPSDESK_REQUIRE_BROWSER")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not get healthy:\n{server.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def start_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Server]]:
    """Start `python -m streamlit run app.py` on a free loopback port over a temp SQLite file.

    ``prepare(db)`` runs against the migrated database first (users, demo workspace). ``port``
    fixes the port (an OIDC redirect URI must name it before the server starts); ``args`` are
    more ``streamlit run`` options.
    """
    _require_browser()
    started: list[Server] = []

    def start(
        env: dict[str, str] | None = None,
        prepare: Callable[[Any], None] | None = None,
        port: int | None = None,
        args: list[str] | None = None,
    ) -> Server:
        from db.engine import Database
        from db.migrate import upgrade

        workdir = tmp_path_factory.mktemp("server")
        database_url = f"sqlite:///{workdir / 'opsdesk.db'}"
        upgrade(database_url)
        if prepare is not None:
            db = Database.from_url(database_url)
            prepare(db)
            db.dispose()
        port = port or free_port()
        log = workdir / "streamlit.log"
        full_env = {
            **os.environ,
            "OPSDESK_DATABASE_URL": database_url,
            "OPSDESK_ENV": "production",
            **(env or {}),
        }
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "app.py",
                    "--server.port",
                    str(port),
                    "--server.address",
                    "127.0.0.1",
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                    *(args or []),
                ],
                cwd=ROOT,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(f"http://127.0.0.1:{port}", database_url, process, log)
        started.append(server)
        _wait_healthy(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def wait_ready(page: Any) -> None:
    """Wait until the script has run and stopped (twice: the first state can be pre-run)."""
    page.wait_for_selector(READY, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(400)
    page.wait_for_selector(READY, timeout=PAGE_TIMEOUT_MS)


def open_page(page: Any, url: str, shot: str | None = None) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_ready(page)
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    exceptions = page.locator(EXCEPTION)
    if exceptions.count():
        pytest.fail(f"exception on {url}: {exceptions.first.inner_text()[:2000]}")


def open_section(page: Any, label: str) -> None:
    """Click a closed section (ui.widgets.lazy_expander) open and wait for the run that draws it.

    Waits for the section's content itself: on a loaded machine the rerun the click starts
    could begin after ``wait_ready`` had already seen the page idle, and the next click landed
    on fields being redrawn (a budget's Team picker never opened)."""
    section = (
        page.locator("[data-testid='stExpander']")
        .filter(has=page.locator("summary").filter(has_text=label))
        .first
    )
    section.locator("summary").click()
    section.locator(
        "[data-testid='stExpanderDetails'] [data-testid='stElementContainer']"
    ).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    wait_ready(page)


def pick(page: Any, box: Any, option: str | None = None) -> None:
    """Open the selectbox ``box`` and pick the first option containing ``option`` (or the first).

    Tried up to three times: on a loaded machine the click can land while a run that began after
    ``wait_ready`` saw the page idle redraws the field, and its list never opens (seen in CI on a
    budget's Team picker once in about ten runs)."""
    for _ in range(3):
        wait_ready(page)
        field = box.locator("input").first
        field.click()
        choices = page.get_by_role("option")
        if option is not None:
            field.fill(option)  # the list is virtualised: filter it to the option
            choices = choices.filter(has_text=option)
        try:
            choices.first.click(timeout=10_000)
        except Exception as error:  # Playwright's TimeoutError; Playwright may be missing
            if type(error).__name__ != "TimeoutError":
                raise
            page.keyboard.press("Escape")
            continue
        wait_ready(page)
        return
    pytest.fail(f"no option {option!r} opened in {box.inner_text()[:200]!r}")


def nav_titles(page: Any) -> list[str]:
    # Only visible links: the refusal pages of other roles are registered with visibility hidden.
    links = page.locator(
        "[data-testid='stSidebarNav'] [data-testid='stSidebarNavLink'] >> visible=true"
    )
    # A link reads "<icon ligature>\n\n<title>": keep the title.
    return [t.strip().splitlines()[-1].strip() for t in links.all_inner_texts()]


def main_text(page: Any) -> str:
    return str(page.locator("[data-testid='stMain']").inner_text())


__all__ = [
    "SHOTS",
    "Server",
    "main_text",
    "nav_titles",
    "open_page",
    "open_section",
    "shutil",
    "wait_ready",
]
