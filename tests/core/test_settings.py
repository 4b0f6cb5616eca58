"""Settings come from the environment; the production profile passes `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'db': s.DATABASES['default']['NAME'], "
    "'db_host': s.DATABASES['default']['HOST'], 'broker': s.CELERY_BROKER_URL, 'redis': s.REDIS_URL, "
    "'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False), 'secret': s.SECRET_KEY}))"
)


def run_with_env(code: str, **env) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "WMS_PROFILE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_XDIST_WORKER"}}
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "wms_project.settings"
    return subprocess.run([sys.executable, "-c", code], env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_database_and_redis_urls_come_from_the_environment():
    result = run_with_env(
        PROBE,
        DATABASE_URL="postgres://wms:pw@db.internal:5433/wmsprod",
        REDIS_URL="redis://cache.internal:6380/2",
        SECRET_KEY="k" * 60,
        DEBUG="false",
        ALLOWED_HOSTS="wms.example.com, api.example.com",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["db"] == "wmsprod" and seen["db_host"] == "db.internal"
    assert seen["redis"] == "redis://cache.internal:6380/2"
    assert seen["broker"] == "redis://cache.internal:6380/2"
    assert seen["debug"] is False
    assert seen["hosts"] == ["wms.example.com", "api.example.com"]
    assert seen["secret"] == "k" * 60


def test_a_bad_boolean_is_a_clear_configuration_error():
    result = run_with_env(PROBE, DATABASE_URL="postgres://x@h/d", REDIS_URL="redis://h:1/0", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_a_database_other_than_postgresql_is_refused():
    result = run_with_env(PROBE, DATABASE_URL="mysql://u@h/d", REDIS_URL="redis://h:1/0")
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_production_profile_requires_a_secret_key():
    result = run_with_env(
        PROBE, WMS_PROFILE="production", DATABASE_URL="postgres://x@h/d", REDIS_URL="redis://h:1/0", ALLOWED_HOSTS="a"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_passes_check_deploy_without_warnings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # set by the browser tests
    env.update(
        WMS_PROFILE="production",
        SECRET_KEY="x7!Gq2pL9vR4mZ8tY1wK6sD3fH5jN0bC-aE_uI+oP=lM*nB&vT",
        ALLOWED_HOSTS="wms.example.com",
        DATABASE_URL="postgres://wms:pw@db.internal:5432/wms",
        REDIS_URL="redis://cache.internal:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_profile_runs_with_nothing_configured_on_postgresql():
    # This suite itself runs on PostgreSQL: embedded unless DATABASE_URL was given.
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if not os.environ.get("DATABASE_URL"):
        assert str(ROOT / ".data") in settings.DATABASE_URL or os.environ.get("WMS_DATA_DIR", "") in settings.DATABASE_URL
