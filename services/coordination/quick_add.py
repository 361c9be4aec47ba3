"""Quick add: one typed line (``Send DPA @ana@example.com due:fri !high``) read into the parts
of an action item. The title is checked where the item is created (actions.quick_add)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from db.models import ACTION_PRIORITIES

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_due(word: str, today: date) -> date:
    word = word.lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word[:3] in _WEEKDAYS and word in {
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    }:
        ahead = (_WEEKDAYS.index(word[:3]) - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    try:
        return date.fromisoformat(word)
    except ValueError as exc:
        raise ValueError(
            f"due date {word!r}: use YYYY-MM-DD, today, tomorrow or a weekday"
        ) from exc


@dataclass(frozen=True)
class QuickAdd:
    title: str
    owner_email: str | None
    due_date: date | None
    priority: str


def parse_quick_add(text: str, today: date) -> QuickAdd:
    """``Send DPA to legal @ana@example.com due:fri !high`` -> title, owner, due date, priority."""
    owner: str | None = None
    due: date | None = None
    priority = "medium"
    words: list[str] = []
    for word in (text or "").split():
        lowered = word.lower()
        if word.startswith("@") and len(word) > 1:
            owner = word[1:]
        elif lowered.startswith("due:") and len(word) > 4:
            due = _parse_due(word[4:], today)
        elif word.startswith("!") and lowered[1:] in ACTION_PRIORITIES:
            priority = lowered[1:]
        else:
            words.append(word)
    return QuickAdd(" ".join(words).strip(), owner, due, priority)


def with_priority(text: str, priority: str) -> str:
    """A quick-add line with ``priority`` unless the line already names one (``!high``)."""
    return text if "!" in text else f"{text} !{priority}"
