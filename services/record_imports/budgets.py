"""`opsdesk import-records budgets FILE`: budgets from a spreadsheet.

Columns: name, scope (team or vendor), target (the team's or vendor's name), amount, and
optionally period (monthly or yearly, default monthly), currency (default USD), thresholds
(percent list such as ``50,75,90,100``) and starts_on (YYYY-MM-DD, default this month).
"""

from __future__ import annotations

from sqlmodel import Session, func, select

from db.models import Budget, Team, Vendor
from services.access import audit
from services.access.access import Actor
from services.core.clock import session_today
from services.record_imports import RecordError, Row
from services.spend.budget_fields import clean_fields

KIND = "budgets"
PERMISSION = "budgets.edit"
REQUIRED = ("name", "scope", "target", "amount")
OPTIONAL = ("period", "currency", "thresholds", "starts_on")


def import_rows(session: Session, actor: Actor, rows: list[Row]) -> int:
    count = 0
    for number, values in rows:
        extra = sorted(set(values) - set(REQUIRED) - set(OPTIONAL))
        if extra:
            raise RecordError(
                number, extra[0], "unknown column: budgets take " + ", ".join(REQUIRED + OPTIONAL)
            )
        scope = values["scope"].strip().lower()
        target = values["target"].strip()
        fields: dict[str, object] = {
            "name": values["name"],
            "scope": scope,
            "amount": values["amount"],
            "period": values.get("period") or "monthly",
            "currency": values.get("currency") or "USD",
            "thresholds": values.get("thresholds") or "",
            "starts_on": values.get("starts_on")
            or session_today(session).replace(day=1).isoformat(),
        }
        if scope == "team":
            team = session.exec(select(Team).where(func.lower(Team.name) == target.lower())).first()
            if team is None:
                raise RecordError(number, "target", f"no team named {target!r}")
            fields["team_id"] = team.id
        elif scope == "vendor":
            vendor = session.exec(
                select(Vendor).where(func.lower(Vendor.name) == target.lower())
            ).first()
            if vendor is None:
                raise RecordError(number, "target", f"no vendor named {target!r}")
            fields["vendor_id"] = vendor.id
        try:
            clean = clean_fields(fields)
        except ValueError as exc:
            raise RecordError(number, None, str(exc)) from None
        budget = Budget(**clean)
        session.add(budget)
        session.flush()
        audit.record(session, actor, "create", "budget", budget.id, after=audit.snapshot(budget))
        count += 1
    return count
