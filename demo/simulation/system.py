"""The system under simulation: a fresh database, and `make run`'s own runner (`python -m wms_project.runner`:
gunicorn, a Celery worker with its inbox dispatcher, beat, supervised) started against it, with the configured
REDIS_URL. The runner is started as the process it is, not imported: it is the composition root."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager


def fresh_database(name: str) -> str:
    """Drop and recreate `name` on the configured PostgreSQL and migrate it; its URL."""
    from benchmarks.common import bench_database_url

    return bench_database_url(name)


def wait_healthy(url: str, process: subprocess.Popen | None = None, *, timeout: float = 120.0) -> None:
    """Until /healthz/workers answers 200: the web server is up and a Celery worker answers its ping."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the runner exited with status {process.returncode} before the system was up")
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/healthz/workers", timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"the system at {url} did not become healthy within {timeout:.0f} s (last: {last})")


@contextmanager
def running_system(*, database_url: str, port: int, workers: int | None = None, log_dir: str = ""):
    """The runner for the duration of the block; yields (base URL, log folder of its parts)."""
    from django.conf import settings

    log_dir = log_dir or tempfile.mkdtemp(prefix="wms-simulate-")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL, "HOST": "127.0.0.1",
           "PORT": str(port), "WMS_RUN_SETUP": "0", "WMS_LOG_DIR": log_dir, "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "wms_project.settings", "PYTHONUNBUFFERED": "1"}
    if workers:
        env["WORKER_CONCURRENCY"] = str(workers)
    with open(os.path.join(log_dir, "runner.log"), "ab") as output:
        runner = subprocess.Popen([sys.executable, "-m", "wms_project.runner"], cwd=str(settings.BASE_DIR), env=env,
                                  stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, runner)
        yield base, log_dir
    finally:
        runner.send_signal(signal.SIGTERM)  # the runner stops every part, then itself
        try:
            runner.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
