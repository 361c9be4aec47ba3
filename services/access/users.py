"""Users and their roles: the identities allowed into Opsdesk."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from db.engine import Database
from db.models import ROLES as ROLES
from db.models import Person, User
from services.access import audit
from services.access.access import PERMISSIONS, Actor, require
from services.access.choices import ROLE
from services.core.emails import EmailError, check_one


class UserError(ValueError):
    """A user command that cannot be carried out; nothing was changed."""


# The only columns a user command may change (mass assignment: nothing else gets through).
EDITABLE_FIELDS = frozenset({"role", "active", "name"})
NAME_MAX_CHARS = 200


@dataclass(frozen=True)
class UserRow:
    email: str
    name: str | None
    role: str
    active: bool


def checked_email(email: str) -> str:
    """A new user's address, checked by email-validator like every typed address."""
    try:
        return check_one(email)
    except EmailError as exc:
        raise UserError(str(exc)) from exc


def normalize_email(email: str) -> str:
    """Syntax only: for looking users up, and for the configured local admin (admin@localhost)."""
    cleaned = email.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not at or not local or not domain or " " in cleaned:
        raise UserError(f"{email!r} is not an email address")
    return cleaned


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def resolve_identity(db: Database, email: str | None) -> Actor | None:
    """The active user behind a signed-in email, or None when not registered or deactivated."""
    if not email:
        return None
    with db.read() as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        return None
    return Actor(email=user.email, role=user.role, user_id=user.id, name=user.name)


def ensure_local_admin(db: Database, email: str) -> Actor:
    """The single local admin of laptop mode, created on first use.

    Runs on every rerun, so it reads first and takes the write lock only when a change is due.
    """
    email = normalize_email(email)
    with db.read() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    if user is not None and user.active and user.role == "admin":
        return Actor(email=user.email, role="admin", user_id=user.id, name=user.name)
    with db.write() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(email=email, name="Local admin", role="admin")
            session.add(user)
            session.flush()
            audit.record(
                session,
                Actor.system("local-mode"),
                "create",
                "user",
                user.id,
                after=audit.snapshot(user),
            )
        elif not user.active or user.role != "admin":
            user.active, user.role, user.updated_at = True, "admin", db.clock.now()
        return Actor(email=user.email, role="admin", user_id=user.id, name=user.name)


def add_user(db: Database, actor: Actor, email: str, role: str, name: str | None = None) -> UserRow:
    require(db, actor, "users.manage", record_type="user")
    email, role, name = checked_email(email), _check_role(role), _check_name(name)
    try:
        with db.write() as session:
            if session.exec(select(User).where(User.email == email)).first() is not None:
                raise UserError(f"user {email} already exists")
            user = User(email=email, role=role, name=name)
            session.add(user)
            session.flush()
            audit.record(session, actor, "create", "user", user.id, after=audit.snapshot(user))
            return UserRow(user.email, user.name, user.role, user.active)
    except IntegrityError as exc:  # added by someone else at the same moment
        raise UserError(f"user {email} already exists") from exc


def list_users(db: Database, actor: Actor) -> list[UserRow]:
    require(db, actor, "users.manage", record_type="user")
    with db.read() as session:
        users = session.exec(select(User).order_by(User.email)).all()
        return [UserRow(u.email, u.name, u.role, u.active) for u in users]


def _check_name(name: str | None) -> str | None:
    cleaned = (name or "").strip() or None
    if cleaned is not None and len(cleaned) > NAME_MAX_CHARS:
        raise UserError(f"a name has at most {NAME_MAX_CHARS} characters")
    return cleaned


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).where(User.role == "admin", User.active)
    return int(session.exec(query).one())


def _update(db: Database, actor: Actor, email: str, /, **changes: object) -> UserRow:
    require(db, actor, "users.manage", record_type="user")
    refused = set(changes) - EDITABLE_FIELDS
    if refused:
        raise UserError(f"these fields cannot be changed here: {', '.join(sorted(refused))}")
    email = normalize_email(email)
    with db.write() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            raise UserError(f"no user {email}")
        before = audit.snapshot(user)
        if all(getattr(user, key) == value for key, value in changes.items()):
            return UserRow(user.email, user.name, user.role, user.active)
        was_admin = user.active and user.role == "admin"
        for key, value in changes.items():
            setattr(user, key, value)
        if was_admin and not (user.active and user.role == "admin"):
            session.flush()
            if _active_admins(session) == 0:
                raise UserError(f"{email} is the last active admin; make someone else admin first")
        user.updated_at = db.clock.now()
        session.add(user)
        audit.record(
            session, actor, "update", "user", user.id, before=before, after=audit.snapshot(user)
        )
        return UserRow(user.email, user.name, user.role, user.active)


def deactivate_user(db: Database, actor: Actor, email: str) -> UserRow:
    return _update(db, actor, email, active=False)


def activate_user(db: Database, actor: Actor, email: str) -> UserRow:
    return _update(db, actor, email, active=True)


def set_role(db: Database, actor: Actor, email: str, role: str) -> UserRow:
    return _update(db, actor, email, role=_check_role(role))


def rename_user(db: Database, actor: Actor, email: str, name: str | None) -> UserRow:
    return _update(db, actor, email, name=_check_name(name))


def check_owner(session: Session, person_id: int | None, permission: str, what: str) -> None:
    """Refuse an owner who signs in under a role without ``permission``: an owner is told of the
    record by Slack, so a finance user owning an incident would read there what the app hides.
    People with no account are not held to a role (they are told only what a reminder says)."""
    if person_id is None:
        return
    person = session.get(Person, person_id)
    if person is None:
        raise ValueError(f"no person {person_id}")
    role = session.exec(
        select(User.role).where(
            func.lower(User.email) == person.email.lower(), col(User.active).is_(True)
        )
    ).first()
    if role is not None and role not in PERMISSIONS[permission]:
        raise ValueError(
            f"{person.name} signs in as {ROLE.label(role).lower()}, a role that may not see "
            f"{what}: choose an owner who may"
        )
