"""Which statuses count as open, written once for every service, page and reminder that asks.

The full lists of allowed values are the database's (``db.models.ACTION_STATUSES``,
``TICKET_STATUSES``); these are the subsets the product treats as still needing someone.
"""

from __future__ import annotations

# An action item is open until it is done or dropped.
OPEN_ACTION_STATUSES: tuple[str, ...] = ("open", "in_progress", "waiting", "blocked")

# A ticket is open until it is resolved or closed, whoever it waits on.
OPEN_TICKET_STATUSES: tuple[str, ...] = ("open", "waiting_on_vendor", "waiting_on_us")

# The vendor's SLA clock runs only while the ticket waits on the vendor (DESIGN.md).
SLA_CLOCK_STATUSES: tuple[str, ...] = ("open", "waiting_on_vendor")
