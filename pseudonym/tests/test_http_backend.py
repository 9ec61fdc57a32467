"""The external (trusted third party) pseudonymiser, against a small server the test starts.

The server implements docs/pseudonymisation-protocol.md with its own secret: it checks the
request signature and the timestamp, and answers pseudonyms in order.
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pseudonym.backends import HTTPBackend, PseudonymiserError, sign_request
from pseudonym.services import (
    PseudonymCollision,
    project_key_destroy,
    project_key_ensure,
    pseudonymise_values,
)

TOKEN = b"shared-request-signing-token-for-tests"
TTP_SECRET = b"the third party's own secret"


class TTPHandler(BaseHTTPRequestHandler):
    destroyed: set = set()
    requests: list = []
    truncate = 16

    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("X-Ask4mdp-Timestamp", "")
        auth = self.headers.get("Authorization", "")
        expected = sign_request(TOKEN, "POST", self.path, timestamp, body)
        if not auth.startswith("ASK4MDP-HMAC-SHA256 ") or not hmac.compare_digest(
            auth.split(" ", 1)[1], expected
        ):
            return self._answer(401, {"error": "bad signature"})
        if abs(time.time() - int(timestamp)) > 300:
            return self._answer(401, {"error": "stale request"})
        data = json.loads(body)
        TTPHandler.requests.append(data)
        if self.path == "/v1/destroy":
            TTPHandler.destroyed.add(data["project"])
            return self._answer(200, {"destroyed": True})
        if data["project"] in TTPHandler.destroyed:
            return self._answer(410, {"error": "key destroyed"})
        key = hmac.new(
            TTP_SECRET,
            f"{data['project']}|{data['domain']}|{data['stage']}|{data['key_version']}".encode(),
            hashlib.sha256,
        ).digest()
        pseudonyms = [
            hmac.new(key, i.encode(), hashlib.sha256).hexdigest()[: self.truncate]
            for i in data["identifiers"]
        ]
        return self._answer(200, {"protocol": 1, "pseudonyms": pseudonyms})


@pytest.fixture
def ttp_server():
    TTPHandler.destroyed = set()
    TTPHandler.requests = []
    TTPHandler.truncate = 16
    server = ThreadingHTTPServer(("127.0.0.1", 0), TTPHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_settings(settings, ttp_server, monkeypatch):
    settings.PSEUDONYMISER_BACKEND = "http"
    settings.PSEUDONYMISER_HTTP_URL = ttp_server
    monkeypatch.setenv("ASK4MDP_PSEUDONYMISER_TOKEN", TOKEN.decode())
    return settings


def test_it_pseudonymises_through_the_external_service_in_batches(make_project, pia, http_settings):
    project = make_project("PRJ-2026-010")
    project_key_ensure(project=project, actor=pia)
    ids = [str(10**12 + i) for i in range(25_000)]
    first = pseudonymise_values(project=project, domain="person", values=ids)
    assert len(TTPHandler.requests) == 3  # batches of 10,000
    assert TTPHandler.requests[0]["project"] == "PRJ-2026-010" and TTPHandler.requests[0]["stage"] == 1
    assert all("salt" not in r for r in TTPHandler.requests)  # the platform's salt never leaves it
    assert pseudonymise_values(project=project, domain="person", values=ids[:10]) == {
        i: first[i] for i in ids[:10]
    }
    other = make_project("PRJ-2026-011")
    project_key_ensure(project=other, actor=pia)
    assert pseudonymise_values(project=other, domain="person", values=ids[:10]) != {
        i: first[i] for i in ids[:10]
    }


def test_it_is_refused_with_a_wrong_token(make_project, pia, http_settings, monkeypatch):
    project = make_project("PRJ-2026-012")
    project_key_ensure(project=project, actor=pia)
    monkeypatch.setenv("ASK4MDP_PSEUDONYMISER_TOKEN", "not the token")
    with pytest.raises(PseudonymiserError, match="HTTP 401"):
        pseudonymise_values(project=project, domain="person", values=["1"])


def test_it_checks_collisions_on_what_the_service_returns(make_project, pia, http_settings):
    project = make_project("PRJ-2026-013")
    project_key_ensure(project=project, actor=pia)
    TTPHandler.truncate = 16
    backend = HTTPBackend()
    backend.hex_length = 1
    with pytest.raises(PseudonymCollision):
        pseudonymise_values(
            project=project, domain="person", values=[str(i) for i in range(100)], backend=backend
        )


def test_it_tells_the_service_to_destroy_the_key(
    make_project, pia, adam, http_settings, django_capture_on_commit_callbacks
):
    project = make_project("PRJ-2026-014")
    project_key_ensure(project=project, actor=pia)
    with django_capture_on_commit_callbacks(execute=True):
        project_key_destroy(project=project, actor=adam, reason="breach")
    assert "PRJ-2026-014" in TTPHandler.destroyed


def test_it_rejects_a_malformed_answer(make_project, pia, http_settings, monkeypatch):
    project = make_project("PRJ-2026-015")
    project_key_ensure(project=project, actor=pia)
    monkeypatch.setattr(HTTPBackend, "_post", lambda self, path, payload: {"pseudonyms": ["zz"]})
    with pytest.raises(PseudonymiserError, match="not pseudonyms|malformed"):
        pseudonymise_values(project=project, domain="person", values=["1"])
