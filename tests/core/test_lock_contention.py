"""A transaction PostgreSQL rolled back for lock contention (here a real deadlock between two connections)
answers 409 with Retry-After on pages and in the API, never 500; other database errors are not disguised."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory
from rest_framework.views import APIView

from core.api import exception_handler
from core.contention import LockContentionMiddleware, is_lock_contention
from inventory.models import Merchant
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def a_real_deadlock() -> DatabaseError:
    """Two connections lock two merchants' rows in opposite orders; PostgreSQL kills one of them."""
    first, second = MerchantFactory(), MerchantFactory()
    both_hold_one = threading.Barrier(2)
    caught: list[BaseException] = []

    def lock(a, b):
        try:
            with transaction.atomic():
                Merchant.objects.select_for_update().get(pk=a.pk)
                both_hold_one.wait()
                Merchant.objects.select_for_update().get(pk=b.pk)
        except DatabaseError as exc:
            caught.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock, args=pair) for pair in ((first, second), (second, first))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(caught) == 1, caught
    return caught[0]


def test_a_deadlock_answers_409_with_retry_after_on_pages_and_in_the_api():
    deadlock = a_real_deadlock()
    assert is_lock_contention(deadlock)

    page = LockContentionMiddleware(lambda request: None).process_exception(RequestFactory().post("/x/"), deadlock)
    assert (page.status_code, page["Retry-After"]) == (409, "1")
    assert b"nothing was changed" in page.content

    api = exception_handler(deadlock, {"view": APIView()})
    assert (api.status_code, api.data["error"], api["Retry-After"]) == (409, "busy", "1")


def test_other_database_errors_are_not_taken_for_contention():
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")
    assert not is_lock_contention(raised.value)
    assert LockContentionMiddleware(lambda request: None).process_exception(RequestFactory().get("/"), raised.value) is None
