"""Labels for delivery's stored values."""

from __future__ import annotations

from services.core.choices import Choices

NOTIFICATION_STATUS = Choices(
    "delivery status",
    {
        "queued": "Queued",
        "sending": "Sending",
        "sent": "Sent",
        "failed": "Failed",
        "cancelled": "Cancelled",
    },
)
CHANNEL = Choices("channel", {"slack": "Slack", "google_calendar": "Google Calendar"})
