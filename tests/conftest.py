import pytest
from rest_framework.test import APIClient

from wms_project.roles import ensure_roles


@pytest.fixture
def roles_ready(db):
    ensure_roles()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (threads, real Redis broker) running in this test process."""
    from celery.contrib.testing.worker import start_worker

    from wms_project.celery import app

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
