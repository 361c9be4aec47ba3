"""A calendar in memory: events by id, with the same 409 and deleted-event behaviour as Google."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.google_calendar import (
    CalendarError,
    CalendarEvent,
    DeletedInGoogle,
    ReconnectNeeded,
)


@dataclass
class FakeCalendarGateway:
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates_sent: list[tuple[str, str]] = field(default_factory=list)  # (event id, what)
    dead_credentials: bool = False

    def check(self) -> str:
        if self.dead_credentials:
            raise ReconnectNeeded("invalid_grant")
        return "Fake calendar"

    def insert(self, event: CalendarEvent) -> str:
        self.check()
        existing = self.events.get(event.event_id)
        if existing is not None:
            if existing["status"] == "cancelled":
                raise DeletedInGoogle(f"event {event.event_id} was deleted in Google")
            if existing["key"] != event.key:
                raise CalendarError(f"event id {event.event_id} belongs to another event")
            return event.event_id
        self.events[event.event_id] = {"status": "confirmed", "key": event.key, "event": event}
        self.updates_sent.append((event.event_id, "invite"))
        return event.event_id

    def patch(self, event: CalendarEvent) -> str:
        self.check()
        existing = self.events.get(event.event_id)
        if existing is None or existing["status"] == "cancelled":
            raise DeletedInGoogle(f"event {event.event_id} was deleted in Google")
        existing["event"] = event
        self.updates_sent.append((event.event_id, "update"))
        return event.event_id

    def cancel(self, event_id: str) -> None:
        self.check()
        existing = self.events.get(event_id)
        if existing is not None and existing["status"] != "cancelled":
            existing["status"] = "cancelled"
            self.updates_sent.append((event_id, "cancel"))
