"""The worker's delivery: send what the outbox holds that is due (``deliver_due``).

The passes that plan and then deliver (``run_once``, ``run_forever``) are in passes.py.
Delivery is at least once with de-duplication at the edge: a Slack row that
was tried before is looked up by its outbox id in message metadata before it is posted again; a
calendar row uses an event id derived from its key, so a retried insert cannot duplicate.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from db.engine import Database
from db.models import Notification, Person
from integrations.bootstrap import Gateways
from integrations.google_calendar import (
    CalendarBusy,
    CalendarError,
    CalendarEvent,
    DeletedInGoogle,
    QuotaExceeded,
    ReconnectNeeded,
)
from integrations.slack import (
    Ambiguous,
    AuthRevoked,
    ChannelGone,
    RateLimited,
    SlackError,
    SlackItem,
    SlackMessage,
)
from services.delivery import outbox
from services.delivery.connections import GOOGLE, SLACK, read_states, set_state

log = logging.getLogger(__name__)


QUOTA_PAUSE_HOURS = 3
AMBIGUOUS_RETRY_SECONDS = 30
DIGEST_HEADING = "Opsdesk reminders"
DIGEST_MAX_ITEMS = 10


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class RunReport:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"planned {self.planned}, sent {self.sent}, failed {self.failed}, "
            f"deferred {self.deferred}"
        )
        return text + "".join(f"\n{note}" for note in self.notes)


class _Run:
    def __init__(
        self, db: Database, gateways: Gateways, now: datetime, wid: str, report: RunReport
    ) -> None:
        self.db, self.gateways, self.now, self.wid, self.report = db, gateways, now, wid, report
        self.slack_ok = False
        self.google_ok = False
        self.started = time.monotonic()

    # --- which channels may send in this run ----------------------------------------------

    def open_channels(self, google_credentials_changed_at: datetime | None) -> list[str]:
        states = read_states(self.db)
        slack = self.gateways.slack
        if slack is not None:
            state = states.get(SLACK)
            if state is not None and state.state == "disconnected":
                # One check per run, not a retry storm: the token may have been fixed.
                try:
                    slack.check()
                    set_state(self.db, SLACK, "connected")
                    self.slack_ok = True
                except SlackError as exc:
                    self.report.notes.append(f"Slack still disconnected: {exc}")
            else:
                self.slack_ok = True
        calendar = self.gateways.calendar
        if calendar is not None:
            state = states.get(GOOGLE)
            if state is None or state.state == "connected":
                self.google_ok = True
            elif state.paused_until is not None and state.paused_until > self.now:
                self.report.notes.append(
                    f"Google paused until {state.paused_until:%Y-%m-%d %H:%M} UTC"
                )
            elif state.state == "reconnect_needed" and not (
                google_credentials_changed_at and google_credentials_changed_at > state.updated_at
            ):
                self.report.notes.append("Google needs reconnecting: run `opsdesk google-auth`")
            else:
                # The pause ran out or the credentials file changed: try again.
                set_state(self.db, GOOGLE, "connected")
                self.google_ok = True
        return [
            name
            for name, ok in (("slack", self.slack_ok), ("google_calendar", self.google_ok))
            if ok
        ]

    # --- delivery ------------------------------------------------------------------------

    def deliver(self, rows: list[Notification]) -> None:
        slack_rows = [r for r in rows if r.channel == "slack"]
        calendar_rows = [r for r in rows if r.channel == "google_calendar"]
        groups: dict[str, list[Notification]] = {}
        singles: list[list[Notification]] = []
        for row in slack_rows:
            if "@" in row.recipient:  # a person: one digest per person per run
                groups.setdefault(row.recipient.lower(), []).append(row)
            else:
                singles.append([row])
        # A digest holds at most DIGEST_MAX_ITEMS, so every item fits Slack's 50 blocks.
        chunks = [
            g[i : i + DIGEST_MAX_ITEMS]
            for g in groups.values()
            for i in range(0, len(g), DIGEST_MAX_ITEMS)
        ]
        for group in [*chunks, *singles]:
            if not self.slack_ok:
                self._release(group, "Slack disconnected; waiting to reconnect")
                continue
            held = self._still_held(group)
            if held:
                self._guarded(held, self._deliver_slack)
        for row in calendar_rows:
            if not self.google_ok:
                self._release([row], None)
                continue
            if self._still_held([row]):
                self._guarded([row], lambda rows: self._deliver_calendar(rows[0]))

    def current(self) -> datetime:
        """The run's clock: its start (real or --now) plus the real time spent since."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)

    def _still_held(self, rows: list[Notification]) -> list[Notification]:
        held = outbox.extend_lease(self.db, [r.id or 0 for r in rows], self.wid, self.current())
        return [r for r in rows if r.id in held]

    def _guarded(
        self, rows: list[Notification], deliver: Callable[[list[Notification]], None]
    ) -> None:
        """An unexpected error fails this attempt only: counted, retried, given up at the cap."""
        try:
            deliver(rows)
        except Exception as exc:  # a bug or an unknown vendor error must not stop the run
            log.exception("delivery of outbox rows %s failed", [r.id for r in rows])
            for row in rows:
                outbox.retry_later(self.db, row, self.wid, f"unexpected error: {exc}", self.now)
                self.report.deferred += 1

    def _release(
        self, rows: list[Notification], error: str | None, until: datetime | None = None
    ) -> None:
        for row in rows:
            outbox.release(self.db, row, self.wid, next_attempt_at=until or self.now, error=error)
            self.report.deferred += 1

    def _sent(self, row: Notification, external_id: str) -> None:
        if outbox.mark_sent(self.db, row.id or 0, self.wid, external_id, self.current()):
            self.report.sent += 1

    def _failed(self, row: Notification, error: str) -> None:
        if outbox.mark_failed(self.db, row.id or 0, self.wid, error):
            self.report.failed += 1

    def _slack_target(self, recipient: str) -> str | None:
        if "@" not in recipient:
            return recipient
        email = recipient.lower()
        with self.db.read() as session:
            person = session.exec(select(Person).where(col(Person.email) == email)).first()
        if person is not None and person.slack_user_id:
            return person.slack_user_id
        assert self.gateways.slack is not None
        user_id = self.gateways.slack.find_user(email)
        if user_id and person is not None:
            with self.db.write() as session:
                fresh = session.get(Person, person.id)
                if fresh is not None:
                    fresh.slack_user_id = user_id
                    session.add(fresh)
        return user_id

    def _forget_slack_user(self, recipient: str) -> None:
        """A cached user id that Slack refused is looked up again next time."""
        if "@" not in recipient:
            return
        with self.db.write() as session:
            person = session.exec(
                select(Person).where(col(Person.email) == recipient.lower())
            ).first()
            if person is not None and person.slack_user_id:
                person.slack_user_id = None
                session.add(person)

    def _deliver_slack(self, rows: list[Notification]) -> None:
        slack = self.gateways.slack
        assert slack is not None
        try:
            target = self._slack_target(rows[0].recipient)
            if target is None:
                for row in rows:
                    self._failed(row, f"Slack: no Slack user with the email {row.recipient}")
                return
            pending = []
            for row in rows:
                # Tried before: the post may have landed. Look for it before posting again.
                found = (
                    slack.find_message(target, row.id or 0, since=row.created_at)
                    if row.attempts > 1
                    else None
                )
                if found is not None:
                    self._sent(row, found.external_id)
                else:
                    pending.append(row)
            if not pending:
                return
            message = SlackMessage(
                channel=target,
                items=tuple(
                    SlackItem(title=r.subject, body=r.body, link=outbox.payload_of(r).get("link"))
                    for r in pending
                ),
                outbox_ids=tuple(r.id or 0 for r in pending),
                heading=DIGEST_HEADING if len(pending) > 1 else None,
            )
            delivery = slack.post(message)
            for row in pending:
                self._sent(row, delivery.external_id)
        except AuthRevoked as exc:
            self.slack_ok = False
            set_state(self.db, SLACK, "disconnected", f"Slack refused the token: {exc}")
            self._release(rows, f"Slack disconnected: {exc}")
        except ChannelGone as exc:
            for row in rows:
                self._failed(row, f"Slack: {exc}")
            self._forget_slack_user(rows[0].recipient)
        except RateLimited as exc:
            for row in rows:
                outbox.retry_later(
                    self.db,
                    row,
                    self.wid,
                    str(exc),
                    self.now,
                    delay_seconds=exc.retry_after,
                    give_up=False,
                )
                self.report.deferred += 1
        except Ambiguous as exc:
            for row in rows:
                outbox.retry_later(
                    self.db,
                    row,
                    self.wid,
                    f"may have been posted: {exc}",
                    self.now,
                    delay_seconds=AMBIGUOUS_RETRY_SECONDS,
                )
                self.report.deferred += 1
        except SlackError as exc:
            for row in rows:
                outbox.retry_later(self.db, row, self.wid, f"Slack: {exc}", self.now)
                self.report.deferred += 1

    def _deliver_calendar(self, row: Notification) -> None:
        calendar = self.gateways.calendar
        assert calendar is not None
        payload = outbox.payload_of(row)
        try:
            op = payload.get("op")
            if op == "cancel":
                calendar.cancel(str(payload["event_id"]))
                self._sent(row, str(payload["event_id"]))
                return
            event = event_from_payload(payload)
            if op == "patch":
                self._sent(row, calendar.patch(event))
            else:
                self._sent(row, calendar.insert(event))
        except DeletedInGoogle:
            self._failed(row, "deleted in Google: not re-created")
        except QuotaExceeded as exc:
            until = self.now + timedelta(hours=QUOTA_PAUSE_HOURS)
            self.google_ok = False
            set_state(self.db, GOOGLE, "paused", f"{exc}; paused until {until:%H:%M} UTC", until)
            self._release([row], f"{exc}; waiting until {until:%Y-%m-%d %H:%M} UTC", until)
            _tell_owner_about_pause(self.db, row, until, self.current())
        except ReconnectNeeded as exc:
            self.google_ok = False
            set_state(self.db, GOOGLE, "reconnect_needed", str(exc))
            self._release([row], f"Google needs reconnecting: {exc}")
        except CalendarBusy as exc:
            outbox.retry_later(self.db, row, self.wid, str(exc), self.now)
            self.report.deferred += 1
        except (CalendarError, KeyError, ValueError) as exc:
            self._failed(row, f"Google Calendar: {exc}")


def _tell_owner_about_pause(
    db: Database, row: Notification, until: datetime, now: datetime
) -> None:
    if "@" not in row.recipient:
        return
    with db.write() as session:
        outbox.enqueue(
            session,
            now=now,
            kind="integration_alert",
            record_type=row.record_type,
            record_id=row.record_id,
            occurrence=f"google_quota:{until:%Y%m%d%H}",
            channel="slack",
            recipient=row.recipient,
            subject="Google Calendar is paused: quota used up",
            body=(
                f"Calendar changes (such as '{row.subject}') wait in Opsdesk's outbox and go "
                f"out after {until:%Y-%m-%d %H:%M} UTC. Nothing was dropped."
            ),
        )


def event_from_payload(payload: dict[str, Any]) -> CalendarEvent:
    data = payload["event"]
    return CalendarEvent(
        event_id=str(payload["event_id"]),
        key=str(payload["key"]),
        summary=str(data["summary"]),
        description=str(data.get("description", "")),
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        timezone=str(data["timezone"]),
        attendees=tuple(data.get("attendees") or ()),
        location=data.get("location"),
    )


def deliver_due(
    db: Database,
    gateways: Gateways,
    now: datetime,
    *,
    wid: str | None = None,
    report: RunReport | None = None,
    google_credentials_changed_at: datetime | None = None,
    max_batches: int = 100,
    batch_size: int = outbox.CLAIM_BATCH,
) -> RunReport:
    """Deliver every row due at ``now`` in batches until none is left."""
    report = report or RunReport()
    run = _Run(db, gateways, now, wid or worker_id(), report)
    channels = run.open_channels(google_credentials_changed_at)
    for _ in range(max_batches):
        channels = [
            c
            for c in channels
            if (c == "slack" and run.slack_ok) or (c == "google_calendar" and run.google_ok)
        ]
        rows = outbox.claim(db, run.wid, now, channels=channels, limit=batch_size)
        if not rows:
            break
        run.deliver(rows)
    return report
