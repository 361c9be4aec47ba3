"""A meeting's calendar description: its agenda, cut to fit Google's limit, and a link back.

The link to the meeting in Opsdesk (``OPSDESK_APP_URL``) is always kept; when the agenda does
not fit, whole items are dropped from the end and a line says how many, so nobody reads a
half-cut item as the last one.
"""

from __future__ import annotations

from collections.abc import Sequence

from integrations.google_calendar import DESCRIPTION_LIMIT_CHARS, sent_description_length


def _compose(lines: Sequence[str], left_out: int, link: str) -> str:
    agenda = "Agenda:\n" + "\n".join(lines) if lines or left_out else ""
    if left_out:
        agenda += f"\n… {left_out} more agenda item(s): see the full agenda in Opsdesk"
    return (f"{agenda}\n\n" if agenda else "") + f"Opsdesk: {link}"


def calendar_description(
    titles: Sequence[str], link: str, limit: int = DESCRIPTION_LIMIT_CHARS
) -> str:
    """``Agenda:`` and one ``- title`` line per item, then ``Opsdesk: <link>``, within ``limit``
    characters as Google receives them."""
    lines = [f"- {title}" for title in titles]
    full = _compose(lines, 0, link)
    # HTML escaping makes a character at most five ("&amp;"): a short text fits unmeasured.
    if len(full) * 5 <= limit or sent_description_length(full) <= limit:
        return full
    shown: list[str] = []
    for index, line in enumerate(lines):
        if sent_description_length(_compose([*shown, line], len(lines) - index - 1, link)) > limit:
            break
        shown.append(line)
    if not shown:
        # Even the first item is too long on its own: show as much of it as fits.
        first = lines[0]
        left_out = len(lines) - 1
        while first and sent_description_length(_compose([first + "…"], left_out, link)) > limit:
            first = first[: len(first) - max(1, len(first) // 8)]
        shown = [first + "…"] if first else []
    return _compose(shown, len(lines) - len(shown), link)
