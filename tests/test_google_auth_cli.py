"""`opsdesk google-auth`: the installed-app flow writes an authorized-user token file that the
calendar adapter then uses, refreshing at the client's own token_uri (a local server here)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import cli
from db.engine import Database
from integrations.google_calendar.api import (
    SCOPES,
    GoogleCalendarGateway,
    build_service,
    load_credentials,
)
from services.delivery.connections import read_states, set_state
from tests.fake_servers import google_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_google_auth_writes_a_token_file_the_adapter_can_use(
    app_env: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # oauthlib insists on https; the local test server speaks plain http on loopback.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    set_state(app_env, "google", "reconnect_needed", "invalid_grant")
    with google_server() as server:
        server.scope = " ".join(SCOPES)
        secrets = tmp_path / "client.json"
        secrets.write_text(
            json.dumps(
                {
                    "installed": {
                        "client_id": "desktop.apps.example",
                        "client_secret": "not-a-secret",
                        "auth_uri": server.url + "/auth",
                        "token_uri": server.token_uri,
                        "redirect_uris": ["http://localhost"],
                    }
                }
            )
        )
        out = tmp_path / "token.json"
        port = free_port()
        result: dict[str, int] = {}
        worker = threading.Thread(
            target=lambda: result.setdefault(
                "rc",
                cli.main(
                    [
                        "google-auth",
                        "--client-secrets",
                        str(secrets),
                        "--out",
                        str(out),
                        "--port",
                        str(port),
                        "--no-browser",
                    ]
                ),
            )
        )
        worker.start()
        printed = ""
        for _ in range(200):
            printed += capsys.readouterr().out
            if server.url + "/auth" in printed:
                break
            time.sleep(0.05)
        auth_url = next(w for w in printed.split() if w.startswith(server.url + "/auth"))
        state = urllib.parse.parse_qs(urllib.parse.urlparse(auth_url).query)["state"][0]
        query = urllib.parse.urlencode(
            {"state": state, "code": "4/consent-code", "scope": " ".join(SCOPES)}
        )
        urllib.request.urlopen(f"http://localhost:{port}/?{query}", timeout=10).read()
        worker.join(timeout=30)
        assert result.get("rc") == 0
        assert server.codes == ["4/consent-code"]
        token = json.loads(out.read_text())
        assert token["refresh_token"] == "1//from-consent"
        assert token["token_uri"] == server.token_uri
        assert out.stat().st_mode & 0o077 == 0
        gateway = GoogleCalendarGateway(build_service(load_credentials(out), server.url))
        assert gateway.check() == "Test calendar"
    assert read_states(app_env)["google"].state == "connected"
