"""A local HTTPS stand-in for the Kubernetes API, as a pod sees it: a service-account directory
(token, namespace, CA certificate) and an API server that records calls and answers from a script.
Used to run kfpc's helper steps (PVC creation, scheduled runs) for real in tests."""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

Call = tuple[str, str, str, Any]  # method, path, Authorization header, JSON body


class Api:
    def __init__(self, account: Path, port: int, calls: list[Call]):
        self.account = account
        self.port = port
        self.calls = calls
        self.answers: dict[str, Callable[[str, str, Any], tuple[int, Any]]] = {}


@pytest.fixture
def k8s_api(tmp_path: Path) -> Iterator[Api]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the stand-in's certificate")
    account = tmp_path / "serviceaccount"
    account.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(account / "key.pem"),
                    "-out", str(account / "ca.crt")], check=True, capture_output=True)
    (account / "token").write_text("secret-token")
    (account / "namespace").write_text("team-a")
    calls: list[Call] = []
    holder: dict[str, Api] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def handle_call(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            calls.append((self.command, self.path, self.headers["Authorization"], body))
            answer = holder["api"].answers.get(self.command)
            status, reply = answer(self.command, self.path, body) if answer else \
                (201 if self.command == "POST" else 200, {})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(reply).encode())

        do_GET = do_POST = do_DELETE = handle_call

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(account / "ca.crt", account / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    holder["api"] = Api(account, server.server_address[1], calls)
    try:
        yield holder["api"]
    finally:
        server.shutdown()
