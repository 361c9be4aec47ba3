"""The ``switches`` figure: Opsdesk's sidebar page switches against a bare Streamlit app.

For each workspace (demo, x100) Opsdesk and the bare app (``bench/bare/app.py``, the same menu,
every page drawing only its title) run side by side and are clicked through in turn
(``bench/switches.py``). Figures: each page's median switch over the bare app's median for the
same page (target <= 2.2), the median of all switches over the bare app's (target <= 1.6), and
the worst page.
"""

from __future__ import annotations

import statistics
from contextlib import ExitStack
from typing import Any

from bench.harness import Figure, log

BENCH_ADMIN = "bench.admin@example.com"
PROXY_HEADER = "X-Forwarded-Email"
MEDIAN_LIMIT = 1.6
PAGE_LIMIT = 2.2
SIZES = ["demo", "x100"]


def ensure_admin(url: str) -> None:
    """An admin user in the workspace: the demo has none, and only an admin sees every page."""
    from db.engine import Database
    from services.access import users
    from services.access.access import Actor

    db = Database.from_url(url)
    try:
        if users.resolve_identity(db, BENCH_ADMIN) is None:
            users.add_user(db, Actor.cli(), BENCH_ADMIN, "admin", name="Bench Admin")
    finally:
        db.dispose()


def switches_figure(bench: Any, kind: str) -> None:
    from bench.browser import app_server, chromium
    from bench.switches import measure_switches, menu_pages

    rounds = bench.args.switch_rounds
    titles = dict(menu_pages())
    for size in SIZES:
        url = bench.workspace(kind, size)
        ensure_admin(url)
        with ExitStack() as stack:
            opsdesk = stack.enter_context(
                app_server(
                    url,
                    f"{kind}-{size}-switch",
                    extra_env={
                        "OPSDESK_AUTH_MODE": "proxy",
                        "OPSDESK_AUTH_PROXY_HEADER": PROXY_HEADER,
                    },
                )
            )
            bare = stack.enter_context(
                app_server(url, f"{kind}-{size}-bare", script="bench/bare/app.py")
            )
            browser = stack.enter_context(chromium())
            log(f"{kind}: page switches over {size}, {rounds} rounds against the bare app")
            switches = measure_switches(
                browser,
                {"opsdesk": (opsdesk.url, {PROXY_HEADER: BENCH_ADMIN}), "bare": (bare.url, {})},
                rounds,
            )
        _record(bench.results, kind, size, switches, titles)


def _record(
    results: Any, kind: str, size: str, switches: dict[str, Any], titles: dict[str, str]
) -> None:
    ours, bare = switches["opsdesk"], switches["bare"]
    page_figures: list[Figure] = []
    for path, runs in ours.items():
        values = [s.seconds for s in runs]
        base = [s.seconds for s in bare[path]]
        problems = [
            f"{n} switches showed an exception" if (n := sum(s.exception for s in runs)) else "",
            f"{n} switches did not finish (counted at the timeout)"
            if (n := sum(s.timed_out for s in runs + bare[path]))
            else "",
            f"{n} switches ran the script more than once"
            if (n := sum(s.runs > 1 for s in runs))
            else "",
        ]
        figure = Figure(
            key=f"switches.{kind}.{size}.{path}",
            title=titles[path],
            database=kind,
            value=statistics.median(values),
            unit="s",
            runs=values,
            baseline_label="bare Streamlit",
            baseline=statistics.median(base),
            baseline_runs=base,
            target=f"ratio <= {PAGE_LIMIT}",
            limit=PAGE_LIMIT,
            size=size,
            notes="; ".join(p for p in problems if p),
        ).judge()
        page_figures.append(figure)
        results.add(figure)
    every = [s.seconds for runs in ours.values() for s in runs]
    every_bare = [s.seconds for runs in bare.values() for s in runs]
    results.add(
        Figure(
            key=f"switches.{kind}.{size}.~median",
            title="every page switch (median)",
            database=kind,
            value=statistics.median(every),
            unit="s",
            runs=every,
            baseline_label="bare Streamlit",
            baseline=statistics.median(every_bare),
            baseline_runs=every_bare,
            target=f"ratio <= {MEDIAN_LIMIT}",
            limit=MEDIAN_LIMIT,
            size=size,
        ).judge()
    )
    worst = max(page_figures, key=lambda f: f.ratio or 0.0)
    results.add(
        Figure(
            key=f"switches.{kind}.{size}.~worst",
            title=f"worst page ({worst.title})",
            database=kind,
            value=worst.value,
            unit="s",
            runs=worst.runs,
            baseline_label="bare Streamlit",
            baseline=worst.baseline,
            baseline_runs=worst.baseline_runs,
            target=f"ratio <= {PAGE_LIMIT}",
            limit=PAGE_LIMIT,
            size=size,
        ).judge()
    )
    log(
        f"  {kind} {size}: median {statistics.median(every) * 1000:.0f} ms vs bare "
        f"{statistics.median(every_bare) * 1000:.0f} ms; worst {worst.title} {worst.ratio:.2f}"
    )
