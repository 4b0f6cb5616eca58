"""A real local HTTP server playing a merchant's webhook endpoint: it records every POST (headers, raw body,
parsed JSON) and whether its signature verified with the secret it was given.

    with WebhookEndpoint() as endpoint:
        subscription = subscription_create(merchant=m, url=endpoint.url, kinds=[...], actor=user)
        endpoint.secret = subscription.secret
        ...
        assert endpoint.received[0]["verified"]

Set `down = True` (`go_down()`) to answer 503 without recording a delivery, `come_up()` to recover;
`status` answers every request with another code (a 410, a redirect).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from integrations.services.delivery import signature_verify


class WebhookEndpoint:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self.down = False
        self.status = 200
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-endpoint", daemon=True)

    def start(self) -> WebhookEndpoint:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/wms"

    def go_down(self) -> None:
        self.down = True

    def come_up(self) -> None:
        self.down = False

    def kinds(self) -> list[str]:
        with self.lock:
            return [r["json"]["kind"] for r in self.received]

    def of_resource(self, resource_type: str, resource_id: Any) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if r["json"]["resource"] == {"type": resource_type, "id": str(resource_id)}]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if self.down:
            with self.lock:
                self.refused += 1
            return self._answer(handler, 503, b'{"error": "down for maintenance"}')
        headers = {k.lower(): v for k, v in handler.headers.items()}
        record = {
            "path": handler.path, "headers": headers, "raw": raw, "json": json.loads(raw) if raw else None,
            "verified": signature_verify(self.secret, headers.get("x-wms-timestamp", ""), raw,
                                         headers.get("x-wms-signature", ""), now=time.time()),
        }
        with self.lock:
            self.received.append(record)
        extra = {"Location": "http://127.0.0.1:9/elsewhere"} if 300 <= self.status < 400 else {}
        return self._answer(handler, self.status, b'{"ok": true}', extra)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)


def _handler_for(endpoint: WebhookEndpoint):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            endpoint.handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
