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
# Every kind of notification the outbox holds. outbox.notification_values refuses any other,
# so a new kind cannot reach the Delivery log without a name people read.
NOTIFICATION_KIND = Choices(
    "notification kind",
    {
        "action_item": "Action item reminder",
        "contract": "Cancellation deadline reminder",
        "renewal_urgent": "Renewal decision due now",
        "ticket_sla": "Vendor ticket past SLA",
        "meeting_agenda": "Agenda check",
        "meeting_invite": "Calendar invite",
        "meeting_update": "Calendar update",
        "meeting_cancel": "Calendar cancellation",
        "budget_threshold": "Budget threshold crossed",
        "incident_recorded": "Incident recorded",
        "incident_owner": "Incident handed over",
        "incident_deadline": "Incident report deadline",
        "obligation_due": "Obligation due",
        "evidence_missing": "Evidence missing",
        "evidence_expiry": "Evidence expiring",
        "drift_review": "Drift policy review",
        "model_card": "Model cards to refresh",
        "integration_alert": "Integration alert",
        "test_message": "Test message",
    },
)
