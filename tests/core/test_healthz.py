import pytest
from django.test import override_settings


@pytest.mark.django_db(transaction=True)
def test_healthz_is_200_with_every_part_named_when_all_are_up(client, celery_worker):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["redis"]["ok"] and body["celery"]["ok"]
    assert body["celery"]["workers"], "the worker answered the ping through the broker"


@pytest.mark.django_db
def test_healthz_is_503_naming_celery_when_no_worker_answers(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["celery"]
    assert body["database"]["ok"] and body["redis"]["ok"]
    assert "no Celery worker" in body["celery"]["error"]


@pytest.mark.django_db
def test_healthz_is_503_naming_redis_when_the_broker_is_down(client):
    dead = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=dead, CELERY_BROKER_URL=dead):
        response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert "redis" in body["failing"] and "celery" in body["failing"]
    assert body["database"]["ok"]
    assert "Connection" in body["redis"]["error"]


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_postgres_is_unreachable(client, monkeypatch):
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    from wms_project import health

    unreachable = DatabaseWrapper(dict(connections["default"].settings_dict, HOST="127.0.0.1", PORT="1"), alias="default")
    monkeypatch.setattr(health, "connections", {"default": unreachable})
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 503
    assert "database" in body["failing"]
    assert body["redis"]["ok"]
    assert "OperationalError" in body["database"]["error"]
