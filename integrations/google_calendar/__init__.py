"""Google Calendar, in Opsdesk's words: put an event in the calendar, change it, cancel it.

Event ids are chosen by us from the outbox key (``event_id_for``), so a retried insert can never
create a second event. The real adapter (``integrations.google_calendar.api``) wraps
google-api-python-client; the fake (``integrations.google_calendar.fake``) keeps events in memory.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

EVENT_ID_PATTERN = r"^[a-v0-9]{5,1024}$"
# Stored on every event we create, so a 409 can be told apart from someone else's event.
KEY_PROPERTY = "opsdesk_key"


# base32hex digits, lowercase, two at a time: ten bits per lookup.
_B32HEX = "0123456789abcdefghijklmnopqrstuv"
_B32HEX_PAIRS = [a + b for a in _B32HEX for b in _B32HEX]


def event_id_for(key: str) -> str:
    """A Calendar event id for an outbox key: base32hex of its SHA-256, lowercase (a-v, 0-9),
    unpadded: ``base64.b32hexencode(digest).decode().rstrip("=").lower()``, worked out from the
    digest as one number (base64's encoder loops in Python; a planning pass names thousands
    of events)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    # 256 bits, padded with four zero bits to 52 digits of five bits, as base32 pads them.
    bits = int.from_bytes(digest, "big") << 4
    return "".join([_B32HEX_PAIRS[(bits >> shift) & 1023] for shift in range(250, -1, -10)])


class CalendarError(Exception):
    """Base of every error the calendar gateway raises; permanent for this change."""


class CalendarBusy(CalendarError):
    """Rate limited or a server error that outlasted our backoff; try again later."""


class QuotaExceeded(CalendarError):
    """The project's usage limit is used up: pause Google for hours, drop nothing."""


class ReconnectNeeded(CalendarError):
    """The credentials no longer work (``invalid_grant``): an admin must reconnect Google."""


class DeletedInGoogle(CalendarError):
    """Someone deleted our event in Google; we do not re-create it silently."""


# Google documents no limit in the Calendar API reference; in practice descriptions longer than
# 8,192 characters fail or are cut (as Nylas's provider notes record). Counted after the HTML
# escaping the adapter applies, since that is the text Google receives.
DESCRIPTION_LIMIT_CHARS = 8192


def sent_description_length(description: str) -> int:
    """Characters Google receives for ``description`` (the adapter escapes it for HTML)."""
    return len(html.escape(description, quote=False))


@dataclass(frozen=True)
class CalendarEvent:
    """An event as Opsdesk describes it; times are aware, ``timezone`` an IANA name."""

    event_id: str
    key: str
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    attendees: tuple[str, ...] = ()
    location: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class CalendarGateway(Protocol):
    """What Opsdesk needs from a calendar."""

    def check(self) -> str:
        """The calendar's name; raises ReconnectNeeded when the credentials are dead."""
        ...

    def insert(self, event: CalendarEvent) -> str:
        """Create the event (invitations sent); returns its id. Idempotent on the event id."""
        ...

    def patch(self, event: CalendarEvent) -> str:
        """Bring the existing event in line with ``event`` (attendees get one update)."""
        ...

    def cancel(self, event_id: str) -> None:
        """Cancel the event (attendees told); an event already gone is fine."""
        ...
