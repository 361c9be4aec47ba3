"""The audit trail as the Audit page and its export read it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from conftest import FROZEN_TODAY
from sqlmodel import select

from db.engine import Database
from db.models import AuditEvent
from services.access import audit, audit_log, users
from services.access.access import NotAllowed
from services.access.audit_log import AuditFilter
from tests.conftest import actor


def _record(db: Database, who: str, action: str, record_type: str, **kw) -> None:  # type: ignore[no-untyped-def]
    with db.write() as session:
        audit.record(session, actor("admin", who), action, record_type, kw.pop("rid", 1), **kw)


def _seed(db: Database) -> None:
    _record(db, "ana@example.com", "create", "vendor", after={"name": "Acme", "url": "x"})
    _record(
        db, "bo@example.com", "update", "vendor", before={"name": "Acme"}, after={"name": "Acme AI"}
    )
    _record(db, "ana@example.com", "delete", "contract", before={"title": "=HYPERLINK(1)"})


def test_search_filters_by_actor_action_and_record_type(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    assert len(audit_log.search(db, admin, AuditFilter())) == 3
    by_ana = audit_log.search(db, admin, AuditFilter(actor="ana@example.com"))
    assert [r.action for r in by_ana] == ["delete", "create"]
    assert [
        r.action
        for r in audit_log.search(db, admin, AuditFilter(record_type="vendor", sort="oldest"))
    ] == [
        "create",
        "update",
    ]
    assert audit_log.search(db, admin, AuditFilter(action="update"))[0].actor == "bo@example.com"


def test_search_filters_by_day_in_the_workspace_time_zone(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    today = FROZEN_TODAY
    assert len(audit_log.search(db, admin, AuditFilter(since=today, until=today))) == 3
    yesterday = today - timedelta(days=1)
    assert audit_log.search(db, admin, AuditFilter(until=yesterday - timedelta(days=1))) == []


@pytest.mark.parametrize("value", ["name) OR 1=1 --", "' OR '1'='1", "actor; DROP TABLE user"])
def test_filter_values_carrying_sql_match_nothing_and_change_nothing(
    db: Database,
    admin,
    value: str,  # type: ignore[no-untyped-def]
) -> None:
    _seed(db)
    assert audit_log.search(db, admin, AuditFilter(actor=value)) == []
    assert audit_log.search(db, admin, AuditFilter(record_type=value)) == []
    assert len(audit_log.search(db, admin, AuditFilter())) == 3


@pytest.mark.parametrize("sort", ["id desc", "name) OR 1=1 --", "at; DROP TABLE auditevent"])
def test_a_sort_outside_the_whitelist_is_a_plain_error(db: Database, admin, sort: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown sort"):
        audit_log.search(db, admin, AuditFilter(sort=sort))


def test_start_after_end_is_a_plain_error(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="after the end"):
        audit_log.search(db, admin, AuditFilter(since=date(2026, 2, 2), until=date(2026, 2, 1)))


def test_changes_lists_each_changed_field_with_before_and_after(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    (update,) = audit_log.search(db, admin, AuditFilter(action="update"))
    assert [(c.field, c.before, c.after) for c in audit_log.changes(update)] == [
        ("name", "Acme", "Acme AI")
    ]


@pytest.mark.parametrize("role", ["va", "lead", "finance"])
def test_only_admins_read_or_export_the_trail(db: Database, role: str) -> None:
    _seed(db)
    for call in (
        lambda: audit_log.search(db, actor(role), AuditFilter()),
        lambda: audit_log.facets(db, actor(role)),
        lambda: audit_log.export_csv(db, actor(role), AuditFilter()),
    ):
        with pytest.raises(NotAllowed):
            call()
    with db.read() as session:
        denied = session.exec(select(AuditEvent).where(AuditEvent.action == "denied")).all()
    assert len(denied) == 3 and {d.actor for d in denied} == {f"{role}@example.com"}


def test_export_is_spreadsheet_safe_and_itself_audited(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    text = audit_log.export_csv(db, admin, AuditFilter(record_type="contract"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["before"].startswith('{"title": "=HYPERLINK')  # JSON text, not a formula
    exports = audit_log.search(db, admin, AuditFilter(action="export"))
    assert exports[0].detail == "1 audit events exported"


def test_facets_list_the_values_present(db: Database, admin) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    users.add_user(db, admin, "x@example.com", "va")
    facets = audit_log.facets(db, admin)
    assert facets.actors == ["admin@example.com", "ana@example.com", "bo@example.com"]
    assert facets.record_types == ["contract", "user", "vendor"]
