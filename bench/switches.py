"""Page switches in a real browser: a sidebar click until the last script run it caused ends.

Opsdesk (signed in through the proxy header as an admin, who sees every page) and a bare
Streamlit app with the same menu (``bench/bare/app.py``) are driven side by side in Chromium.
Each round clicks every menu page in a shuffled order, Opsdesk then the bare app (or the other
way round, alternately), so a burst of load on the machine hits both alike.

Nothing is polled for the timing itself. An init script records, in the page's own clock
(``performance.now()``):

- the click (a capturing listener on the document, before Streamlit's handler);
- every change of the app's ``data-test-script-state`` (a MutationObserver);
- every ``script_finished`` message from the server (a WebSocket hook reading the top-level
  field numbers of each ForwardMsg), so a run that starts and ends before the page ever renders
  "running" is still counted.

A switch ends at the latest of the last ``script_finished`` and the last change to
``notRunning`` after the click, once nothing has changed for a settle window (a page that reruns
itself is timed to its last run). Python polls only to learn that the window has passed.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from typing import Any

from bench.browser import CHROMIUM_ARGS, DONE, LOAD_TIMEOUT_MS
from bench.harness import log

__all__ = ["CHROMIUM_ARGS", "RECORDER", "Switch", "measure_switches", "menu_pages"]

SETTLE_MS = 400.0
SWITCH_TIMEOUT_S = LOAD_TIMEOUT_MS / 1000
SCRIPT_FINISHED_FIELD = 6  # ForwardMsg.script_finished (streamlit/proto/ForwardMsg.proto)

RECORDER = """
(() => {
  const rec = { clicks: [], states: [], finished: [] };
  window.__switchRec = rec;
  document.addEventListener("click", () => rec.clicks.push(performance.now()), true);
  const attr = "data-test-script-state";
  let last = null;
  new MutationObserver((changes) => {
    const at = performance.now();
    for (const change of changes) {
      const state = change.target.getAttribute(attr);
      if (change.target.getAttribute("data-testid") === "stApp" && state !== last) {
        rec.states.push([at, state]);
        last = state;
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: [attr] });
  const varint = (bytes, i) => {
    let value = 0, shift = 1, byte;
    do { byte = bytes[i++]; value += (byte & 0x7f) * shift; shift *= 128; } while (byte & 0x80);
    return [value, i];
  };
  const fields = (bytes) => {
    const out = [];
    let i = 0;
    while (i < bytes.length) {
      let tag, n;
      [tag, i] = varint(bytes, i);
      const wire = tag & 7;
      out.push(Math.floor(tag / 8));
      if (wire === 0) { [, i] = varint(bytes, i); }
      else if (wire === 2) { [n, i] = varint(bytes, i); i += n; }
      else if (wire === 1) { i += 8; }
      else if (wire === 5) { i += 4; }
      else { break; }
    }
    return out;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered before Streamlit's own handler: the arrival time, not the render time.
      this.addEventListener("message", (event) => {
        const at = performance.now();
        if (event.data instanceof ArrayBuffer
            && fields(new Uint8Array(event.data)).includes(SCRIPT_FINISHED_FIELD)) {
          rec.finished.push(at);
        }
      });
    }
  };
})();
""".replace("SCRIPT_FINISHED_FIELD", str(SCRIPT_FINISHED_FIELD))

_PROBE = """
(n) => {
  const rec = window.__switchRec;
  const clicked = rec.clicks[n];
  if (clicked === undefined) return null;
  const app = document.querySelector("[data-testid='stApp']");
  return {
    clicked,
    now: performance.now(),
    state: app ? app.getAttribute("data-test-script-state") : null,
    finished: rec.finished.filter((at) => at > clicked),
    states: rec.states.filter(([at]) => at > clicked),
  };
}
"""


@dataclass
class Switch:
    seconds: float
    runs: int  # script runs that finished after the click
    exception: bool = False
    timed_out: bool = False


def menu_pages() -> list[tuple[str, str]]:
    """(url path, title) of every page in the sidebar menu of a role that sees them all."""
    from ui.navigation import PAGES

    return [(p.url_path, p.title) for p in PAGES if p.in_menu]


def _link(page: Any, title: str) -> Any:
    # The link's text also holds its icon's ligature ("today"); the label span is exact.
    return page.locator("[data-testid='stSidebarNavLink']").filter(
        has=page.get_by_text(title, exact=True)
    )


def switch_to(page: Any, title: str) -> Switch:
    """Click the menu link ``title`` and wait for the last run it caused to end."""
    before = page.evaluate("() => window.__switchRec.clicks.length")
    _link(page, title).click(timeout=LOAD_TIMEOUT_MS)
    deadline = time.monotonic() + SWITCH_TIMEOUT_S
    while True:
        probe = page.evaluate(_PROBE, before)
        if probe is not None:
            ends = probe["finished"] + [at for at, state in probe["states"]]
            done = [at for at, state in probe["states"] if state == "notRunning"]
            quiet = probe["now"] - max(ends) if ends else 0.0
            if probe["finished"] and probe["state"] == "notRunning" and quiet >= SETTLE_MS:
                end = max(probe["finished"] + done)
                exception = page.locator("[data-testid='stException']").count() > 0
                return Switch((end - probe["clicked"]) / 1000, len(probe["finished"]), exception)
        if time.monotonic() > deadline:
            log(f"switch to {title} did not finish within {SWITCH_TIMEOUT_S:.0f} s")
            page.wait_for_selector(DONE, timeout=LOAD_TIMEOUT_MS, state="attached")
            return Switch(SWITCH_TIMEOUT_S, 0, timed_out=True)
        page.wait_for_timeout(50)


def _open(context: Any, url: str, first: str) -> Any:
    page = context.new_page()
    page.add_init_script(RECORDER)
    page.goto(url, wait_until="commit", timeout=LOAD_TIMEOUT_MS)
    _link(page, first).wait_for(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_selector(DONE, timeout=LOAD_TIMEOUT_MS, state="attached")
    return page


def measure_switches(
    browser: Any, apps: dict[str, tuple[str, dict[str, str]]], rounds: int, seed: int = 7
) -> dict[str, dict[str, list[Switch]]]:
    """Sidebar switches on several apps, interleaved. ``apps``: name -> (URL, HTTP headers).

    Each app is opened once, then walked through every menu page once untimed (first imports
    of each page, the server's caches); then ``rounds`` timed rounds. Returns
    {app name: {url path: [switches]}}.
    """
    pages = menu_pages()
    titles = dict(pages)
    contexts = {
        name: browser.new_context(
            extra_http_headers=headers, viewport={"width": 1400, "height": 900}
        )
        for name, (_, headers) in apps.items()
    }
    try:
        tabs = {name: _open(contexts[name], url, pages[0][1]) for name, (url, _) in apps.items()}
        rng = random.Random(seed)
        out: dict[str, dict[str, list[Switch]]] = {name: {p: [] for p, _ in pages} for name in apps}
        current = pages[0][0]  # the default page, opened above
        for number in range(rounds + 1):
            order = [path for path, _ in pages]
            rng.shuffle(order)
            if order[0] == current:
                order.append(order.pop(0))
            for step, path in enumerate(order):
                names = list(apps) if step % 2 == 0 else list(reversed(apps))
                for name in names:
                    switch = switch_to(tabs[name], titles[path])
                    if number > 0:  # round 0 warms up
                        out[name][path].append(switch)
                current = path
            if number > 0:
                summary = ", ".join(f"{name} {_median_ms(out[name]):.0f} ms" for name in apps)
                log(f"  round {number}/{rounds}: median so far {summary}")
        return out
    finally:
        for ctx in contexts.values():
            ctx.close()


def _median_ms(by_page: dict[str, list[Switch]]) -> float:
    return statistics.median(s.seconds for runs in by_page.values() for s in runs) * 1000
