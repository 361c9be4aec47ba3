"""`opsdesk import-records drift-policies FILE`: one drift policy per row, all rows or none.

Columns (header row, UTF-8 CSV):

| column | required | meaning |
| --- | --- | --- |
| model | yes | an existing model's name |
| metric | yes | the monitored metric as the tool names it (one policy per model and metric) |
| warning_threshold | yes | a number |
| critical_threshold | yes | a number, beyond the warning one in the bad direction |
| action | yes | alert_only, retrain, roll_back or suspend (what a critical breach does) |
| direction | no | above (blank: a higher value is worse) or below |
| owner_email | no | email of an existing Person who gets the breaches |
| approver_email | no | email of an existing Person who approved the thresholds |
| runbook_url | no | an http(s) link |
| review_by | no | YYYY-MM-DD, the policy's next review |
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from db.models import Model
from services.access.access import Actor
from services.governance.drift import PolicyInput, new_policy
from services.record_imports import RecordError, Row
from services.record_imports.vendors import governance_owner_id

KIND = "drift-policies"
PERMISSION = "drift.edit"
REQUIRED = ("model", "metric", "warning_threshold", "critical_threshold", "action")
ACTION_WORDS = {
    "alert": "alert_only",
    "alert only": "alert_only",
    "rollback": "roll_back",
    "roll back": "roll_back",
}


def _number(row: int, values: dict[str, str], column: str) -> float:
    try:
        return float(values[column])
    except ValueError:
        raise RecordError(row, column, f"{values[column]!r} is not a number") from None


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    for number, values in rows:
        model = session.exec(select(Model).where(Model.name == values["model"])).first()
        if model is None or model.id is None:
            raise RecordError(number, "model", f"unknown model {values['model']!r}")
        review_by = None
        if values.get("review_by"):
            try:
                review_by = date.fromisoformat(values["review_by"])
            except ValueError:
                raise RecordError(number, "review_by", "use YYYY-MM-DD") from None
        action = values["action"].strip().lower()
        data = PolicyInput(
            model_id=model.id,
            metric=values["metric"],
            warning_threshold=_number(number, values, "warning_threshold"),
            critical_threshold=_number(number, values, "critical_threshold"),
            direction=values.get("direction", "").lower() or "above",
            action=ACTION_WORDS.get(action, action.replace(" ", "_")),
            owner_id=governance_owner_id(session, number, values, "owner_email", "drift policies"),
            approver_id=governance_owner_id(
                session, number, values, "approver_email", "drift policies"
            ),
            runbook_url=values.get("runbook_url") or None,
            review_by=review_by,
        )
        try:
            new_policy(session, actor, data)
        except ValueError as exc:
            raise RecordError(number, None, str(exc)) from None
    return len(rows)
