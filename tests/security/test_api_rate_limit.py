"""API calls are limited per token (or per signed-in user): 429 with Retry-After once over the limit."""

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import ratelimit
from orders.models import Order
from tests.factories import MerchantFactory, ProductFactory, merchant_user
from tests.orders.test_orders_api import body as order_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def pinned_clock(monkeypatch):
    now = 1_900_000_000.0 + (timezone.now().timestamp() % 997) * 60
    monkeypatch.setattr(ratelimit, "_now", lambda: now)
    return now


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@override_settings(API_RATE_PER_MINUTE=3)
def test_over_the_limit_a_token_gets_429_with_retry_after_and_another_token_is_unaffected(roles_ready, pinned_clock):
    merchant = MerchantFactory()
    mine, theirs = token_client(merchant_user(merchant)), token_client(merchant_user(merchant))
    for _ in range(3):
        assert mine.get("/api/v1/orders/").status_code == 200
    refused = mine.get("/api/v1/orders/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    assert theirs.get("/api/v1/orders/").status_code == 200


@override_settings(API_RATE_PER_MINUTE=1)
def test_a_refused_write_stores_nothing(roles_ready, pinned_clock):
    merchant = MerchantFactory()
    ProductFactory(merchant=merchant, sku="TENT-1")
    client = token_client(merchant_user(merchant))
    assert client.get("/api/v1/orders/").status_code == 200
    refused = client.post("/api/v1/orders/", order_body(), format="json")
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert not Order.objects.exists()


@override_settings(API_RATE_PER_MINUTE=2)
def test_the_limit_follows_the_signed_in_user_without_a_token_and_anonymous_calls_are_refused_not_counted(roles_ready, pinned_clock):
    merchant = MerchantFactory()
    client = APIClient()
    client.force_login(merchant_user(merchant))
    assert [client.get("/api/v1/orders/").status_code for _ in range(3)] == [200, 200, 429]
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/orders/").status_code for _ in range(3)] == [401, 401, 401]
