"""`opsdesk import-records tickets FILE`: one vendor support ticket per row.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| vendor | yes | an existing vendor's name or alias |
| vendor_ticket_id | yes | the vendor's own ticket or case id (unique per vendor) |
| title | yes | what the ticket is about |
| severity | yes | critical, high, medium (blank) or low |
| status | yes | open (blank), waiting_on_vendor, waiting_on_us, resolved or closed |
| opened_at | yes | ISO date-time; without an offset it is read in the workspace time zone |
| last_vendor_update_at | no | ISO date-time of the vendor's last answer |
| owner_email | no | email of an existing Person who follows the ticket up |
| notes | no | free text |

The SLA and escalation path come from the vendor's contract, not from this file.
"""

from __future__ import annotations

from sqlmodel import Session

from db.models import TICKET_SEVERITIES, TICKET_STATUSES
from services.access.access import Actor
from services.core.records import InvalidRecord, check_choice
from services.record_imports import RecordError, Row
from services.record_imports.vendors import checked_column, parse_datetime, person_id, vendor_id
from services.vendors.tickets import TicketInput, new_ticket
from settings import get_settings

KIND = "tickets"
PERMISSION = "tickets.edit"
REQUIRED = ("vendor", "vendor_ticket_id", "title", "severity", "status", "opened_at")


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    tz = get_settings().tz
    for number, values in rows:
        severity = values["severity"].lower() or "medium"
        status = values["status"].lower() or "open"
        checked_column(number, "severity", check_choice, severity, TICKET_SEVERITIES, "severity")
        checked_column(number, "status", check_choice, status, TICKET_STATUSES, "status")
        opened = parse_datetime(number, values, "opened_at", tz)
        assert opened is not None
        data = TicketInput(
            vendor_id=vendor_id(session, number, values),
            vendor_ticket_id=values["vendor_ticket_id"],
            title=values["title"],
            opened_at=opened,
            severity=severity,
            status=status,
            last_vendor_update_at=parse_datetime(
                number, values, "last_vendor_update_at", tz, optional=True
            ),
            owner_id=person_id(session, number, values, "owner_email"),
            notes=values.get("notes", ""),
        )
        try:
            new_ticket(session, actor, data)
        except InvalidRecord as exc:
            raise RecordError(number, None, str(exc)) from None
    return len(rows)
