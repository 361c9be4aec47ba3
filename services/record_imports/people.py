"""`opsdesk import-records people FILE`: name, email, team (+ timezone, country, slack_user_id,
internal).

Teams named in the file are created when missing. Only the known columns are read; a column such
as ``role`` or ``archived`` in the file is ignored.
"""

from __future__ import annotations

from sqlmodel import Session

from services.access.access import Actor
from services.coordination.people import add_person_in, person_for_email, team_by_name
from services.record_imports import RecordError, Row

KIND = "people"
PERMISSION = "people.edit"
REQUIRED = ("name", "email", "team")
_FALSE = {"0", "false", "no", "n", "vendor", "external"}


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    seen: dict[str, int] = {}
    for number, values in rows:
        email = values.get("email", "").strip().lower()
        if email in seen:
            raise RecordError(number, "email", f"{email} is also on row {seen[email]}")
        seen[email] = number
        if email and person_for_email(session, email) is not None:
            raise RecordError(number, "email", f"{email} is already someone's email")
        try:
            team = team_by_name(session, actor, values.get("team", ""), create=True)
            add_person_in(
                session,
                actor,
                name=values.get("name", ""),
                email=email,
                team_id=team.id if team else None,
                timezone=values.get("timezone") or None,
                country=values.get("country") or None,
                slack_user_id=values.get("slack_user_id") or None,
                is_internal=values.get("internal", "").strip().lower() not in _FALSE,
            )
        except ValueError as exc:
            text = str(exc)
            column = (
                "email"
                if "email" in text
                else "timezone"
                if "time zone" in text
                else "country"
                if "country code" in text
                else "name"
            )
            raise RecordError(number, column, str(exc)) from exc
    return len(rows)
