"""`opsdesk import-records incidents FILE`: one incident per row, all rows or none.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| title | yes | what happened |
| model | yes | an existing model's name; several separated by `;` |
| category | yes | one of the five categories below |
| aware_at | yes | when we became aware, ISO 8601 with an offset (`2026-10-23T19:30+02:00`) |
| severity | no | low, medium, high (blank) or critical |
| description | no | free text |
| occurred_at | no | ISO 8601 with an offset |
| causal_link_at | no | ISO 8601 with an offset |
| owner_email | no | email of an existing Person who owns the incident |
| vendors | no | vendor names or aliases separated by `;` (a model's vendor is added anyway) |

Categories: death, critical_infrastructure, widespread_infringement, other_serious and
not_serious; people's words are accepted too ("fatal", "critical infrastructure", "minor").
The clocks run from ``aware_at``. A serious incident sets off what recording one on the Incidents
page does: the notice to the provider, the vendor ticket, the review meeting and the evidence
hold.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from db.models import INCIDENT_SEVERITIES, Model
from services.access.access import Actor
from services.core.clock import session_now
from services.governance.incidents import IncidentInput, new_incident, parse_category
from services.record_imports import RecordError, Row
from services.record_imports.vendors import governance_owner_id, vendor_id
from settings import get_settings

KIND = "incidents"
PERMISSION = "incidents.edit"
REQUIRED = ("title", "model", "category", "aware_at")


def with_offset(row: int, values: dict[str, str], column: str) -> datetime | None:
    text = values.get(column, "")
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(row, column, f"{text!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise RecordError(row, column, f"{text!r} has no offset (add +02:00, Z, ...)")
    return value


def model_ids(session: Session, row: int, text: str) -> list[int]:
    ids = []
    for name in (n.strip() for n in text.split(";")):
        if not name:
            continue
        model = session.exec(select(Model).where(Model.name == name)).first()
        if model is None or model.id is None:
            raise RecordError(row, "model", f"unknown model {name!r}")
        ids.append(model.id)
    if not ids:
        raise RecordError(row, "model", "name at least one model")
    return ids


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    tz = get_settings().tz
    now = session_now(session)  # the clock of the command that runs the import
    for number, values in rows:
        try:
            category = parse_category(values["category"])
        except ValueError as exc:
            raise RecordError(number, "category", str(exc)) from None
        severity = values.get("severity", "").lower() or "high"
        if severity not in INCIDENT_SEVERITIES:
            raise RecordError(number, "severity", f"use one of {', '.join(INCIDENT_SEVERITIES)}")
        aware = with_offset(number, values, "aware_at")
        if aware is None:
            raise RecordError(number, "aware_at", "required")
        vendors = [
            vendor_id(session, number, {"vendors": v.strip()}, "vendors")
            for v in values.get("vendors", "").split(";")
            if v.strip()
        ]
        data = IncidentInput(
            title=values["title"],
            category=category,
            aware_at=aware,
            model_ids=model_ids(session, number, values["model"]),
            severity=severity,
            description=values.get("description", ""),
            occurred_at=with_offset(number, values, "occurred_at"),
            causal_link_at=with_offset(number, values, "causal_link_at"),
            vendor_ids=vendors,
            owner_id=governance_owner_id(session, number, values, "owner_email", "incidents"),
        )
        try:
            new_incident(session, actor, data, now=now, tz=tz)
        except ValueError as exc:
            raise RecordError(number, None, str(exc)) from None
    return len(rows)
