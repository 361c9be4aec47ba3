"""The reminders figure: a first planning pass against one bulk insert of the rows it wrote.

For each run, a fresh copy of the workspace is planned in a child process
(``bench.tasks plan-reminders``); then ``bench.tasks bulk-insert`` takes the rows that pass
added and inserts them, with the driver's own executemany in one transaction, into two more
fresh copies of the same workspace: the notification rows only (the baseline the target is
on) and every row the pass wrote (notifications, renewal meetings with their attendees and
agenda, audit events), reported beside it.

The target is judged at the issue's size (100,000 action items, 10,000 contracts: #8 and #19
measured planning there). Smaller workspaces are reported with their ratio but not judged: a
pass has a cost that does not grow with the data (a new process compiles its statements, reads
the rules and people, opens and commits), while the baseline shrinks with the rows, so the ratio
of any fixed cost grows without bound as the workspace shrinks. That fixed cost is measured as a
pass over the demo workspace and printed beside the smaller figure.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from typing import Any

from bench import generate
from bench.harness import Figure, drop_database, fresh_database, log, run_child, settle

TARGET = 3.0


def _plan_once(url: str, timeout: float) -> tuple[dict[str, Any] | None, int]:
    """One first pass in a child process: its outcome (None when it failed) and exit code."""
    run = run_child([sys.executable, "-m", "bench.tasks", "plan-reminders", url], timeout=timeout)
    if run.returncode != 0:
        return None, run.returncode
    outcome: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return outcome, 0


def fixed_cost(bench: Any, kind: str) -> str:
    """A first pass over the demo workspace (a few dozen rows): what any pass costs at least."""
    runs: list[float] = []
    planned = 0
    for i in range(bench.args.runs):
        url = fresh_database(kind, f"{bench.args.tag}rem_demo{i}", template=bench.demo_base(kind))
        outcome, code = _plan_once(url, bench.args.plan_timeout)
        drop_database(url)
        if outcome is None:
            return f"a pass over the demo workspace did not finish (exit {code})"
        runs.append(outcome["seconds"])
        planned = outcome["planned"]
    return (
        f"a first pass over the demo workspace ({planned} planned) takes "
        f"{statistics.median(runs):.3f} s, whatever the size"
    )


def reminders_at(bench: Any, kind: str, factor: float, today: Any) -> None:
    args = bench.args
    scale = generate.scaled(generate.SCALES["reminders"], args.scale_factor * factor)
    judged = args.scale_factor * factor >= 1
    base = fresh_database(kind, f"{args.tag}rem_base", template=bench.demo_base(kind))
    log(f"{kind}: building the reminders workspace {scale}")
    found = generate.top_up(base, scale, bench.files)
    log(f"  {found}")
    plan_runs: list[float] = []
    notified_runs: list[float] = []
    all_runs: list[float] = []
    written: dict[str, int] = {}
    planned = 0
    unfinished = ""
    settle(postgres="postgres" in args.dbs)  # building the workspace wrote a lot
    # Other work on a two-core machine shows in a half-second pass: say how busy it was.
    load = os.getloadavg()[0]
    for i in range(args.plan_runs):
        url = fresh_database(kind, f"{args.tag}rem_{i}", template=base)
        outcome, code = _plan_once(url, args.plan_timeout)
        if outcome is None:
            drop_database(url)
            unfinished = (
                f"plan_all did not finish within {args.plan_timeout:.0f} s (stopped; exit {code})"
            )
            log(f"  {unfinished}")
            break
        plan_runs.append(outcome["seconds"])
        planned = outcome["planned"]
        notified = fresh_database(kind, f"{args.tag}rem_n{i}", template=base)
        every = fresh_database(kind, f"{args.tag}rem_a{i}", template=base)
        insert = run_child([sys.executable, "-m", "bench.tasks", "bulk-insert", url, base,
                            notified, every])  # fmt: skip
        for name in (url, notified, every):
            drop_database(name)
        if insert.returncode != 0:
            raise RuntimeError(f"bulk insert baseline failed: {insert.stderr[-2000:]}")
        baseline = json.loads(insert.stdout.strip().splitlines()[-1])
        notified_runs.append(baseline["notifications"])
        all_runs.append(baseline["all"])
        written = baseline["rows"]
        log(
            f"  plan_all {plan_runs[-1]:.3f} s ({planned} planned); bulk insert "
            f"{notified_runs[-1]:.3f} s notifications, {all_runs[-1]:.3f} s every row"
        )
    drop_database(base)
    fixed = "" if judged else "; not judged (below the issue's size): " + fixed_cost(bench, kind)
    size = f"{found['action items']:,} action items, {found['contracts']:,} contracts"
    value = statistics.median(plan_runs) if plan_runs and not unfinished else None
    every_row = statistics.median(all_runs) if all_runs else None
    rows = ", ".join(f"{n:,} {table}" for table, n in written.items())
    bench.results.add(
        Figure(
            key=f"reminders.{kind}.{found['action items']:09d}",
            title="reminders.plan_all (first pass)",
            database=kind,
            value=value,
            unit="s",
            runs=plan_runs,
            baseline_label="one bulk insert of its notification rows (driver executemany)",
            baseline=statistics.median(notified_runs) if notified_runs else None,
            baseline_runs=notified_runs,
            target=f"ratio <= {TARGET:g}" if judged else "reported only",
            limit=TARGET if judged else None,
            size=size,
            notes=(
                (unfinished + "; " if unfinished else "")
                + f"planned {planned} notifications/meetings, as of {today}; rows written: "
                f"{rows}; every row the pass wrote, inserted the same way: "
                + (
                    f"{every_row:.3f} s (ratio {value / every_row:.2f})"
                    if value and every_row
                    else "-"
                )
                + f"; load average {load:.2f} as the passes began"
                + fixed
            ),
        ).judge()
    )
