"""Load from tools built for it: wrk against the web server exactly as `make run` starts it (with the benchmark
settings, which add the baseline routes), and pgbench for PostgreSQL's own hot-row ceiling."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from benchmarks.common import ROOT, median
from wms_project.runner import web_command

PORT = "8765"
SERVER_LOG = Path(tempfile.gettempdir()) / "wms-bench-server.log"
CONNECTIONS = 16
WRK_THREADS = 2


@dataclass
class WrkResult:
    rate: float  # completed requests / s
    p50: float  # ms
    p99: float
    requests: int
    errors: int  # non-2xx answers and socket errors
    p95: float = float("nan")  # ms, when the script prints it (P95_LUA)
    failure: str = ""  # the first failed answer when the script prints it ("FAILED ..."), else the socket errors


# Appended to a script, wrk prints the 95th percentile too (its --latency table stops at 90 and 99).
P95_LUA = """
function done(summary, latency, requests)
  io.write(string.format("P95_US %d\\n", latency:percentile(95)))
end
"""


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} is not installed (apt-get install -y {tool})")
    return path


@contextmanager
def served(database_url: str, redis_url: str, **extra_env: str):
    """gunicorn as `make run` serves it (workers and threads from WEB_WORKERS / WEB_THREADS, 2 x 4 by default)."""
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **extra_env}
    command = web_command(sys.executable, "127.0.0.1", PORT, env)
    with open(SERVER_LOG, "w") as log:  # the server's own log: what a failed answer was
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready()
            yield f"http://127.0.0.1:{PORT}"
        finally:
            server.terminate()
            server.wait(15)


def server_shape() -> str:
    return f"gunicorn {os.environ.get('WEB_WORKERS', '2')} workers x {os.environ.get('WEB_THREADS', '4')} threads"


def _wait_ready() -> None:
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(PORT), timeout=2)
            conn.request("POST", "/bench/noop")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start")


def wrk(url: str, script: str, *, seconds: int = 10, connections: int = CONNECTIONS, env: dict | None = None,
        threads: int = WRK_THREADS) -> WrkResult:
    """One wrk run with a Lua script (request shape, and optionally a per-connection pace)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [require("wrk"), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
             "--timeout", "10s", "-s", handle.name, url],
            capture_output=True, text=True, check=True, env={**os.environ, **(env or {})},
        ).stdout
    finally:
        os.unlink(handle.name)
    return parse_wrk(out)


def parse_wrk(out: str) -> WrkResult:
    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            raise RuntimeError(f"wrk output without the {label} latency:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in match.groups())
    p95 = float(match.group(1)) / 1000 if (match := re.search(r"^P95_US (\d+)$", out, re.M)) else float("nan")
    failure = match.group(1) if (match := re.search(r"^FAILED (.*)$", out, re.M)) else ""
    if not failure and (match := re.search(r"Socket errors: .*", out)):
        failure = match.group(0)
    return WrkResult(rate=rate, p50=ms("50%"), p99=ms("99%"), requests=requests, errors=errors, p95=p95,
                     failure=failure)


def pgbench_hot_row(database_url: str, *, clients: int = 8, jobs: int = 2, seconds: int = 15) -> float:
    """PostgreSQL's own rate for a guarded single-row UPDATE on one hot row (the shape of a reservation)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_hot_row")
        conn.execute("CREATE TABLE bench_hot_row (id int PRIMARY KEY, on_hand bigint NOT NULL, reserved bigint NOT NULL)")
        conn.execute("INSERT INTO bench_hot_row VALUES (1, 1000000000000, 0)")
    script = Path(tempfile.mkstemp(suffix=".sql")[1])
    script.write_text("UPDATE bench_hot_row SET reserved = reserved + 1 WHERE id = 1 AND on_hand - reserved >= 1;\n")
    try:
        out = subprocess.run(
            [require("pgbench"), "-n", "-c", str(clients), "-j", str(jobs), "-T", str(seconds), "-f", str(script),
             database_url],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        script.unlink()
    return float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", out).group(1))


def med(results: list[WrkResult], field: str) -> float:
    return median([getattr(result, field) for result in results])


def rounds_text(results: list[WrkResult]) -> str:
    return ", ".join(f"{result.rate:.0f}" for result in results)


def pace_lua(rate_per_second: float, connections: int = CONNECTIONS) -> str:
    """A per-connection pause so that `connections` connections together offer about `rate_per_second`
    (wrk 4 has no fixed-rate mode; the measured rate is reported, not this target)."""
    return f"\nfunction delay()\n  return {max(1, round(connections * 1000 / rate_per_second))}\nend\n"
