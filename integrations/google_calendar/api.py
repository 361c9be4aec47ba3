"""The real calendar gateway over google-api-python-client, built with no network look-ups.

The Calendar v3 discovery document shipped inside the googleapiclient package is used
(``build_from_document``), so building the service never fetches anything; ``api_endpoint`` comes
from settings for a private endpoint or a local test server. The library's own retries are off
(``num_retries=0``): this adapter backs off with jitter itself so it can tell a rate limit (wait
seconds) from a used-up quota (pause for hours) and so waits are injectable in tests.
"""

from __future__ import annotations

import html
import json
import random
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import googleapiclient
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from integrations.google_calendar import (
    KEY_PROPERTY,
    CalendarBusy,
    CalendarError,
    CalendarEvent,
    DeletedInGoogle,
    QuotaExceeded,
    ReconnectNeeded,
)

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
]
DISCOVERY_DOC = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
)
SERVICE_PATH = "calendar/v3/"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 32.0
TIMEOUT_SECONDS = 30
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "usageLimits"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NETWORK_ERRORS = (
    TimeoutError,
    socket.timeout,
    ConnectionError,
    httplib2.HttpLib2Error,
    OSError,
    TransportError,
)


def load_credentials(path: Path, delegated_user: str | None = None) -> Any:
    """Credentials from a service-account key (acting for ``delegated_user``) or an
    authorized-user token file. The file's own ``token_uri`` is used for refreshing."""
    info = json.loads(path.read_text(encoding="utf-8"))
    kind = info.get("type")
    if kind == "service_account":
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=SCOPES
        )
        return creds.with_subject(delegated_user) if delegated_user else creds
    if kind == "authorized_user" or "refresh_token" in info:
        # google-auth's from_authorized_user_info replaces the file's token_uri with Google's
        # ("always overrides"), so build the credentials here to honour it.
        missing = {"refresh_token", "client_id", "client_secret"} - set(info)
        if missing:
            raise ValueError(f"{path}: authorized-user file lacks {', '.join(sorted(missing))}")
        return user_credentials.Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=info["refresh_token"],
            token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI,
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            scopes=SCOPES,
            quota_project_id=info.get("quota_project_id"),
        )
    raise ValueError(f"{path}: neither a service-account key nor an authorized-user token file")


def endpoint_base(api_endpoint: str) -> str:
    """``api_endpoint`` replaces the whole base URL in googleapiclient; add Calendar's path."""
    base = api_endpoint.rstrip("/") + "/"
    return base if base.endswith(SERVICE_PATH) else base + SERVICE_PATH


def build_service(
    credentials: Any, api_endpoint: str | None = None, timeout_seconds: float = TIMEOUT_SECONDS
) -> Any:
    if not DISCOVERY_DOC.is_file():
        raise RuntimeError(f"Calendar discovery document missing: {DISCOVERY_DOC}")
    http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout_seconds))
    options = {"api_endpoint": endpoint_base(api_endpoint)} if api_endpoint else None
    return build_from_document(
        DISCOVERY_DOC.read_text(encoding="utf-8"), http=http, client_options=options
    )


def event_body(event: CalendarEvent) -> dict[str, Any]:
    """The Calendar resource for ``event``: explicit IANA zone, text escaped for HTML clients."""
    body: dict[str, Any] = {
        "summary": event.summary,
        # Google's web client renders descriptions as HTML; escape so text stays text.
        "description": html.escape(event.description, quote=False),
        "start": {"dateTime": event.starts_at.isoformat(), "timeZone": event.timezone},
        "end": {"dateTime": event.ends_at.isoformat(), "timeZone": event.timezone},
        "attendees": [{"email": email} for email in event.attendees],
        "extendedProperties": {"private": {KEY_PROPERTY: event.key}},
        "guestsCanModify": False,
    }
    if event.location:
        body["location"] = event.location
    return body


def _reason(exc: HttpError) -> str:
    try:
        data = json.loads(exc.content.decode("utf-8"))
        errors = data.get("error", {}).get("errors") or []
        if errors:
            return str(errors[0].get("reason", ""))
        return str(data.get("error", {}).get("status", ""))
    except (ValueError, AttributeError):
        return ""


class GoogleCalendarGateway:
    """``CalendarGateway`` over a googleapiclient Calendar service."""

    def __init__(
        self,
        service: Any,
        calendar_id: str = "primary",
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.service = service
        self.calendar_id = calendar_id
        self.sleep = sleep
        self.rand = rand
        self.max_attempts = max_attempts

    def check(self) -> str:
        data = self._execute(lambda: self.service.calendars().get(calendarId=self.calendar_id))
        return str(data.get("summary", self.calendar_id))

    def insert(self, event: CalendarEvent) -> str:
        body = event_body(event) | {"id": event.event_id}
        try:
            self._execute(
                lambda: self.service.events().insert(
                    calendarId=self.calendar_id, body=body, sendUpdates="all"
                )
            )
        except HttpError as exc:
            if exc.resp.status != 409:
                raise CalendarError(
                    f"Google refused the event: {exc.resp.status} {_reason(exc)}"
                ) from exc
            # Duplicate id: an earlier attempt of ours landed, or the event was deleted in Google.
            existing = self._get(event.event_id)
            if existing is None or existing.get("status") == "cancelled":
                raise DeletedInGoogle("deleted in Google") from exc
            key = (existing.get("extendedProperties") or {}).get("private", {}).get(KEY_PROPERTY)
            if key != event.key:
                raise CalendarError(f"event id {event.event_id} is used by another event") from exc
        return event.event_id

    def patch(self, event: CalendarEvent) -> str:
        existing = self._get(event.event_id)
        if existing is None or existing.get("status") == "cancelled":
            raise DeletedInGoogle("deleted in Google")
        try:
            self._execute(
                lambda: self.service.events().patch(
                    calendarId=self.calendar_id,
                    eventId=event.event_id,
                    body=event_body(event),
                    sendUpdates="all",
                )
            )
        except HttpError as exc:
            if exc.resp.status in (404, 410):
                raise DeletedInGoogle("deleted in Google") from exc
            raise CalendarError(
                f"Google refused the change: {exc.resp.status} {_reason(exc)}"
            ) from exc
        return event.event_id

    def cancel(self, event_id: str) -> None:
        try:
            self._execute(
                lambda: self.service.events().delete(
                    calendarId=self.calendar_id, eventId=event_id, sendUpdates="all"
                )
            )
        except HttpError as exc:
            if exc.resp.status in (404, 410):
                return
            raise CalendarError(
                f"Google refused the cancellation: {exc.resp.status} {_reason(exc)}"
            ) from exc

    def _get(self, event_id: str) -> dict[str, Any] | None:
        try:
            return self._execute(
                lambda: self.service.events().get(calendarId=self.calendar_id, eventId=event_id)
            )
        except HttpError as exc:
            if exc.resp.status in (404, 410):
                return None
            raise CalendarError(
                f"Google refused the look-up: {exc.resp.status} {_reason(exc)}"
            ) from exc

    def _execute(self, make_request: Callable[[], Any]) -> dict[str, Any]:
        """Run one request, backing off with jitter on rate limits, 5xx and timeouts.

        HttpErrors that are not retryable are re-raised for the caller to interpret."""
        last = ""
        for attempt in range(self.max_attempts):
            try:
                result = make_request().execute(num_retries=0)
                return result if isinstance(result, dict) else {}
            except HttpError as exc:
                status, reason = exc.resp.status, _reason(exc)
                if status == 403 and reason in QUOTA_REASONS:
                    raise QuotaExceeded(f"Google quota exceeded ({reason})") from exc
                if status in (401,) and "invalid_grant" in str(exc):
                    raise ReconnectNeeded("invalid_grant") from exc
                retryable = status in RETRY_STATUSES or (
                    status == 403 and reason in RATE_LIMIT_REASONS
                )
                if not retryable:
                    raise
                last = f"{status} {reason}".strip()
            except RefreshError as exc:
                raise ReconnectNeeded(f"Google refused the credentials: {exc}") from exc
            except NETWORK_ERRORS as exc:
                last = f"network: {exc}"
            if attempt + 1 < self.max_attempts:
                self.sleep(self._backoff(attempt))
        raise CalendarBusy(f"Google still failing after {self.max_attempts} attempts: {last}")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
        return float(ceiling / 2 + self.rand() * ceiling / 2)
