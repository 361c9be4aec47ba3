"""One typed settings object read by every process: app, worker, CLI, Alembic and tests.

Values come from environment variables prefixed ``OPSDESK_`` and, failing that, from top-level
``OPSDESK_*`` keys in ``.streamlit/secrets.toml`` (so a Streamlit Community Cloud deployment can
keep everything in one secrets file). Secrets are ``SecretStr``: they print as ``**********``.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ROOT = Path(__file__).resolve().parent
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
ENV_PREFIX = "OPSDESK_"


class SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads top-level ``OPSDESK_*`` keys from ``.streamlit/secrets.toml`` when it exists."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._values: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as fh:
                data = tomllib.load(fh)
            self._values = {
                key[len(ENV_PREFIX) :].lower(): value
                for key, value in data.items()
                if key.upper().startswith(ENV_PREFIX)
            }

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every ``OPSDESK_*`` setting. DESIGN.md and the README document each one."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'data' / 'opsdesk.db'}",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    timezone: str = Field(default="UTC", description="IANA name of the workspace's time zone")
    holiday_country: str = Field(
        default="",
        description="ISO 3166 country (optionally -subdivision, e.g. DE-BY) whose public "
        "holidays are not working days for reminders and meeting slots; empty for weekends only",
    )
    env: Literal["development", "production"] = Field(
        default="production", description="development shows error details in the app"
    )

    auth_mode: Literal["local", "oidc", "proxy"] = Field(
        default="local", description="local single admin, oidc via st.login, or proxy header"
    )
    auth_proxy_header: str = Field(
        default="X-Forwarded-Email", description="header carrying the email in proxy mode"
    )
    local_admin_email: str = Field(
        default="admin@localhost", description="identity of the local single-user admin"
    )

    slack_bot_token: SecretStr | None = Field(default=None, description="xoxb- bot token")
    slack_api_url: str = Field(
        default="https://slack.com/api/", description="Slack Web API base URL"
    )
    slack_default_channel: str | None = Field(
        default=None, description="channel id for rules that post to a channel"
    )

    google_credentials_file: Path | None = Field(
        default=None, description="service-account key or authorized-user token file"
    )
    google_delegated_user: str | None = Field(
        default=None, description="user a service account acts for (domain-wide delegation)"
    )
    google_calendar_id: str = Field(default="primary", description="calendar to write events to")
    google_api_endpoint: str | None = Field(
        default=None, description="Calendar API endpoint override (private or test server)"
    )

    max_import_bytes: int = Field(
        # The importer streams with flat memory, so the limit guards disk and time, not RAM: a
        # month of FOCUS rows for a large account runs to gigabytes.
        default=4 * 1024**3,
        description="billing files larger than this are refused",
    )
    team_tag_keys: str = Field(
        default="team,business_unit", description="tag keys read, in order, for a cost's team"
    )
    renewal_meeting_days: int = Field(
        default=45, description="days before a deadline to schedule a renewal decision meeting"
    )
    app_url: str = Field(
        default="http://localhost:8501", description="where people open Opsdesk (message links)"
    )
    worker_poll_seconds: float = Field(default=30.0, description="pause between worker runs")
    backup_dir: Path = Field(
        default=ROOT / "data" / "backups",
        description="folder for `opsdesk backup` without a path and for nightly backups",
    )
    backup_keep: int = Field(
        default=0, ge=0, description="nightly backups the worker keeps; 0 takes none"
    )
    backup_hour: int = Field(
        default=2, ge=0, le=23, description="workspace-local hour after which the nightly is taken"
    )

    mlflow_tracking_uri: str | None = Field(
        default=None, description="MLflow tracking server to sync models from (http://host:port)"
    )
    mlflow_token: SecretStr | None = Field(
        default=None, description="bearer token for the MLflow server, when it asks for one"
    )
    mlflow_sync_minutes: float = Field(
        default=15.0, description="the worker syncs MLflow at most this often"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        import holidays

        code = value.strip().upper()
        if code:
            country, _, subdiv = code.partition("-")
            try:
                holidays.country_holidays(country, subdiv=subdiv or None)
            except NotImplementedError as exc:
                raise ValueError(f"no public holidays known for country {value!r}") from exc
        return code

    @field_validator("slack_bot_token", "mlflow_token", "mlflow_tracking_uri", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tag_keys(self) -> list[str]:
        return [key.strip() for key in self.team_tag_keys.split(",") if key.strip()]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, SecretsTomlSource(settings_cls, SECRETS_FILE))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
