"""`make run`: one supervising process for the whole system.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset (this process
owns them, so they live exactly as long as `make run`), migrates, loads demo data, then runs the
web server, a Celery worker and Celery beat, and keeps them running as a process manager would: a
part that exits is started again after a backoff (1 s, doubling to 30 s; reset once it has stayed up
a minute) and the restart is logged. Ctrl-C (or SIGTERM) stops every part and then the runner.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from wms_project import embedded

ROOT = embedded.BASE_DIR


def log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} runner: {message}", flush=True)


def _own_session_dying_with_parent() -> None:
    """In the child before exec: its own process group (so the runner can stop the whole tree, prefork
    children included), and SIGTERM if the runner itself dies."""
    os.setsid()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Part:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive short runs, for the backoff
    restart_at: float | None = None
    restarts: int = 0
    pids: list[int] = field(default_factory=list)


class Supervisor:
    """Runs named commands and restarts any that exits, with exponential backoff."""

    def __init__(self, commands: dict[str, list[str]], *, env: dict, cwd, backoff: float = 1.0,
                 backoff_max: float = 30.0, stable_after: float = 60.0, die_with_parent: bool = True,
                 log_dir=None):
        self.parts = [Part(name, command) for name, command in commands.items()]
        self.env, self.cwd = env, cwd
        self.backoff, self.backoff_max, self.stable_after = backoff, backoff_max, stable_after
        # The parent-death signal needs code between fork and exec, which is only safe in a single-threaded
        # parent (the runner); a threaded embedder gets plain new sessions.
        self.die_with_parent = die_with_parent
        self.log_dir = log_dir

    def part(self, name: str) -> Part:
        return next(part for part in self.parts if part.name == name)

    def start(self, part: Part) -> None:
        # The part writes to its log for its whole life, across restarts of this loop: no context manager.
        output = open(os.path.join(self.log_dir, f"{part.name}.log"), "ab") if self.log_dir else None  # noqa: SIM115
        if self.die_with_parent:
            launch = {"preexec_fn": _own_session_dying_with_parent}
        else:
            launch = {"start_new_session": True}
        part.process = subprocess.Popen(part.command, env=self.env, cwd=self.cwd, stdout=output,
                                        stderr=subprocess.STDOUT if output else None, **launch)
        if output:
            output.close()  # the child holds its own descriptor
        part.started_at = time.monotonic()
        part.restart_at = None
        part.pids.append(part.process.pid)
        log(f"{part.name} started (pid {part.process.pid})")

    def start_all(self) -> None:
        for part in self.parts:
            self.start(part)

    def check(self) -> None:
        """Notice parts that exited and start the ones whose backoff has passed."""
        now = time.monotonic()
        for part in self.parts:
            if part.process is not None and part.process.poll() is not None:
                code = part.process.returncode
                ran = now - part.started_at
                _kill_group(part.process.pid, signal.SIGKILL)  # leftovers of the dead part (pool children)
                part.process = None
                part.failures = 1 if ran >= self.stable_after else part.failures + 1
                delay = min(self.backoff * 2 ** (part.failures - 1), self.backoff_max)
                part.restart_at = now + delay
                part.restarts += 1
                how = f"signal {signal.Signals(-code).name}" if code < 0 else f"status {code}"
                log(f"{part.name} exited with {how} after {ran:.1f} s; restarting in {delay:g} s (restart {part.restarts})")
            if part.process is None and part.restart_at is not None and now >= part.restart_at:
                self.start(part)

    def stop_all(self, timeout: float = 10.0) -> None:
        running = [part for part in self.parts if part.process is not None and part.process.poll() is None]
        for part in running:
            _kill_group(part.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for part in running:
            try:
                part.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{part.name} did not stop within {timeout:.0f} s; killing it")
        for part in self.parts:
            if part.process is not None:
                _kill_group(part.process.pid, signal.SIGKILL)
                part.process.wait()
        log("stopped " + ", ".join(part.name for part in self.parts))


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def web_command(python: str, host: str, port: str, env: dict, *, access_log: bool = True) -> list[str]:
    """The web server as `make run` serves it (the benchmarks start the very same command)."""
    return [
        os.path.join(os.path.dirname(python), "gunicorn"), "wms_project.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", env.get("WEB_WORKERS", "2"), "--threads", env.get("WEB_THREADS", "4"),
        *(["--access-logfile", "-"] if access_log else []), "--graceful-timeout", "5",
        # Scan stations and handhelds post every few seconds: gunicorn's default 2 s would close their
        # connection between two scans (an idle kept-alive connection holds no thread under gthread).
        "--keep-alive", env.get("WEB_KEEPALIVE", "15"),
    ]


def main() -> int:
    """Ctrl-C at any moment, setup included, stops quietly: no traceback, one line saying so."""
    try:
        return _main()
    except KeyboardInterrupt:
        print("\nStopped before WMS was running.", flush=True)
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"\nSetup step failed ({' '.join(map(str, exc.cmd[-2:]))}, status {exc.returncode}); see the output above.",
              flush=True)
        return 1


def _main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "wms_project.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = embedded.postgres_url()
        print(f"embedded PostgreSQL: data in {embedded.DATA_DIR / 'postgres'}")
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = embedded.redis_url(embedded.DATA_DIR / "redis" / "wms.db")
        print(f"embedded Redis: data in {embedded.DATA_DIR / 'redis'}")
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    python = sys.executable

    manage = [python, str(ROOT / "manage.py")]
    if env.get("WMS_RUN_SETUP", "1") != "0":  # migrate, demo data, static files; skipped only by the runner's test
        print("Preparing the database and the demo data…", flush=True)
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)

    bin_dir = os.path.dirname(python)
    data_dir = embedded.DATA_DIR
    commands = {
        "web": web_command(python, host, port, env),
        "worker": [
            os.path.join(bin_dir, "celery"), "-A", "wms_project", "worker", "--loglevel", "INFO",
            "--concurrency", env.get("WORKER_CONCURRENCY", "2"), "--hostname", "worker@%h",
        ],
        "beat": [
            os.path.join(bin_dir, "celery"), "-A", "wms_project", "beat", "--loglevel", "INFO",
            "--schedule", str(data_dir / "celerybeat-schedule"),
        ],
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    # Each part writes to its own log file, so the terminal stays calm: the banner is the last thing it
    # shows, and only the runner's own news (a restart, the stop) follows it.
    log_dir = env.get("WMS_LOG_DIR") or str(data_dir / "logs")
    os.makedirs(log_dir, exist_ok=True)
    supervisor = Supervisor(commands, env=env, cwd=ROOT, backoff=float(env.get("WMS_RESTART_BACKOFF_SECONDS", "1")),
                            log_dir=log_dir)

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        if not stopping:
            log(f"{signal.Signals(signum).name} received; stopping every part")
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    supervisor.start_all()
    announcer = _Announcer(host, port, log_dir)
    try:
        while not stopping:
            supervisor.check()
            announcer.poll()
            time.sleep(0.3)
    finally:
        supervisor.stop_all()
    return 0


class _Announcer:
    """Prints the welcome once every part answers /healthz (workers need a few seconds), without holding up
    the supervision loop."""

    def __init__(self, host: str, port: str, log_dir: str = ""):
        self.url = f"http://{host}:{port}/"
        self.log_dir = log_dir
        self.done = False
        self.next_try = time.monotonic()
        self.give_up = time.monotonic() + 120

    def poll(self) -> None:
        now = time.monotonic()
        if self.done or now < self.next_try:
            return
        self.next_try = now + 1
        try:
            with urllib.request.urlopen(self.url + "healthz", timeout=3):  # its worker ping waits a second
                pass
        except OSError:  # HTTPError (503 while a part starts) is an OSError too
            if now < self.give_up:
                return
        self.done = True
        _announce(self.url, self.log_dir)


def _announce(url: str, log_dir: str = "") -> None:
    print(
        f"\nWMS is running at {url}  (health: {url}healthz, API docs: {url}api/docs/)\n"
        + (f"Logs of the web server, worker and beat: {log_dir}/\n" if log_dir else "") +
        "Demo logins (password for all: demo-pass-123):\n"
        "  admin, picker, packer, receiver, returns, inventory, manager, ops, support,\n"
        "  acme-portal (merchant Acme Outdoor), bloom-portal (merchant Bloom Beauty)\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
