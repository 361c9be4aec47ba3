"""The composition root: real or fake gateways, chosen from settings.

No Slack token means Slack is off (its rows wait in the outbox); the token ``fake`` selects the
in-memory fake, for demos and local runs. Likewise for a Google credentials file named ``fake``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from integrations.google_calendar import CalendarGateway
from integrations.mlflow import MlflowGateway
from integrations.slack import SlackGateway
from settings import Settings

FAKE = "fake"


@dataclass
class Gateways:
    """The outside systems the worker delivers to; None means that channel is off."""

    slack: SlackGateway | None = None
    calendar: CalendarGateway | None = None
    mlflow: MlflowGateway | None = None  # read from, on its own schedule, not delivered to
    mlflow_every_minutes: float = 15.0


def slack_configured(settings: Settings) -> bool:
    return settings.slack_bot_token is not None


def google_configured(settings: Settings) -> bool:
    return settings.google_credentials_file is not None


def build_slack(settings: Settings) -> SlackGateway | None:
    if settings.slack_bot_token is None:
        return None
    token = settings.slack_bot_token.get_secret_value()
    if token == FAKE:
        from integrations.slack.fake import FakeSlackGateway

        return FakeSlackGateway()
    from integrations.slack.web import WebSlackGateway, make_client

    return WebSlackGateway(make_client(token, settings.slack_api_url))


def build_calendar(settings: Settings) -> CalendarGateway | None:
    path = settings.google_credentials_file
    if path is None:
        return None
    if str(path) == FAKE:
        from integrations.google_calendar.fake import FakeCalendarGateway

        return FakeCalendarGateway()
    from integrations.google_calendar.api import (
        GoogleCalendarGateway,
        build_service,
        load_credentials,
    )

    creds = load_credentials(Path(path), settings.google_delegated_user)
    service = build_service(creds, settings.google_api_endpoint)
    return GoogleCalendarGateway(service, settings.google_calendar_id)


def build_mlflow(settings: Settings) -> MlflowGateway | None:
    if not settings.mlflow_tracking_uri:
        return None
    from integrations.mlflow.rest import RestMlflowGateway, make_session

    token = settings.mlflow_token.get_secret_value() if settings.mlflow_token else None
    return RestMlflowGateway(settings.mlflow_tracking_uri, make_session(token))


def build_gateways(settings: Settings) -> Gateways:
    return Gateways(
        slack=build_slack(settings),
        calendar=build_calendar(settings),
        mlflow=build_mlflow(settings),
        mlflow_every_minutes=settings.mlflow_sync_minutes,
    )
