"""Liveness, readiness and worker health are separate: a worker outage never marks the web unhealthy."""

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_liveness_answers_whatever_the_peers_do(client):
    dead = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=dead, CELERY_BROKER_URL=dead):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_with_no_worker_the_web_is_ready_and_the_workers_report_down(client):
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["database"]["ok"] and ready.json()["redis"]["ok"]
    assert "celery" not in ready.json()
    workers = client.get("/healthz/workers")
    assert workers.status_code == 503
    assert workers.json()["failing"][0] == "celery"
    assert "no Celery worker" in workers.json()["celery"]["error"]


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_reports_healthy(client, celery_worker):
    workers = client.get("/healthz/workers")
    assert workers.status_code == 200, workers.json()
    assert workers.json()["celery"]["workers"]


@pytest.mark.django_db
def test_readiness_is_503_naming_the_broker_when_redis_is_down(client):
    dead = "redis://127.0.0.1:1/0"
    with override_settings(REDIS_URL=dead, CELERY_BROKER_URL=dead):
        response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
