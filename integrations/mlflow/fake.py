"""An MLflow that lives in memory: models, versions, aliases and runs a test sets up and moves.

It pages like the server (``page_size``), can be told to fail (``fail_with``) after a number
of calls, and counts its calls, so the sync's paging, idempotence and clean stop are tested
against it without a server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from integrations.mlflow import (
    MetricPoint,
    MlflowError,
    RegisteredModel,
    RegisteredVersion,
    Run,
)

T = TypeVar("T")


@dataclass
class FakeMlflowGateway:
    """``MlflowGateway`` over dictionaries; ``at`` stamps what is created or changed."""

    page_size: int = 100
    models: dict[str, RegisteredModel] = field(default_factory=dict)
    versions: dict[tuple[str, int], RegisteredVersion] = field(default_factory=dict)
    run_store: dict[str, Run] = field(default_factory=dict)
    histories: dict[tuple[str, str], list[MetricPoint]] = field(default_factory=dict)
    calls: int = 0
    fail_with: MlflowError | None = None
    fail_after_calls: int = 0

    # --- set-up, as a team would do it in MLflow ----------------------------------------------

    def create_model(self, name: str, at: datetime, **kw: object) -> RegisteredModel:
        model = RegisteredModel(name=name, created_at=at, updated_at=at, **kw)  # type: ignore[arg-type]
        self.models[name] = model
        return model

    def create_version(
        self, name: str, at: datetime, *, run: Run | None = None, **kw: object
    ) -> RegisteredVersion:
        number = 1 + max((n for m, n in self.versions if m == name), default=0)
        if run is not None:
            self.run_store[run.run_id] = run
        version = RegisteredVersion(
            model_name=name,
            number=number,
            run_id=run.run_id if run else None,
            created_at=at,
            updated_at=at,
            **kw,  # type: ignore[arg-type]
        )
        self.versions[(name, number)] = version
        self._touch(name, at)
        return version

    def set_alias(self, name: str, alias: str, number: int, at: datetime) -> None:
        model = self.models[name]
        self.models[name] = replace(model, aliases={**model.aliases, alias: number}, updated_at=at)

    def delete_alias(self, name: str, alias: str, at: datetime) -> None:
        model = self.models[name]
        aliases = {k: v for k, v in model.aliases.items() if k != alias}
        self.models[name] = replace(model, aliases=aliases, updated_at=at)

    def add_run(self, run: Run, history: dict[str, list[MetricPoint]] | None = None) -> None:
        self.run_store[run.run_id] = run
        for key, points in (history or {}).items():
            self.histories[(run.run_id, key)] = points

    def _touch(self, name: str, at: datetime) -> None:
        self.models[name] = replace(self.models[name], updated_at=at)

    # --- MlflowGateway ----------------------------------------------------------------------

    def _call(self) -> None:
        self.calls += 1
        if self.fail_with is not None and self.calls > self.fail_after_calls:
            raise self.fail_with

    def _paged(self, items: list[T]) -> Iterator[T]:
        for start in range(0, max(len(items), 1), self.page_size):
            self._call()
            yield from items[start : start + self.page_size]

    def registered_models(self) -> Iterator[RegisteredModel]:
        items = [self.models[name] for name in sorted(self.models)]
        yield from self._paged(items)

    def model_versions(self, model_name: str | None = None) -> Iterator[RegisteredVersion]:
        items = [v for key, v in sorted(self.versions.items()) if model_name in (None, key[0])]
        yield from self._paged(items)

    def runs(self, run_ids: Sequence[str]) -> list[Run]:
        self._call()
        return [self.run_store[r] for r in sorted(set(run_ids)) if r in self.run_store]

    def experiment_runs(self, experiment: str, *, limit: int = 200) -> list[Run]:
        self._call()
        found = [r for r in self.run_store.values() if r.experiment_id == experiment]
        found.sort(key=lambda r: r.started_at.timestamp() if r.started_at else 0.0, reverse=True)
        return found[:limit]

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        self._call()
        return list(self.histories.get((run_id, key), []))
