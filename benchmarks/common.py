"""Shared plumbing: a fresh benchmark database, timing helpers, and the results file."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "BENCHMARKS.md"
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "wms_bench")


def bench_database_url(name: str = BENCH_DB) -> str:
    """A freshly migrated benchmark database (`wms_bench` unless named) on the configured or embedded PostgreSQL."""
    import psycopg

    base = os.environ.get("DATABASE_URL")
    if not base:
        from wms_project import embedded

        base = embedded.postgres_url()
    from django.conf import settings

    if settings.configured:  # a previous benchmark of this run still holds connections to the database dropped here
        from django.db import connections

        connections.close_all()
    admin_url = re.sub(r"/[^/?]+(\?|$)", r"/postgres\1", base, count=1)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = re.sub(r"/[^/?]+(\?|$)", rf"/{name}\1", base, count=1)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "wms_project.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return url


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_project.settings")
    import django

    django.setup()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, body: str) -> None:
    """Replace this benchmark's section in BENCHMARKS.md, keeping the others."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\nRun with `make bench` (or `make bench BENCH_ARGS=<name>`). Machines are shared and noisy: read medians and ratios, not single runs.\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"## {name}\n\n_Measured {stamp} on {machine()}._\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)
    print(section)
