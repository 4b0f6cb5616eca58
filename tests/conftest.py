import pytest
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient

from core.roles import ensure_roles


def _allow_audit_truncate(sender, connection, **kwargs):
    """The audit log refuses TRUNCATE (core/migrations/0001_audit_log.py) except in a session that says so: the
    test suite's connections do, so the flush between transactional tests empties it with the other tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET wms.audit_truncate = 'allow'")


connection_created.connect(_allow_audit_truncate, dispatch_uid="tests.allow_audit_truncate")


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

    from orders.inbox_dispatch import dispatchers_stop_all
    from wms_project.celery import app

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker
    dispatchers_stop_all()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the test session; each test opens its own page."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 412, "height": 915})  # a phone-sized station
    page = context.new_page()
    yield page
    context.close()
