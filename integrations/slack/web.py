"""The real Slack gateway over slack-sdk's ``WebClient`` (Web API at ``settings.slack_api_url``).

slack-sdk's default retry handler re-sends a request after a dropped connection; for
``chat.postMessage`` that can post twice (Slack has no idempotency key), so the client is built
with no retry handlers and this adapter decides: 429 is waited out as Slack tells, anything where
the post may have landed is reported as ``Ambiguous`` for the worker to look before re-sending.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.error
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.slack import (
    Ambiguous,
    AuthRevoked,
    ChannelGone,
    Delivery,
    RateLimited,
    SlackFailure,
    SlackIdentity,
    SlackMessage,
)
from integrations.slack.blocks import outbox_ids_of, render

AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "token_revoked",
        "not_authed",
        "account_inactive",
        "token_expired",
        "missing_scope",
        "org_login_required",
        "ekm_access_denied",
    }
)
TARGET_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "restricted_action",
        "channel_is_archived",
    }
)
# Chat writes are limited to about one message per second per channel.
PACE_SECONDS = 1.0
# 429s waited out inside one call; longer or more are handed back to the worker as RateLimited.
MAX_INLINE_WAIT_SECONDS = 60.0
MAX_RATE_LIMIT_WAITS = 5
HISTORY_PAGES = 5
HISTORY_MARGIN_SECONDS = 3600
CONNECTION_ERRORS = (
    urllib.error.URLError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
    OSError,
)


def make_client(token: str, base_url: str, timeout_seconds: int = 30) -> WebClient:
    """A WebClient with no automatic retries (see the module docstring)."""
    return WebClient(token=token, base_url=base_url, timeout=timeout_seconds, retry_handlers=[])


class WebSlackGateway:
    """``SlackGateway`` over a ``WebClient``; ``sleep`` and ``clock`` are injectable for tests."""

    def __init__(
        self,
        client: WebClient,
        *,
        pace_seconds: float = PACE_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.pace_seconds = pace_seconds
        self.sleep = sleep
        self.clock = clock
        self._last_post: dict[str, float] = {}
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- the interface ---------------------------------------------------------------------

    def check(self) -> SlackIdentity:
        data = self._call("auth_test")
        return SlackIdentity(team=str(data.get("team", "")), bot_user=str(data.get("user_id", "")))

    def find_user(self, email: str) -> str | None:
        try:
            data = self._call("users_lookupByEmail", email=email)
        except ChannelGone:
            return None
        except SlackFailure as exc:
            if "users_not_found" in str(exc):
                return None
            raise
        user = data.get("user") or {}
        return str(user["id"]) if user.get("id") else None

    def post(self, message: SlackMessage) -> Delivery:
        self._pace(message.channel)
        data = self._call(
            "chat_postMessage", write=True, channel=message.channel, **render(message)
        )
        delivery = Delivery(channel=str(data.get("channel") or message.channel), ts=str(data["ts"]))
        if message.channel.startswith("U"):
            self._dm_channels[message.channel] = delivery.channel
        return delivery

    def find_message(
        self, channel: str, outbox_id: int, since: datetime | None = None
    ) -> Delivery | None:
        conversation = self._conversation(channel)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            kwargs: dict[str, Any] = {
                "channel": conversation,
                "limit": 200,
                "include_all_metadata": True,
            }
            if since is not None:
                # Our message cannot predate the outbox row; a margin covers clock skew.
                kwargs["oldest"] = f"{since.timestamp() - HISTORY_MARGIN_SECONDS:.6f}"
            if cursor:
                kwargs["cursor"] = cursor
            data = self._call("conversations_history", **kwargs)
            for msg in data.get("messages") or []:
                if outbox_id in outbox_ids_of(msg.get("metadata")):
                    return Delivery(channel=conversation, ts=str(msg["ts"]))
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    # --- helpers ---------------------------------------------------------------------------

    def _conversation(self, channel: str) -> str:
        """A user id names the direct-message conversation with them; open it to get its id."""
        if not channel.startswith("U"):
            return channel
        if channel not in self._dm_channels:
            data = self._call("conversations_open", users=channel)
            self._dm_channels[channel] = str((data.get("channel") or {})["id"])
        return self._dm_channels[channel]

    def _pace(self, channel: str) -> None:
        with self._lock:
            last = self._last_post.get(channel)
            if last is not None:
                wait = last + self.pace_seconds - self.clock()
                if wait > 0:
                    self.sleep(wait)
            self._last_post[channel] = self.clock()

    def _call(self, method: str, *, write: bool = False, **kwargs: Any) -> dict[str, Any]:
        """Call one Web API method, waiting out 429s and translating errors into ours."""
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            try:
                response = getattr(self.client, method)(**kwargs)
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as exc:
                status = exc.response.status_code
                error = _error_code(exc)
                if status == 429 or error == "ratelimited":
                    retry_after = _retry_after(exc.response.headers)
                    if retry_after > MAX_INLINE_WAIT_SECONDS:
                        raise RateLimited(retry_after) from exc
                    self.sleep(retry_after)
                    continue
                if error in AUTH_ERRORS:
                    raise AuthRevoked(error) from exc
                if error in TARGET_ERRORS:
                    raise ChannelGone(error) from exc
                if status >= 500 and write:
                    raise Ambiguous(f"Slack answered {status}; the post may have landed") from exc
                raise SlackFailure(error or f"HTTP {status}") from exc
            except CONNECTION_ERRORS as exc:
                if write:
                    raise Ambiguous(f"connection failed: {exc}") from exc
                raise SlackFailure(f"connection failed: {exc}") from exc
        raise RateLimited(MAX_INLINE_WAIT_SECONDS)


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data
    if isinstance(data, dict):
        return str(data.get("error") or "")
    return ""


def _retry_after(headers: Any) -> float:
    raw = None
    for key in ("Retry-After", "retry-after"):
        value = headers.get(key) if headers else None
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None:
            raw = value
            break
    try:
        return max(0.0, float(raw)) if raw is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
