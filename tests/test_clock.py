"""One clock: services take time from the caller, `--now` moves a whole run, and reminders and
decision meetings land on working days that know public holidays."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

import cli
from db.clock import FrozenClock, ShiftedClock
from db.engine import Database
from db.models import ActionItem, Contract, Meeting, MeetingAttendee, Notification, Person, Vendor
from services.coordination import meetings
from services.core.workdays import WEEKDAYS, WorkingDays, check_country
from services.delivery.reminders import action_schedule, contract_schedule, plan_all
from settings import get_settings
from tests.conftest import FROZEN_AT, ROOT, actor
from tests.fake_servers import SLACK_TOKEN, google_server, slack_server

VA = actor("va")


def add(db: Database, *records: object) -> None:
    with db.write() as session:
        for r in records:
            session.add(r)


def owner_and_contract(db: Database, *, country: str | None = None) -> tuple[Person, Contract]:
    """A contract whose cancellation deadline is 2026-12-01 (a Tuesday)."""
    with db.write() as session:
        ada = Person(name="Ada", email="ada@example.com", country=country)
        acme = Vendor(name="Acme AI")
        session.add_all([ada, acme])
        session.flush()
        c = Contract(
            vendor_id=acme.id,
            title="Platform",
            start_date=date(2026, 1, 1),
            initial_term_months=12,
            renewal_type="auto",
            renewal_period_months=12,
            notice_days=30,
            owner_id=ada.id,
        )
        session.add(c)
    return ada, c


def renewal_meetings(db: Database) -> list[Meeting]:
    with db.read() as session:
        return list(
            session.exec(select(Meeting).where(col(Meeting.title).startswith("Renewal"))).all()
        )


# --- the clock itself -------------------------------------------------------------------------


def test_no_service_or_integration_reads_the_wall_clock() -> None:
    wall = re.compile(r"datetime\.now\(|date\.today\(|utcnow\(\)|time\.time\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("services", "integrations")
        for path in (ROOT / folder).rglob("*.py")
        if "clock" not in path.name
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if wall.search(line.split("#", 1)[0])
    ]
    assert offenders == []


def test_services_never_build_a_system_clock() -> None:
    for path in (ROOT / "services").rglob("*.py"):
        names = {
            node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)
        }
        assert "SystemClock" not in names or path.name == "clock.py", path


def test_a_shifted_clock_starts_where_it_is_told_and_then_runs() -> None:
    start = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    clock = ShiftedClock(start)
    first = clock.now()
    assert start <= first < start + timedelta(seconds=5)
    assert clock.now() >= first
    with pytest.raises(ValueError, match="time zone"):
        ShiftedClock(datetime(2031, 5, 6))


def test_rows_are_stamped_by_the_clock_of_their_database(db: Database, clock: FrozenClock) -> None:
    # Rows built inside the transaction take its clock's time (as services build them).
    with db.write() as session:
        session.add(Person(name="Ada", email="ada@example.com"))
    clock.advance(timedelta(days=400))
    with db.write() as session:
        session.add(Person(name="Bob", email="bob@example.com"))
    with db.read() as session:
        stamps = {p.email: p.created_at for p in session.exec(select(Person)).all()}
    assert stamps == {
        "ada@example.com": FROZEN_AT,
        "bob@example.com": FROZEN_AT + timedelta(days=400),
    }


def test_a_weekly_series_materialises_from_the_callers_today_not_the_wall_clock(
    db: Database,
) -> None:
    first = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
    series, made = meetings.create_series(
        db,
        actor("admin"),
        title="Weekly sync",
        rule="weekly",
        first_starts_at=first,
        timezone="UTC",
        today=date(2026, 11, 2),
    )
    # From the caller's today: the 28 days ahead plus the first, never more as years pass.
    assert [m.starts_at.date() for m in made] == [
        first.date() + timedelta(weeks=n) for n in range(5)
    ]
    assert series.id is not None


# --- --now moves planning and delivery alike ----------------------------------------------------


def test_remind_with_now_an_hour_before_the_wall_clock_delivers_all_it_planned(
    app_env: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # The one test that must read the wall clock: it checks a run set an hour before it.
    wall = datetime.now(UTC).replace(second=0, microsecond=0)
    run_at = wall - timedelta(hours=1)
    with app_env.write() as session:
        ada = Person(name="Ada", email="ada@example.com", timezone="UTC")
        session.add(ada)
        session.flush()
        # Due tomorrow: its "working day before" reminder is due at 09:00 today or earlier.
        session.add(ActionItem(title="Send the DPA", owner_id=ada.id, due_date=run_at.date()))
        m = Meeting(
            title="Vendor QBR",
            starts_at=run_at + timedelta(days=2),
            timezone="UTC",
            organizer_id=ada.id,
        )
        session.add(m)
        session.flush()
        session.add(MeetingAttendee(meeting_id=m.id, email="bob@example.com"))
    with slack_server() as slack, google_server() as google:
        slack.users["ada@example.com"] = "UADA"
        monkeypatch.setenv("OPSDESK_SLACK_BOT_TOKEN", SLACK_TOKEN)
        monkeypatch.setenv("OPSDESK_SLACK_API_URL", slack.base_url)
        creds = google.authorized_user_file(tmp_path / "token.json")
        monkeypatch.setenv("OPSDESK_GOOGLE_CREDENTIALS_FILE", str(creds))
        monkeypatch.setenv("OPSDESK_GOOGLE_API_ENDPOINT", google.url)
        get_settings.cache_clear()
        assert cli.main(["remind", "--once", "--now", run_at.isoformat()]) == 0
        out = capsys.readouterr().out
        assert len(google.ops("insert")) == 1, out
    planned = int(re.search(r"planned (\d+)", out).group(1))  # type: ignore[union-attr]
    sent = int(re.search(r"sent (\d+)", out).group(1))  # type: ignore[union-attr]
    assert planned >= 2 and sent == planned, out
    with app_env.read() as session:
        rows = session.exec(select(Notification)).all()
    assert rows and all(r.status == "sent" for r in rows)
    # Every row carries the run's time, not the wall clock's.
    assert all(r.created_at < wall - timedelta(minutes=30) for r in rows)


# --- decision meetings that can still happen ----------------------------------------------------


def test_a_deadline_today_gets_a_decision_meeting_later_today_never_in_the_past(
    db: Database,
) -> None:
    owner_and_contract(db)
    now = datetime(2026, 12, 1, 10, 40, tzinfo=UTC)
    plan_all(db, now)
    (meeting,) = renewal_meetings(db)
    assert meeting.starts_at == datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert meeting.starts_at > now


def test_a_deadline_today_with_no_slot_left_tells_the_owner_in_slack_at_once(
    db: Database,
) -> None:
    owner_and_contract(db)
    now = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    plan_all(db, now)
    plan_all(db, now + timedelta(minutes=5))
    assert renewal_meetings(db) == []
    with db.read() as session:
        (urgent,) = session.exec(
            select(Notification).where(col(Notification.kind) == "renewal_urgent")
        ).all()
    assert urgent.recipient == "ada@example.com"
    assert urgent.next_attempt_at == now and "2026-12-01" in urgent.subject


def test_a_deadline_two_days_out_meets_on_the_next_working_day(db: Database) -> None:
    owner_and_contract(db)
    plan_all(db, datetime(2026, 11, 29, 15, tzinfo=UTC))  # a Sunday, deadline on Tuesday
    (meeting,) = renewal_meetings(db)
    assert meeting.starts_at == datetime(2026, 11, 30, 10, tzinfo=UTC)


# --- working days with public holidays ----------------------------------------------------------


def test_a_reminder_that_falls_on_christmas_goes_out_the_working_day_before() -> None:
    due = date(2026, 12, 26)  # a Saturday; the day before it is Christmas Day, a Friday
    assert action_schedule(due)[0][1] == date(2026, 12, 25)
    german = WorkingDays(["DE"])
    assert action_schedule(due, german)[0][1] == date(2026, 12, 24)
    # The contract reminder 7 days before a 1 January deadline is Christmas Day too.
    assert contract_schedule(date(2027, 1, 1), [7], german) == [
        ("2027-01-01:7d", date(2026, 12, 24))
    ]
    assert german.next(date(2026, 12, 25)) == date(2026, 12, 28)  # Boxing Day is off in DE
    assert WEEKDAYS.next(date(2026, 12, 25)) == date(2026, 12, 25)


def test_the_workspace_country_moves_the_planned_send_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_HOLIDAY_COUNTRY", "de")
    get_settings.cache_clear()
    try:
        with db.write() as session:
            ada = Person(name="Ada", email="ada@example.com", timezone="UTC")
            session.add(ada)
            session.flush()
            session.add(ActionItem(title="Renew", owner_id=ada.id, due_date=date(2026, 12, 26)))
        plan_all(db, datetime(2026, 12, 24, 9, 30, tzinfo=UTC))
        with db.read() as session:
            (row,) = session.exec(select(Notification)).all()
        assert row.next_attempt_at == datetime(2026, 12, 24, 9, tzinfo=UTC)
    finally:
        get_settings.cache_clear()


def test_a_persons_own_country_counts_where_it_is_known(db: Database) -> None:
    with db.write() as session:
        ada = Person(name="Ada", email="ada@example.com", timezone="UTC", country="DE")
        bob = Person(name="Bob", email="bob@example.com", timezone="UTC")
        session.add_all([ada, bob])
        session.flush()
        for who in (ada, bob):
            session.add(ActionItem(title="Renew", owner_id=who.id, due_date=date(2026, 12, 26)))
    plan_all(db, datetime(2026, 12, 25, 9, 30, tzinfo=UTC))
    with db.read() as session:
        rows = {r.recipient: r.next_attempt_at for r in session.exec(select(Notification)).all()}
    assert rows == {
        "ada@example.com": datetime(2026, 12, 24, 9, tzinfo=UTC),
        "bob@example.com": datetime(2026, 12, 25, 9, tzinfo=UTC),
    }


def test_country_codes_are_checked_against_the_holidays_package() -> None:
    assert check_country(" de-by ") == "DE-BY"
    with pytest.raises(ValueError, match="'XX' is not a country code"):
        check_country("XX")
