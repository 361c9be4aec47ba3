"""The version of the coordination data: a memo key for the review board and My follow-ups."""

from __future__ import annotations

from db.engine import Database
from db.models import ActionItem, AuditEvent, Person, Team
from services.core.versions import read_version, shape, top_id


def data_version(db: Database) -> tuple[int, ...]:
    """Changes whenever the board or a person's action items would read differently on the same
    day: an action item's status, owner or due date, a person's or team's name, a meeting's
    title, a deletion. Every service write records an audit event; the shapes of the tables
    catch rows written without one (a bulk load). Counting 50,000 items by their index costs a
    few milliseconds, the board's own queries tens."""
    return read_version(
        db,
        [
            *shape(ActionItem),
            *shape(Person),
            *shape(Team, versioned=False),
            top_id(AuditEvent),
        ],
    )
