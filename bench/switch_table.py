"""The switches figures in RESULTS.md: a summary per database and workspace, then every page."""

from __future__ import annotations

from typing import Any

SIZES = ["demo", "x100"]


def _cell(f: dict[str, Any] | None) -> str:
    if f is None:
        return "-"
    ratio = f.get("ratio")
    mark = "" if f.get("holds") else " **!**"
    shown = "-" if ratio is None else f"{ratio:.2f}"
    return f"{f['value'] * 1000:.0f} / {f['baseline'] * 1000:.0f} ms ({shown}){mark}"


def switches_table(chosen: dict[str, dict[str, Any]]) -> list[str]:
    summary = {k: f for k, f in chosen.items() if k.rsplit(".", 1)[1].startswith("~")}
    pages = {k: f for k, f in chosen.items() if k not in summary}
    lines = [
        "Median time from a click on a sidebar link to the end of the last script run it "
        "caused (the app's `script_finished` message or its switch to `notRunning`, whichever "
        "is later), Opsdesk / the bare app, and in brackets the ratio. Targets: the median of "
        "every switch <= 1.6 times the bare app's, every page's median <= 2.2 times the bare "
        "app's for that page.",
        "",
        "| database | workspace | figure | Opsdesk / bare (ratio) | switches | target | holds |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for _, f in sorted(summary.items()):
        holds = {True: "yes", False: "**NO**", None: "-"}[f.get("holds")]
        lines.append(
            f"| {f['database']} | {f['size']} | {f['title']} | {_cell(f)} | {len(f['runs'])} "
            f"| {f['target']} | {holds} |"
        )
    rows: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for f in pages.values():
        rows.setdefault((f["database"], f["title"]), {})[f["size"]] = f
    lines += [
        "",
        "| database | page | " + " | ".join(SIZES) + " | holds |",
        "| --- | --- | " + " | ".join("---" for _ in SIZES) + " | --- |",
    ]
    notes: list[str] = []
    for (database, page), by_size in sorted(rows.items()):
        every = all(bool(f.get("holds")) for f in by_size.values())
        cells = " | ".join(_cell(by_size.get(size)) for size in SIZES)
        lines.append(f"| {database} | {page} | {cells} | {'yes' if every else '**NO**'} |")
        notes += [
            f"- {page} over {size} ({database}): {f['notes']}"
            for size, f in by_size.items()
            if f.get("notes")
        ]
    return lines + (["", *notes] if notes else [])
