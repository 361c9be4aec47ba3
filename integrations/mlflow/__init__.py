"""MLflow, in Opsdesk's words: the registered models, their versions and aliases, and runs.

Read only. The real adapter (``integrations.mlflow.rest``) speaks MLflow's REST API under
``/api/2.0/mlflow/`` and pages through every list; the fake (``integrations.mlflow.fake``) keeps
models, versions, aliases and runs in memory. Both raise only the errors below, so the sync
service never sees an HTTP library's exception.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol


class MlflowError(Exception):
    """Base of every error the MLflow gateway raises; the sync stops and changes nothing."""


class MlflowUnavailable(MlflowError):
    """The server could not be reached, timed out or answered 5xx: try again next time."""


class MlflowAuthFailed(MlflowError):
    """The server refused the token (401 or 403)."""


class MlflowRefused(MlflowError):
    """Any other refusal: a bad request, an unknown model, an expired page token."""


def from_millis(value: int | str | None) -> datetime | None:
    """MLflow's epoch milliseconds as an aware UTC datetime."""
    if value in (None, ""):
        return None
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: its name, description, tags and which version each alias points at."""

    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)  # alias -> version number
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RegisteredVersion:
    """One version of a registered model and the run it came from."""

    model_name: str
    number: int
    run_id: str | None = None
    source: str = ""
    description: str = ""
    status: str = "READY"
    user_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Run:
    """A tracked run: parameters and the latest value of each metric."""

    run_id: str
    run_name: str = ""
    experiment_id: str = ""
    status: str = ""
    started_at: datetime | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricPoint:
    """One logged value of a metric."""

    key: str
    value: float
    at: datetime | None
    step: int = 0


class MlflowGateway(Protocol):
    """What Opsdesk reads from an MLflow tracking server."""

    def registered_models(self) -> Iterator[RegisteredModel]:
        """Every registered model, all pages."""
        ...

    def model_versions(self, model_name: str | None = None) -> Iterator[RegisteredVersion]:
        """Every version (of one model, or of all models), all pages."""
        ...

    def runs(self, run_ids: Sequence[str]) -> list[Run]:
        """The runs with these ids that still exist (unknown ids are left out)."""
        ...

    def experiment_runs(self, experiment: str, *, limit: int = 200) -> list[Run]:
        """Runs of one experiment (by id or name), newest first; [] for an unknown experiment."""
        ...

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        """Every logged value of one metric of one run, oldest first."""
        ...
