"""The measuring kit: medians of runs, child processes with their peak memory, fresh databases,
machine facts, and the results file (bench/results.json, rendered to bench/RESULTS.md).

Timings are wall-clock (``time.perf_counter``) around the work only. Peak memory is the child
process's own maximum resident set size, read from ``os.wait4`` (the kernel's ``ru_maxrss`` for
exactly that child, in KiB on Linux), so it needs no /usr/bin/time and no polling.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS_JSON = BENCH / "results.json"
RESULTS_MD = BENCH / "RESULTS.md"
WORK = Path(os.environ.get("BENCH_WORK", "/tmp/opsdesk-bench"))
# A 1,000,000-row FOCUS export is ~700 MB, over the app's default 512 MiB upload limit; the
# benchmark raises the limit for its own processes (see RESULTS.md, "Findings").
BIG_IMPORT_BYTES = str(16 * 1024**3)


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- timing ----------------------------------------------------------------------------------


def median_of(runs: int, measure: Callable[[int], float]) -> tuple[float, list[float]]:
    """Call ``measure(run_index)`` ``runs`` times; returns the median and every value."""
    values = [measure(i) for i in range(runs)]
    return statistics.median(values), values


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - start)


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def run_child(
    argv: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 7200
) -> ChildRun:
    """Run ``argv`` to completion; wall time and the child's own peak RSS (``os.wait4``)."""
    full_env = {**os.environ, **(env or {})}
    out_path = WORK / f"child-{os.getpid()}.out"
    err_path = WORK / f"child-{os.getpid()}.err"
    WORK.mkdir(parents=True, exist_ok=True)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=full_env, cwd=cwd, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(
        seconds=seconds,
        peak_rss_mib=usage.ru_maxrss / 1024,
        returncode=proc.returncode,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def venv_bin(name: str) -> str:
    """A console script of this environment (``opsdesk``, ``streamlit``)."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)


# --- databases -------------------------------------------------------------------------------


def pg_base_url() -> str:
    """The throwaway Postgres (``scripts/pg-throwaway``), started when needed."""
    url = os.environ.get("BENCH_POSTGRES_URL")
    if url:
        return url
    out = subprocess.run(
        [str(ROOT / "scripts" / "pg-throwaway")], capture_output=True, text=True, check=True
    )
    url = out.stdout.strip().splitlines()[-1]
    os.environ["BENCH_POSTGRES_URL"] = url
    return url


def _pg_admin() -> Any:
    from sqlalchemy import create_engine

    base = pg_base_url().rsplit("/", 1)[0]
    return create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")


def _idle_share(seconds: float) -> float:
    """The share of both cores' time spent idle over the next ``seconds`` (/proc/stat)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)  # idle and iowait, all

    idle, total = sample()
    time.sleep(seconds)
    idle2, total2 = sample()
    return (idle2 - idle) / max(total2 - total, 1)


def settle(postgres: bool, max_seconds: float = 30.0) -> None:
    """Before a figure's runs: let the work the last figure left finish first.

    Postgres writes a large load's pages at its next checkpoint and vacuums the tables it
    filled; the kernel writes dirty pages back. On two cores, any of that landing on a
    half-second planning pass moved it by a third (the first two of five runs, after the
    Postgres delivery figure). Checkpoint and sync now, then wait (at most ``max_seconds``)
    for a second in which the cores were nine-tenths idle.
    """
    if postgres and os.environ.get("BENCH_POSTGRES_URL"):
        from sqlalchemy import text

        engine = _pg_admin()
        try:
            with engine.connect() as conn:
                conn.execute(text("CHECKPOINT"))
        finally:
            engine.dispose()
    os.sync()
    if not Path("/proc/stat").is_file():
        return
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        if _idle_share(1.0) >= 0.9:
            return
    log(f"  still busy after {max_seconds:.0f} s of waiting; measuring anyway")


def fresh_database(kind: str, name: str, *, template: str | None = None) -> str:
    """A new empty database (or a copy of ``template``) named ``name``; returns its URL."""
    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if kind == "sqlite":
        folder = WORK / "db"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if template:
            src = Path(template.split("///", 1)[1])
            _sqlite_copy(src, path)
        return f"sqlite:///{path}"
    from sqlalchemy import text

    engine = _pg_admin()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)'))
            tmpl = ""
            if template:
                tmpl_name = template.rsplit("/", 1)[1]
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": tmpl_name},
                )
                tmpl = f' TEMPLATE "{tmpl_name}"'
            conn.execute(text(f'CREATE DATABASE "bench_{name}"{tmpl}'))
    finally:
        engine.dispose()
    base = pg_base_url().rsplit("/", 1)[0]
    return f"{base}/bench_{name}"


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import text

    engine = _pg_admin()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _sqlite_copy(src: Path, dst: Path) -> None:
    source = sqlite3.connect(src)
    target = sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def database_exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return Path(url.split("///", 1)[1]).is_file()
    from sqlalchemy import text

    engine = _pg_admin()
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :d"),
                {"d": url.rsplit("/", 1)[1]},
            ).first()
        return found is not None
    finally:
        engine.dispose()


# --- machine ---------------------------------------------------------------------------------


def _first_match(path: str, pattern: str) -> str:
    try:
        text = Path(path).read_text()
    except OSError:
        return "unknown"
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def machine_info(postgres: bool = True) -> dict[str, str]:
    mem_kib = _first_match("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    info = {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _first_match("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "memory": f"{int(mem_kib) / 1024**2:.1f} GiB" if mem_kib.isdigit() else "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    from importlib.metadata import PackageNotFoundError, version

    with suppress(PackageNotFoundError):
        info["streamlit / pandas / sqlalchemy / psycopg"] = " / ".join(
            version(name) for name in ("streamlit", "pandas", "sqlalchemy", "psycopg")
        )
    if postgres:
        try:
            from sqlalchemy import text

            engine = _pg_admin()
            with engine.connect() as conn:
                info["postgres"] = str(conn.execute(text("SHOW server_version")).scalar_one())
                info["postgres settings"] = ", ".join(
                    f"{name}={conn.execute(text(f'SHOW {name}')).scalar_one()}"
                    for name in ("fsync", "synchronous_commit", "shared_buffers")
                )
            engine.dispose()
        except Exception as exc:
            info["postgres"] = f"unavailable ({exc.__class__.__name__})"
    try:
        load = os.getloadavg()
        info["load average at start"] = f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except OSError:
        pass
    return info


# --- results ---------------------------------------------------------------------------------


@dataclass
class Figure:
    """One measured figure: a value (median of runs), its baseline and the target on the ratio."""

    key: str  # unique, e.g. "import.sqlite"
    title: str
    database: str
    value: float | None
    unit: str
    runs: list[float] = field(default_factory=list)
    baseline_label: str = ""
    baseline: float | None = None
    baseline_runs: list[float] = field(default_factory=list)
    target: str = ""  # e.g. "ratio <= 1.0"
    limit: float | None = None  # the ratio must be <= limit
    holds: bool | None = None
    notes: str = ""
    measured_at: str = ""
    size: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def judge(self) -> Figure:
        ratio = self.ratio
        if self.limit is not None and ratio is not None:
            self.holds = ratio <= self.limit
        self.measured_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        return self


class Results:
    """Figures keyed by name in results.json, rendered to RESULTS.md after every change.

    Several ``bench.run`` processes may share the file (a SQLite track and a Postgres track run
    side by side): every change re-reads the file under an exclusive lock and merges into it.
    """

    def __init__(self, path: Path = RESULTS_JSON) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self._update(lambda data: None)

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        import fcntl

        with open(f"{self.path}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data: dict[str, Any] = {"machine": {}, "figures": {}, "runs": {}, "sections": {}}
            if self.path.is_file():
                data.update(json.loads(self.path.read_text()))
            change(data)
            self.path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            RESULTS_MD.write_text(render(data))
            self.data = data

    def set_machine(self, info: dict[str, str], command: str) -> None:
        def change(data: dict[str, Any]) -> None:
            data["machine"] = info
            commands = [c for c in data.get("commands", []) if c != command]
            data["commands"] = [*commands, command]
            data["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

        self._update(change)

    def add(self, figure: Figure) -> None:
        row = asdict(figure) | {"ratio": figure.ratio}
        self._update(lambda data: data["figures"].__setitem__(figure.key, row))

    def add_run(self, key: str, value: Any) -> None:
        self._update(lambda data: data["runs"].__setitem__(key, value))

    def section(self, name: str, markdown: str) -> None:
        """Free text for a figure family (findings, checks of the multi-process run)."""
        self._update(lambda data: data["sections"].__setitem__(name, markdown))


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    return f"{value:,.3g} {unit}".strip()


GROUPS = [
    ("import", "Billing import: 1,000,000 FOCUS rows"),
    ("accounts", "Billing import: 100,000 rows over 2,000 billing accounts per provider"),
    ("memory", "Billing import: peak memory as files grow"),
    ("pages", "Page load in a real browser (Chromium), against the empty database"),
    (
        "switches",
        "Page switch in a real browser (a sidebar click to the end of its last script run), "
        "against a bare Streamlit app with the same menu",
    ),
    ("reminders", "Reminder planning"),
    ("delivery", "Slack delivery by two worker processes"),
    ("multiprocess", "Multi-process run on Postgres"),
]


def _pages_table(chosen: dict[str, dict[str, Any]]) -> list[str]:
    """One row per database and page: the empty baseline, then each workspace with its ratio."""
    scales = ["demo", "x10", "x100"]
    rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for f in chosen.values():
        rows.setdefault((f["database"], f["title"]), {})[f["size"]] = f
    lines = [
        "Median load time of each registered page (`ui/navigation.PAGES`), and in brackets its "
        "ratio to the same page over the empty database; target: every ratio <= 2.0.",
        "",
        "| database | page | empty | " + " | ".join(scales) + " | holds |",
        "| --- | --- | --- | " + " | ".join("---" for _ in scales) + " | --- |",
    ]
    notes: list[str] = []
    for (database, page), by_scale in sorted(rows.items()):
        any_fig = next(iter(by_scale.values()))
        cells = []
        holds = True
        for scale in scales:
            f = by_scale.get(scale)
            if f is None:
                cells.append("-")
                continue
            ratio = f.get("ratio")
            holds = holds and bool(f.get("holds"))
            mark = "" if f.get("holds") else " **!**"
            cells.append(f"{f['value']:.2f} s ({'-' if ratio is None else f'{ratio:.2f}'}){mark}")
            if f.get("notes"):
                notes.append(f"- {page} over {scale} ({database}): {f['notes']}")
        lines.append(
            f"| {database} | {page} | {any_fig['baseline']:.2f} s | {' | '.join(cells)} "
            f"| {'yes' if holds else '**NO**'} |"
        )
    return lines + (["", *notes] if notes else [])


def _switches_table(chosen: dict[str, dict[str, Any]]) -> list[str]:
    from bench.switch_table import switches_table

    return switches_table(chosen)


# Figure families with a table of their own; the others share the generic one.
TABLES: dict[str, Callable[[dict[str, dict[str, Any]]], list[str]]] = {
    "pages": _pages_table,
    "switches": _switches_table,
}


def render(data: dict[str, Any]) -> str:
    lines = [
        "# Opsdesk benchmark results",
        "",
        f"Produced by {' and '.join(f'`{c}`' for c in data.get('commands', ['make bench']))} "
        f"(started {data.get('date', '?')}). "
        "Reproduce with `make bench` (full sizes; see `python -m bench.run --help` for smaller "
        "development runs). Every figure is the median of its runs; each ratio divides it by a "
        "baseline measured in the same run on the same machine. Times are wall-clock seconds.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
    ]
    for name, value in data.get("machine", {}).items():
        lines.append(f"| {name} | {value} |")
    figures: dict[str, dict[str, Any]] = data.get("figures", {})
    sections: dict[str, str] = data.get("sections", {})
    for prefix, heading in GROUPS:
        chosen = {k: v for k, v in figures.items() if k.split(".", 1)[0] == prefix}
        if not chosen and prefix not in sections:
            continue
        lines += ["", f"## {heading}", ""]
        if prefix in TABLES and chosen:
            lines += TABLES[prefix](chosen)
        elif chosen:
            lines += [
                "| figure | database | size | median | runs | baseline (median) | ratio "
                "| target | holds |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            for _, f in sorted(chosen.items()):
                ratio = f.get("ratio")
                holds = {True: "yes", False: "**NO**", None: "-"}[f.get("holds")]
                runs = ", ".join(_fmt(v, f["unit"]).split()[0] for v in f.get("runs", []))
                base = (
                    f"{f.get('baseline_label', '')}: {_fmt(f.get('baseline'), f['unit'])}"
                    if f.get("baseline") is not None
                    else "-"
                )
                lines.append(
                    f"| {f['title']} | {f['database']} | {f.get('size', '')} "
                    f"| {_fmt(f.get('value'), f['unit'])} | {runs} | {base} "
                    f"| {'-' if ratio is None else f'{ratio:.2f}'} | {f.get('target') or '-'} "
                    f"| {holds} |"
                )
            notes = [(f["title"], f["database"], f["notes"]) for f in chosen.values() if f["notes"]]
            if notes:
                lines.append("")
                for title, database, note in notes:
                    lines.append(f"- {title} ({database}): {note}")
        if prefix in sections:
            lines += ["", sections[prefix].rstrip()]
    for name, text in sections.items():
        if name not in {p for p, _ in GROUPS}:
            lines += ["", f"## {name}", "", text.rstrip()]
    return "\n".join(lines) + "\n"


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, default=str))


def python_child(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
