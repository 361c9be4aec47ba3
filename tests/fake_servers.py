"""Local HTTP servers on 127.0.0.1 that speak Slack's Web API and Google Calendar v3 + OAuth.

The real adapters run against these; each server keeps what it received and can be told to
misbehave (429s, dropped connections, timeouts, error codes) for the next calls of a method.
Nothing here ever talks to anything but loopback.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLACK_TOKEN = "xoxb-test-token"
GOOGLE_ACCESS_TOKEN = "ya29.test-access"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _read_params(handler: BaseHTTPRequestHandler) -> dict[str, Any]:
    parsed = urllib.parse.urlparse(handler.path)
    params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    ctype = handler.headers.get("Content-Type", "")
    if raw and "json" in ctype:
        params.update(json.loads(raw))
    elif raw:
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()})
    for key in ("blocks", "metadata"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


# --- Slack -------------------------------------------------------------------------------


class SlackServer:
    """Slack's Web API: auth.test, users.lookupByEmail, chat.postMessage, conversations.*."""

    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.gone: dict[str, str] = {}  # channel -> error code
        self.token_error: str | None = None
        self.plans: dict[str, deque[tuple[Any, ...]]] = defaultdict(deque)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.after_record: Any = None  # called after a post is recorded, before the answer
        self.post_delay_seconds = 0.0
        self._ts = 0.0
        self._lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"

    def plan(self, method: str, *actions: tuple[Any, ...]) -> None:
        """Misbehave on the next calls of ``method``: ("429", secs), ("drop",), ("error", code),
        ("status", code)."""
        self.plans[method].extend(actions)

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        if channel is not None:
            return list(self.messages.get(channel, []))
        return [m for msgs in self.messages.values() for m in msgs]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                method = urllib.parse.urlparse(self.path).path.rsplit("/", 1)[-1]
                params = _read_params(self)
                with server._lock:
                    server.calls.append((method, params))
                    action = server.plans[method].popleft() if server.plans[method] else None
                if self.headers.get("Authorization") != f"Bearer {SLACK_TOKEN}":
                    return self._send({"ok": False, "error": "not_authed"})
                if server.token_error:
                    return self._send({"ok": False, "error": server.token_error})
                if action and action[0] == "429":
                    return self._send(
                        {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(action[1])}
                    )
                if action and action[0] == "error":
                    return self._send({"ok": False, "error": action[1]})
                if action and action[0] == "status":
                    return self._send({"ok": False, "error": "internal_error"}, action[1])
                result = server._answer(method, params)
                if method == "chat.postMessage" and result.get("ok"):
                    if server.post_delay_seconds:
                        time.sleep(server.post_delay_seconds)
                    if server.after_record is not None:
                        server.after_record()
                if action and action[0] == "drop":
                    # The post is recorded, then the connection drops before any answer.
                    self.close_connection = True
                    return
                self._send(result)

        return Handler

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "team": "Test team", "user_id": "UBOT"}
        if method == "users.lookupByEmail":
            uid = self.users.get(str(params.get("email", "")).lower())
            if uid is None:
                return {"ok": False, "error": "users_not_found"}
            return {"ok": True, "user": {"id": uid}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params["users"])[1:]}}
        if method == "conversations.history":
            channel = str(params.get("channel"))
            oldest = float(params.get("oldest") or 0)
            msgs = [m for m in reversed(self.messages.get(channel, [])) if float(m["ts"]) > oldest]
            with_meta = str(params.get("include_all_metadata", "")).lower() in ("true", "1")
            out = [{k: v for k, v in m.items() if k != "metadata" or with_meta} for m in msgs]
            return {"ok": True, "messages": out, "has_more": False}
        if method == "chat.postMessage":
            channel = str(params.get("channel"))
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            if channel in self.gone:
                return {"ok": False, "error": self.gone[channel]}
            text = str(params.get("text", ""))
            blocks = params.get("blocks") or []
            if len(text) > 40000:
                return {"ok": False, "error": "msg_too_long"}
            if len(blocks) > 50 or any(
                len(b.get("text", {}).get("text", "")) > 3000 for b in blocks
            ):
                return {"ok": False, "error": "invalid_blocks"}
            with self._lock:
                # Like Slack: the epoch time of the post, unique within the channel.
                self._ts = max(self._ts + 0.000001, time.time())
                ts = f"{self._ts:.6f}"
                message = {
                    "ts": ts,
                    "text": text,
                    "blocks": blocks,
                    "metadata": params.get("metadata"),
                    "at": time.monotonic(),
                }
                self.messages[channel].append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        return {"ok": False, "error": "unknown_method"}


@contextmanager
def slack_server() -> Iterator[SlackServer]:
    server = SlackServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


# --- Google Calendar v3 + OAuth token endpoint ------------------------------------------


def _google_error(status: int, reason: str, message: str = "") -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message or reason,
            "errors": [
                {
                    "domain": "global" if reason != "quotaExceeded" else "usageLimits",
                    "reason": reason,
                    "message": message or reason,
                }
            ],
        }
    }


class GoogleServer:
    """Calendar v3 events (insert, get, patch, delete), calendars.get and /token."""

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, deque[tuple[Any, ...]]] = defaultdict(deque)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.token_error: str | None = None
        self.token_requests = 0
        self.codes: list[str] = []
        self.scope = ""
        self._lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def plan(self, op: str, *actions: tuple[Any, ...]) -> None:
        """Next calls of ``op`` (insert, get, patch, delete): ("status", code, reason) or
        ("slow_after_store", seconds)."""
        self.plans[op].extend(actions)

    def ops(self, op: str) -> list[dict[str, Any]]:
        return [body for name, _path, body in self.calls if name == op]

    def authorized_user_file(self, path: Any) -> Any:
        path.write_text(
            json.dumps(
                {
                    "type": "authorized_user",
                    "client_id": "client-id.apps.example",
                    "client_secret": "not-a-secret",
                    "refresh_token": "1//refresh",
                    "token_uri": self.token_uri,
                }
            )
        )
        return path

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, body: dict[str, Any] | None, status: int = 200) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, verb: str) -> None:
                parsed = urllib.parse.urlparse(self.path)
                params = _read_params(self)
                parts = [urllib.parse.unquote(p) for p in parsed.path.strip("/").split("/")]
                if parts == ["token"]:
                    server.token_requests += 1
                    if server.token_error:
                        return self._send(
                            {
                                "error": server.token_error,
                                "error_description": "Token has been revoked.",
                            },
                            400,
                        )
                    answer = {
                        "access_token": GOOGLE_ACCESS_TOKEN,
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    }
                    if params.get("grant_type") == "authorization_code":
                        server.codes.append(str(params.get("code")))
                        answer |= {"refresh_token": "1//from-consent", "scope": server.scope}
                    return self._send(answer)
                if self.headers.get("Authorization") != f"Bearer {GOOGLE_ACCESS_TOKEN}":
                    return self._send(_google_error(401, "authError"), 401)
                if parts[:2] != ["calendar", "v3"] or len(parts) < 4:
                    return self._send(_google_error(404, "notFound"), 404)
                rest = parts[4:]  # after calendars/{id}
                if not rest:
                    op = "calendar"
                elif len(rest) == 1 and verb == "POST":
                    op = "insert"
                else:
                    op = {"GET": "get", "PATCH": "patch", "DELETE": "delete"}[verb]
                with server._lock:
                    server.calls.append((op, parsed.path, params))
                    action = server.plans[op].popleft() if server.plans[op] else None
                if action and action[0] == "status":
                    return self._send(_google_error(action[1], action[2]), action[1])
                body, status = server._answer(op, rest, params)
                if action and action[0] == "slow_after_store":
                    time.sleep(action[1])  # the client times out; the change is stored anyway
                    return
                self._send(body, status)

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

            def do_PATCH(self) -> None:
                self._route("PATCH")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler

    def _answer(
        self, op: str, rest: list[str], params: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, int]:
        with self._lock:
            if op == "calendar":
                return {"id": "primary", "summary": "Test calendar"}, 200
            if op == "insert":
                event_id = str(params.get("id"))
                if event_id in self.events:
                    return _google_error(
                        409, "duplicate", "The requested identifier already exists."
                    ), 409
                event = {k: v for k, v in params.items() if k not in ("sendUpdates", "alt")}
                event["status"] = "confirmed"
                self.events[event_id] = event
                return event, 200
            event_id = rest[1] if len(rest) > 1 else ""
            event = self.events.get(event_id)
            if event is None:
                return _google_error(404, "notFound"), 404
            if op == "get":
                return event, 200
            if op == "patch":
                event.update({k: v for k, v in params.items() if k not in ("sendUpdates", "alt")})
                return event, 200
            if op == "delete":
                if event["status"] == "cancelled":
                    return _google_error(410, "deleted"), 410
                event["status"] = "cancelled"
                return None, 204
        return _google_error(400, "badRequest"), 400


@contextmanager
def google_server() -> Iterator[GoogleServer]:
    server = GoogleServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
