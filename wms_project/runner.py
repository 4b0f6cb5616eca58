"""`make run`: one supervising process for the whole system.

Starts the embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset (this process
owns them, so they live exactly as long as `make run`), migrates, loads demo data, then runs the
web server, a Celery worker and Celery beat in the foreground. Ctrl-C stops all of them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from wms_project import embedded

ROOT = embedded.BASE_DIR


def main() -> int:
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
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)

    bin_dir = os.path.dirname(python)
    commands = {
        "web": [
            os.path.join(bin_dir, "gunicorn"), "wms_project.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", env.get("WEB_WORKERS", "2"), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ],
        "worker": [
            os.path.join(bin_dir, "celery"), "-A", "wms_project", "worker", "--loglevel", "INFO",
            "--concurrency", env.get("WORKER_CONCURRENCY", "2"), "--hostname", "worker@%h",
        ],
        "beat": [
            os.path.join(bin_dir, "celery"), "-A", "wms_project", "beat", "--loglevel", "INFO",
            "--schedule", str(embedded.DATA_DIR / "celerybeat-schedule"),
        ],
    }
    embedded.DATA_DIR.mkdir(parents=True, exist_ok=True)
    processes = {name: subprocess.Popen(cmd, env=env, cwd=ROOT) for name, cmd in commands.items()}

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    _announce(host, port)
    try:
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping everything")
                    stopping = True
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.time() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.kill()
        print("stopped web, worker and beat")
    return 0


def _announce(host: str, port: str) -> None:
    url = f"http://{host}:{port}/"
    for _ in range(120):  # until every part answers (workers need a few seconds), at most a minute
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2):
                break
        except OSError:  # HTTPError (503 while a part starts) is an OSError too
            time.sleep(0.5)
    print(
        f"\nWMS is running at {url}  (health: {url}healthz, API docs: {url}api/docs/)\n"
        "Demo logins (password for all: demo-pass-123):\n"
        "  admin, picker, packer, receiver, returns, inventory, manager, ops, support,\n"
        "  acme-portal (merchant Acme Outdoor), bloom-portal (merchant Bloom Beauty)\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
