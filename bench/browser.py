"""Streamlit servers and a real browser (Chromium through Playwright) for page-load figures.

A page's load time is from ``page.goto`` of its URL until the app says its script finished
(``[data-testid='stApp'][data-test-script-state='notRunning']``) and stays finished for a short
settle window (a page that reruns itself is timed to its last run). Every load is a full
navigation: a new Streamlit session, as when a user opens a link.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import ROOT, WORK, log

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SETTLE_SECONDS = 0.3
LOAD_TIMEOUT_MS = int(os.environ.get("BENCH_PAGE_TIMEOUT_MS", "60000"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_app(
    database_url: str,
    name: str,
    extra_env: dict[str, str] | None = None,
    script: str = "app.py",
) -> AppServer:
    """``streamlit run <script>`` (app.py: Opsdesk) over ``database_url`` on a free loopback port,
    once healthy."""
    port = free_port()
    log_path = WORK / f"streamlit-{name}-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "OPSDESK_DATABASE_URL": database_url,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(extra_env or {}),
    }
    argv = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log_path.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"streamlit did not become healthy: {log_path}")


@contextmanager
def app_server(database_url: str, name: str, **kwargs: Any) -> Iterator[AppServer]:
    server = start_app(database_url, name, **kwargs)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Load:
    seconds: float
    exception: bool  # the page showed a Streamlit exception box
    timed_out: bool = False  # did not finish within LOAD_TIMEOUT_MS; seconds is the timeout


# Records every change of the app's script state with its time since navigation start, once
# per animation frame (about 16 ms). Waiting on a selector alone would not do: Playwright backs
# off to polling every 500 ms, which quantised page loads to ~0.5 s steps and made the ratios
# noise.
STATE_RECORDER = """
(() => {
  const log = [];
  window.__opsdeskScriptStates = log;
  let last = null;
  const tick = () => {
    const app = document.querySelector("[data-testid='stApp']");
    const state = app ? app.getAttribute("data-test-script-state") : null;
    if (state !== last) { log.push([performance.now(), state]); last = state; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def new_timed_page(context: Any) -> Any:
    """A browser tab whose loads ``load_page`` times from the recorded script states."""
    page = context.new_page()
    page.add_init_script(STATE_RECORDER)
    return page


def load_page(page: Any, url: str) -> Load:
    start = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector(DONE, timeout=LOAD_TIMEOUT_MS, state="attached")
    finished = time.perf_counter()
    # Settle: a page that reruns (st.rerun, a navigation switch) is timed to its last run.
    while True:
        page.wait_for_timeout(int(SETTLE_SECONDS * 1000))
        state = page.get_attribute("[data-testid='stApp']", "data-test-script-state")
        if state == "notRunning":
            break
        page.wait_for_selector(DONE, timeout=LOAD_TIMEOUT_MS, state="attached")
        finished = time.perf_counter()
    exception = page.locator("[data-testid='stException']").count() > 0
    seconds = finished - start
    states = page.evaluate("() => window.__opsdeskScriptStates || null")
    if states and any(state == "running" for _, state in states):
        # The last switch to "notRunning" after a run, in ms since the navigation started.
        ran = max(i for i, (_, state) in enumerate(states) if state == "running")
        done = [at for at, state in states[ran:] if state == "notRunning"]
        if done:
            seconds = done[-1] / 1000
    return Load(seconds, exception)


def page_urls(base: str) -> list[tuple[str, str]]:
    """(url path, full URL) of every registered page (ui.navigation.PAGES)."""
    from ui.navigation import PAGES

    return [(p.url_path, f"{base}/" + ("" if p.default else p.url_path)) for p in PAGES]


def measure_pages(
    browser: Any, bases: dict[str, str], runs: int
) -> dict[str, dict[str, list[Load]]]:
    """Page loads on several servers at once, interleaved: for each run and each page, one load
    on every server in turn, so a burst of load on the machine hits every workspace alike.

    Each server is first warmed up with one load of every page (imports, caches), not timed.
    Returns {server name: {page url path: [loads]}}.
    """
    contexts = {
        name: browser.new_context(viewport={"width": 1400, "height": 900}) for name in bases
    }
    try:
        pages = {name: new_timed_page(ctx) for name, ctx in contexts.items()}
        urls = {name: dict(page_urls(base)) for name, base in bases.items()}
        paths = list(next(iter(urls.values())))
        for name, page in pages.items():
            for path in paths:
                try:
                    load_page(page, urls[name][path])
                except Exception as exc:  # reported, not fatal: the timed loads will show it
                    log(f"warm-up of {path} on {name} failed: {exc}")
        out: dict[str, dict[str, list[Load]]] = {name: {p: [] for p in paths} for name in bases}
        for _ in range(runs):
            for path in paths:
                for name, page in pages.items():
                    try:
                        loaded = load_page(page, urls[name][path])
                    except Exception as exc:  # a timeout: counted at the timeout, flagged
                        log(f"{path} on {name} did not finish: {exc.__class__.__name__}")
                        loaded = Load(LOAD_TIMEOUT_MS / 1000, False, timed_out=True)
                    out[name][path].append(loaded)
        return out
    finally:
        for ctx in contexts.values():
            ctx.close()
