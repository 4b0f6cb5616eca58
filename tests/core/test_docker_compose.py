"""docker compose cannot run here; the file is parsed and its structure checked."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_services_images_and_health_checks():
    services = compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name


def test_commands_run_gunicorn_and_celery():
    services = compose()["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "wms_project.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "wms_project", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "wms_project", "beat"]
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--noinput"]


def test_app_services_get_configuration_and_wait_for_healthy_dependencies():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["WMS_PROFILE"] == "production"
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert "pgdata" in compose()["volumes"]
