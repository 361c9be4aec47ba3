"""Meetings: one-offs and series, attendees, agenda templates, minutes, decisions, carry-over.

One module a seam: ``create`` (one-off meetings, attendees, moving one), ``series`` (recurring
series and their occurrences), ``carry_over`` (opening the next meeting with what is unfinished),
``agenda`` (items, minutes, decisions, status), ``templates``, ``facts`` (the vendor-facts agenda
item) and ``reading`` (the list and one meeting's workspace). Callers use this package's names.
"""

from services.coordination.meetings.agenda import (
    AGENDA_STATUSES,
    add_agenda_item,
    apply_template,
    record_agenda_item,
    save_meeting_minutes,
    set_meeting_status,
)
from services.coordination.meetings.carry_over import CarryResult, open_next_meeting
from services.coordination.meetings.create import (
    Attendees,
    add_attendees,
    create_meeting,
    remove_attendee,
    reschedule_meeting,
)
from services.coordination.meetings.facts import VENDOR_FACTS_TITLE, vendor_facts
from services.coordination.meetings.reading import (
    AgendaRow,
    MeetingActionRow,
    MeetingDetail,
    MeetingRow,
    contract_choices,
    list_meetings,
    local_time,
    meeting_detail,
    vendor_choices,
)
from services.coordination.meetings.series import MATERIALIZE_DAYS, create_series
from services.coordination.meetings.templates import (
    BUILTIN_TEMPLATES,
    create_template,
    ensure_builtin_templates,
    list_templates,
)

__all__ = [
    "AGENDA_STATUSES",
    "BUILTIN_TEMPLATES",
    "MATERIALIZE_DAYS",
    "VENDOR_FACTS_TITLE",
    "AgendaRow",
    "Attendees",
    "CarryResult",
    "MeetingActionRow",
    "MeetingDetail",
    "MeetingRow",
    "add_agenda_item",
    "add_attendees",
    "apply_template",
    "contract_choices",
    "create_meeting",
    "create_series",
    "create_template",
    "ensure_builtin_templates",
    "list_meetings",
    "list_templates",
    "local_time",
    "meeting_detail",
    "open_next_meeting",
    "record_agenda_item",
    "remove_attendee",
    "reschedule_meeting",
    "save_meeting_minutes",
    "set_meeting_status",
    "vendor_choices",
    "vendor_facts",
]
