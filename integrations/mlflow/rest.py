"""The real MLflow gateway: MLflow's REST API under ``/api/2.0/mlflow/``, every list paged.

Takes a ``requests.Session`` in the constructor (tests pass one pointed at a local server). HTTP
errors are translated here into the errors of ``integrations.mlflow``; nothing else escapes.
Times arrive as epoch milliseconds and leave as aware UTC datetimes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import requests

from integrations.mlflow import (
    MetricPoint,
    MlflowAuthFailed,
    MlflowError,
    MlflowRefused,
    MlflowUnavailable,
    RegisteredModel,
    RegisteredVersion,
    Run,
    from_millis,
)

API_PREFIX = "/api/2.0/mlflow/"
TIMEOUT_SECONDS = 30.0
MODELS_PAGE_SIZE = 1000  # MLflow's cap for registered-models/search
VERSIONS_PAGE_SIZE = 10_000  # MLflow's default for model-versions/search (cap 200,000)
EXPERIMENTS_PAGE_SIZE = 1000
RUN_IDS_PER_SEARCH = 100  # run ids in one `attributes.run_id IN (...)` filter
MAX_PAGES = 100_000  # a server that never stops handing out page tokens is a fault


def make_session(token: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "opsdesk"
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def _pairs(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {str(i["key"]): str(i.get("value", "")) for i in items or [] if "key" in i}


def _quote(value: str) -> str:
    """A string literal for MLflow's filter language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_model(data: dict[str, Any]) -> RegisteredModel:
    aliases = {str(a["alias"]): int(a["version"]) for a in data.get("aliases") or []}
    return RegisteredModel(
        name=str(data["name"]),
        description=str(data.get("description") or ""),
        tags=_pairs(data.get("tags")),
        aliases=aliases,
        created_at=from_millis(data.get("creation_timestamp")),
        updated_at=from_millis(data.get("last_updated_timestamp")),
    )


def parse_version(data: dict[str, Any]) -> RegisteredVersion:
    return RegisteredVersion(
        model_name=str(data["name"]),
        number=int(data["version"]),
        run_id=str(data["run_id"]) if data.get("run_id") else None,
        source=str(data.get("source") or ""),
        description=str(data.get("description") or ""),
        status=str(data.get("status") or "READY"),
        user_id=str(data.get("user_id") or ""),
        tags=_pairs(data.get("tags")),
        created_at=from_millis(data.get("creation_timestamp")),
        updated_at=from_millis(data.get("last_updated_timestamp")),
    )


def parse_run(data: dict[str, Any]) -> Run:
    info, body = data.get("info") or {}, data.get("data") or {}
    metrics: dict[str, float] = {}
    for item in body.get("metrics") or []:
        value = float(item.get("value", math.nan))
        if math.isfinite(value):
            metrics[str(item["key"])] = value
    return Run(
        run_id=str(info.get("run_id") or info.get("run_uuid")),
        run_name=str(info.get("run_name") or ""),
        experiment_id=str(info.get("experiment_id") or ""),
        status=str(info.get("status") or ""),
        started_at=from_millis(info.get("start_time")),
        params=_pairs(body.get("params")),
        metrics=metrics,
        tags=_pairs(body.get("tags")),
    )


class RestMlflowGateway:
    """``MlflowGateway`` over HTTP."""

    def __init__(
        self, base_url: str, session: requests.Session, *, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout
        self.requests_made = 0
        self._experiment_ids: list[str] | None = None

    # --- HTTP -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base_url}{API_PREFIX}{path}"
        self.requests_made += 1
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise MlflowUnavailable(f"MLflow at {self.base_url} unreachable: {exc}") from exc
        if response.status_code in (401, 403):
            raise MlflowAuthFailed(f"MLflow refused the token ({response.status_code})")
        if response.status_code >= 500 or response.status_code == 429:
            raise MlflowUnavailable(f"MLflow answered {response.status_code} for {path}")
        try:
            body = response.json() if response.content else {}
        except ValueError as exc:
            raise MlflowRefused(f"MLflow answered non-JSON for {path}") from exc
        if response.status_code >= 400:
            code = body.get("error_code", response.status_code) if isinstance(body, dict) else ""
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise MlflowRefused(f"MLflow refused {path}: {code} {message}".strip())
        if not isinstance(body, dict):
            raise MlflowRefused(f"MLflow answered an unexpected body for {path}")
        return body

    def _pages(
        self, method: str, path: str, key: str, args: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        token: str | None = None
        for _ in range(MAX_PAGES):
            page_args = dict(args, page_token=token) if token else dict(args)
            if method == "GET":
                body = self._call("GET", path, params=page_args)
            else:
                body = self._call(method, path, json=page_args)
            yield from body.get(key) or []
            token = body.get("next_page_token") or None
            if token is None:
                return
        raise MlflowError(f"MLflow kept paging {path} past {MAX_PAGES} pages")

    # --- MlflowGateway ----------------------------------------------------------------------

    def registered_models(self) -> Iterator[RegisteredModel]:
        args = {"max_results": MODELS_PAGE_SIZE, "order_by": "name ASC"}
        for item in self._pages("GET", "registered-models/search", "registered_models", args):
            yield parse_model(item)

    def model_versions(self, model_name: str | None = None) -> Iterator[RegisteredVersion]:
        args: dict[str, Any] = {"max_results": VERSIONS_PAGE_SIZE}
        if model_name is not None:
            args["filter"] = f"name = {_quote(model_name)}"
        for item in self._pages("GET", "model-versions/search", "model_versions", args):
            yield parse_version(item)

    def _experiments(self) -> list[str]:
        if self._experiment_ids is None:
            args = {"max_results": EXPERIMENTS_PAGE_SIZE, "view_type": "ALL"}
            self._experiment_ids = [
                str(e["experiment_id"])
                for e in self._pages("POST", "experiments/search", "experiments", args)
            ]
        return self._experiment_ids

    def runs(self, run_ids: Sequence[str]) -> list[Run]:
        wanted = sorted(set(run_ids))
        if not wanted:
            return []
        experiments = self._experiments()
        found: list[Run] = []
        for start in range(0, len(wanted), RUN_IDS_PER_SEARCH):
            chunk = wanted[start : start + RUN_IDS_PER_SEARCH]
            args = {
                "experiment_ids": experiments,
                "filter": "attributes.run_id IN (" + ", ".join(_quote(r) for r in chunk) + ")",
                "run_view_type": "ALL",
                "max_results": len(chunk),
            }
            found.extend(parse_run(r) for r in self._pages("POST", "runs/search", "runs", args))
        return found

    def experiment_runs(self, experiment: str, *, limit: int = 200) -> list[Run]:
        experiment_id = experiment.strip()
        if not experiment_id.isdigit():
            try:
                body = self._call(
                    "GET", "experiments/get-by-name", params={"experiment_name": experiment_id}
                )
            except MlflowRefused:
                return []
            experiment_id = str(body.get("experiment", {}).get("experiment_id", ""))
            if not experiment_id:
                return []
        args = {
            "experiment_ids": [experiment_id],
            "max_results": limit,
            "order_by": ["attributes.start_time DESC"],
        }
        body = self._call("POST", "runs/search", json=args)
        return [parse_run(r) for r in body.get("runs") or []]

    def metric_history(self, run_id: str, key: str) -> list[MetricPoint]:
        args = {"run_id": run_id, "metric_key": key, "max_results": 25_000}
        points = [
            MetricPoint(
                key=str(m["key"]),
                value=float(m["value"]),
                at=from_millis(m.get("timestamp")),
                step=int(m.get("step") or 0),
            )
            for m in self._pages("GET", "metrics/get-history", "metrics", args)
        ]
        return sorted(points, key=lambda p: (p.step, p.at.timestamp() if p.at else 0.0))
