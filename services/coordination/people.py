"""People and teams: who owns work and attends meetings."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from db.engine import Database
from db.models import Person, Team
from services.access import audit
from services.access.access import Actor, require
from services.core.emails import check_one
from services.core.records import check_version
from services.core.workdays import check_country

# Fields a person form may set; anything else a caller passes is ignored (mass assignment).
PERSON_FIELDS = (
    "name",
    "email",
    "team_id",
    "timezone",
    "country",
    "slack_user_id",
    "is_internal",
    "is_lead",
)


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str
    team: str
    team_id: int | None
    timezone: str
    slack_user_id: str
    is_internal: bool
    is_lead: bool
    archived: bool
    version: int


def clean_email(email: str) -> str:
    """A person's one address, checked by email-validator (a pasted list is refused)."""
    return check_one(email)


def _clean_timezone(tz: str | None) -> str | None:
    if not tz:
        return None
    try:
        ZoneInfo(tz.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {tz!r}: use an IANA name such as Europe/Berlin"
        ) from exc
    return tz.strip()


def person_for_email(session: Session, email: str) -> Person | None:
    """The Person whose email matches (case-insensitively), archived or not."""
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def team_by_name(session: Session, actor: Actor, name: str, *, create: bool) -> Team | None:
    name = name.strip()
    if not name:
        return None
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None and create:
        team = Team(name=name)
        session.add(team)
        session.flush()
        audit.record(session, actor, "create", "team", team.id, after=audit.snapshot(team))
    return team


def list_teams(db: Database, actor: Actor, *, include_archived: bool = False) -> list[Team]:
    require(db, actor, "people.read")
    with db.read() as s:
        q = select(Team).order_by(Team.name)
        if not include_archived:
            q = q.where(col(Team.archived).is_(False))
        return list(s.exec(q).all())


def create_team(db: Database, actor: Actor, name: str) -> Team:
    require(db, actor, "people.edit", record_type="team")
    name = (name or "").strip()
    if not name:
        raise ValueError("a team needs a name")
    if len(name) > 120:
        raise ValueError("a team name is at most 120 characters")
    with db.write() as s:
        if s.exec(select(Team).where(Team.name == name)).first():
            raise ValueError(f"a team named {name!r} already exists")
        team = team_by_name(s, actor, name, create=True)
        assert team is not None
        return team


def set_team_archived(db: Database, actor: Actor, team_id: int, archived: bool) -> Team:
    require(db, actor, "people.edit", record_type="team", record_id=team_id)
    with db.write() as s:
        team = s.get(Team, team_id)
        if team is None:
            raise ValueError(f"no team {team_id}")
        before = audit.snapshot(team)
        team.archived = archived
        s.add(team)
        audit.record(
            s,
            actor,
            "archive" if archived else "restore",
            "team",
            team_id,
            before=before,
            after=audit.snapshot(team),
        )
        return team


def list_people(
    db: Database, actor: Actor, *, include_archived: bool = False, internal_only: bool = False
) -> list[PersonRow]:
    require(db, actor, "people.read")
    with db.read() as s:
        q = select(Person, Team.name).join(Team, col(Team.id) == Person.team_id, isouter=True)
        if not include_archived:
            q = q.where(col(Person.archived).is_(False))
        if internal_only:
            q = q.where(col(Person.is_internal).is_(True))
        rows = s.exec(q.order_by(Person.name)).all()
    return [
        PersonRow(
            id=p.id or 0,
            name=p.name,
            email=p.email,
            team=team or "",
            team_id=p.team_id,
            timezone=p.timezone or "",
            slack_user_id=p.slack_user_id or "",
            is_internal=p.is_internal,
            is_lead=p.is_lead,
            archived=p.archived,
            version=p.version,
        )
        for p, team in rows
    ]


def _validated(values: dict[str, object]) -> dict[str, object]:
    out = {k: v for k, v in values.items() if k in PERSON_FIELDS}
    if "name" in out:
        name = str(out["name"] or "").strip()
        if not name:
            raise ValueError("a person needs a name")
        if len(name) > 200:
            raise ValueError("a name is at most 200 characters")
        out["name"] = name
    if "email" in out:
        out["email"] = clean_email(str(out["email"]))
    if "timezone" in out:
        out["timezone"] = _clean_timezone(out["timezone"])  # type: ignore[arg-type]
    if "country" in out:
        country = str(out["country"] or "").strip()
        out["country"] = check_country(country) if country else None
    if "slack_user_id" in out:
        out["slack_user_id"] = str(out["slack_user_id"] or "").strip() or None
    return out


def add_person_in(session: Session, actor: Actor, **values: object) -> Person:
    """Create a person inside an open write transaction (used by the page and the import)."""
    data = _validated(values)
    if "name" not in data or "email" not in data:
        raise ValueError("a person needs a name and an email")
    if person_for_email(session, str(data["email"])) is not None:
        raise ValueError(f"{data['email']} is already someone's email")
    if data.get("team_id") is not None and session.get(Team, data["team_id"]) is None:
        raise ValueError("that team does not exist")
    person = Person(**data)  # type: ignore[arg-type]
    session.add(person)
    session.flush()
    audit.record(session, actor, "create", "person", person.id, after=audit.snapshot(person))
    return person


def add_person(db: Database, actor: Actor, **values: object) -> Person:
    require(db, actor, "people.edit", record_type="person")
    with db.write() as s:
        return add_person_in(s, actor, **values)


def update_person(
    db: Database, actor: Actor, person_id: int, *, expected_version: int, **values: object
) -> Person:
    require(db, actor, "people.edit", record_type="person", record_id=person_id)
    data = _validated(values)
    with db.write() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise ValueError(f"no person {person_id}")
        check_version(
            person,
            expected_version,
            "person",
            f"{person.name} was changed by someone else since you opened it; "
            "their change was kept. Reload and edit again.",
        )
        if "email" in data and data["email"] != person.email:
            other = person_for_email(s, str(data["email"]))
            if other is not None:
                raise ValueError(f"{data['email']} is already someone's email")
        audit.apply_change(s, actor, person, "person", data)
        return person


def set_person_archived(db: Database, actor: Actor, person_id: int, archived: bool) -> Person:
    require(db, actor, "people.edit", record_type="person", record_id=person_id)
    with db.write() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise ValueError(f"no person {person_id}")
        audit.apply_change(
            s,
            actor,
            person,
            "person",
            {"archived": archived},
            action="archive" if archived else "restore",
        )
        return person


def me(db: Database, actor: Actor) -> Person | None:
    """The Person matching the signed-in actor's email, if someone added them."""
    with db.read() as s:
        return person_for_email(s, actor.email)
