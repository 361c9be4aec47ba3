"""Agenda templates: the built-in ones and the team's own; a template is a list of topics."""

from __future__ import annotations

from sqlmodel import Session, select

from db.engine import Database
from db.models import (
    AgendaTemplate,
)
from services.access import audit
from services.access.access import Actor, can, require

BUILTIN_TEMPLATES: dict[str, list[str]] = {
    "Weekly platform sync": [
        "Incidents and on-call since last week",
        "Training and serving capacity",
        "Vendor and contract updates",
        "Open action items",
    ],
    "Vendor quarterly review": [
        "Usage and seats against contract",
        "Support tickets and SLA",
        "Spend against budget",
        "Roadmap and requests",
        "Commercial terms",
    ],
    "Renewal decision": [
        "Current terms and cancellation deadline",
        "Usage, seats and spend",
        "Alternatives considered",
        "Decision: renew, renegotiate or cancel",
    ],
}


def ensure_builtin_templates(session: Session) -> None:
    existing = set(session.exec(select(AgendaTemplate.name)).all())
    for name, items in BUILTIN_TEMPLATES.items():
        if name not in existing:
            session.add(AgendaTemplate(name=name, items="\n".join(items), builtin=True))
    session.flush()


def list_templates(db: Database, actor: Actor) -> list[AgendaTemplate]:
    require(db, actor, "meetings.read")
    with db.read() as s:
        rows = list(s.exec(select(AgendaTemplate).order_by(AgendaTemplate.name)).all())
    names = {t.name for t in rows}
    missing = [n for n in BUILTIN_TEMPLATES if n not in names]
    if missing and can(actor, "meetings.edit"):
        with db.write() as s:
            ensure_builtin_templates(s)
            rows = list(s.exec(select(AgendaTemplate).order_by(AgendaTemplate.name)).all())
    elif missing:
        rows += [
            AgendaTemplate(id=None, name=n, items="\n".join(BUILTIN_TEMPLATES[n]), builtin=True)
            for n in missing
        ]
    return rows


def create_template(db: Database, actor: Actor, name: str, items: str) -> AgendaTemplate:
    require(db, actor, "meetings.edit", record_type="agendatemplate")
    name = (name or "").strip()
    lines = [line.strip() for line in (items or "").splitlines() if line.strip()]
    if not name:
        raise ValueError("a template needs a name")
    if not lines:
        raise ValueError("a template needs at least one agenda item (one per line)")
    if any(len(line) > 300 for line in lines):
        raise ValueError("an agenda item is at most 300 characters")
    with db.write() as s:
        if s.exec(select(AgendaTemplate).where(AgendaTemplate.name == name)).first():
            raise ValueError(f"a template named {name!r} already exists")
        template = AgendaTemplate(name=name, items="\n".join(lines), builtin=False)
        s.add(template)
        s.flush()
        audit.record(
            s, actor, "create", "agendatemplate", template.id, after=audit.snapshot(template)
        )
        return template


def template_items(session: Session, template_id: int | None) -> list[str]:
    if template_id is None:
        return []
    template = session.get(AgendaTemplate, template_id)
    if template is None:
        raise ValueError(f"no agenda template {template_id}")
    return [line.strip() for line in template.items.splitlines() if line.strip()]
