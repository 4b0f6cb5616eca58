"""Resident memory of the whole running system (`make run`: web, Celery worker and beat, embedded PostgreSQL
and Redis) with the demo data, idle and after a burst of page views by logged-in staff."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks.common import ROOT, write_section

PORT = 8797
BUDGET_MB = 1536
PAGES = ["/orders/", "/warehouse/waves/", "/warehouse/picking/", "/warehouse/discrepancies/", "/warehouse/inbound/",
         "/warehouse/manifests/", "/inventory/products/", "/api/v1/schema/"]


def run() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}  # embedded, as on a bare machine
    env.update(PORT=str(PORT), PYTHONUNBUFFERED="1")
    runner = subprocess.Popen([sys.executable, "-m", "wms_project.runner"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_healthy()
        time.sleep(20)  # worker and beat settle
        idle = _tree_memory(runner.pid)
        views = _browse()
        loaded = _tree_memory(runner.pid)
    finally:
        os.killpg(runner.pid, signal.SIGINT)
        try:
            runner.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)
    rows = "\n".join(f"| {name} | {idle[name][0]:.0f} | {idle[name][1]:.0f} | {loaded[name][0]:.0f} | {loaded[name][1]:.0f} |"
                     for name in sorted(idle, key=lambda n: -idle[n][0]))
    total_idle, total_loaded = (sum(v[0] for v in m.values()) for m in (idle, loaded))
    pss_loaded = sum(v[1] for v in loaded.values())
    write_section("Memory", f"""
`make run` as on a bare machine (embedded PostgreSQL and Redis, demo data: 2 merchants, 300 products, ~580
bins, opening stock, POs, released orders in waves), started by `python -m benchmarks memory`. Sampled from
/proc for the runner's whole process tree: idle 20 s after start-up, then again after {views} page views by
a logged-in manager across {len(PAGES)} pages. RSS counts shared pages once per process (PostgreSQL's shared
buffers, forked gunicorn/Celery children), so its sum overstates; PSS shares them out.

| part | idle RSS MB | idle PSS MB | after views RSS MB | after views PSS MB |
|---|---|---|---|---|
{rows}

Total: idle **{total_idle:.0f} MB** RSS, after the page views **{total_loaded:.0f} MB** RSS ({pss_loaded:.0f} MB PSS);
budget {BUDGET_MB} MB: {"within" if total_loaded < BUDGET_MB else "OVER"} it.
""")


def _wait_healthy() -> None:
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError("make run did not become healthy within 10 minutes")


def _browse(rounds: int = 10) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{PORT}"
    opener.open(f"{base}/login/").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    body = urllib.parse.urlencode({"username": "manager", "password": "demo-pass-123", "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": f"{base}/login/"})
    opener.open(request).read()
    views = 0
    for _ in range(rounds):
        for page in PAGES:
            try:
                opener.open(base + page).read()
            except urllib.error.HTTPError:
                pass  # a page this role may not see still exercises the stack
            views += 1
    return views


def _tree_memory(root: int) -> dict[str, tuple[float, float]]:
    """(RSS, PSS) in MB per part of the system: the root's descendants, and the embedded PostgreSQL and Redis
    servers it started (they detach from their parent, so they are found by start time and name)."""
    children: dict[int, list[int]] = {}
    started: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            started[int(entry.name)] = int(fields[19])
    servers = []
    for pid, start in started.items():
        if start >= started.get(root, 0) and pid != root:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"/") and (b"/postgres\0" in cmd or b"redis-server" in cmd or cmd.split(b"\0")[0].endswith(b"/postgres")):
                servers.append(pid)
    parts: dict[str, tuple[float, float]] = {}
    seen: set[int] = set()
    stack = [root, *servers]
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        stack += children.get(pid, [])
        try:
            cmd = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.split()[1:2]}
        name = _part(cmd)
        rss, pss = parts.get(name, (0.0, 0.0))
        parts[name] = (rss + fields.get("Rss", 0) / 1024, pss + fields.get("Pss", 0) / 1024)
    return parts


def _part(cmd: str) -> str:
    for key, name in (("gunicorn", "web (gunicorn)"), (" worker", "Celery worker"), (" beat", "Celery beat"),
                      ("postgres", "PostgreSQL (embedded)"), ("redis", "Redis (embedded)"), ("wms_project.runner", "runner")):
        if key in cmd:
            return name
    return "other"
