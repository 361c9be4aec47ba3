"""Labels for meetings' and action items' stored values."""

from __future__ import annotations

from services.core.choices import Choices

ACTION_STATUS = Choices(
    "status",
    {
        "open": "Open",
        "in_progress": "In progress",
        "waiting": "Waiting",
        "blocked": "Blocked",
        "done": "Done",
        "dropped": "Dropped",
    },
)
ACTION_PRIORITY = Choices(
    "priority", {"low": "Low", "medium": "Medium", "high": "High", "urgent": "Urgent"}
)
AGENDA_STATUS = Choices("agenda status", {"open": "Open", "done": "Done", "dropped": "Dropped"})
MEETING_STATUS = Choices(
    "meeting status", {"scheduled": "Scheduled", "cancelled": "Cancelled", "done": "Done"}
)
