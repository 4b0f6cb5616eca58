"""The embedded PostgreSQL and Redis are real servers whose data survives a restart."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WRITE_THEN_READ = """
import sys
from wms_project import embedded
import psycopg, redis
url = embedded.postgres_url()
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS survives (n int)")
    if sys.argv[1] == "write":
        conn.execute("INSERT INTO survives VALUES (42)")
    print("pg", conn.execute("SELECT count(*) FROM survives WHERE n = 42").fetchone()[0])
r = redis.Redis.from_url(embedded.redis_url(embedded.DATA_DIR / "redis" / "t.db"))
if sys.argv[1] == "write":
    r.set("survives", "yes")
    r.save()
print("redis", (r.get("survives") or b"").decode())
print("url", url)
"""


def test_embedded_postgres_and_redis_start_from_nothing_and_keep_their_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["WMS_DATA_DIR"] = str(tmp_path / "data")

    def run(mode: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", WRITE_THEN_READ, mode], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = run("write")
    assert "pg 1" in first and "redis yes" in first
    assert str(tmp_path / "data" / "postgres") in first  # unix socket inside the project's data folder
    second = run("read")  # a new process: both servers were stopped and start again
    assert "pg 1" in second
    assert "redis yes" in second
