"""Password guessing on the login page and the API token exchange is stopped with 429 and Retry-After."""

import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user():
    return UserFactory(username=f"guess-{uuid.uuid4().hex[:10]}", role=roles.PACKER)


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_token_endpoint(roles_ready):
    user, client = _user(), APIClient()
    for _ in range(30):
        response = client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
        assert response.status_code in (400, 429)
    response = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-123456"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "token" not in response.json()


def test_thirty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(roles_ready):
    user, client = _user(), Client()
    for _ in range(30):
        assert client.post("/login/", {"username": user.username, "password": "wrong"}).status_code in (200, 429)
    response = client.post("/login/", {"username": user.username, "password": "pw-123456"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_a_few_typos_do_not_lock_the_user_out_and_a_sign_in_clears_them(roles_ready, settings):
    user, client = _user(), APIClient()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
    ok = client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-123456"}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]
    page = Client()
    assert page.post("/login/", {"username": user.username, "password": "pw-123456"}).status_code == 302
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong"}, format="json")
    assert client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-123456"},
                       format="json").status_code == 200


def test_other_users_are_not_locked_out_by_guessing_at_one(roles_ready):
    victim, bystander, client = _user(), _user(), APIClient()
    for _ in range(30):
        client.post("/api/v1/auth/token/", {"username": victim.username, "password": "wrong"}, format="json")
    ok = client.post("/api/v1/auth/token/", {"username": bystander.username, "password": "pw-123456"}, format="json")
    assert ok.status_code == 200


class _UnreachableCache:
    """Redis down: every cache call fails the way the Redis client does."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis. Connection refused.")

        return fail


def test_without_redis_sign_in_fails_closed_while_issued_tokens_and_sessions_keep_working(roles_ready, monkeypatch):
    """The decision (SECURITY.md): guesses that cannot be counted are not checked, so sign-in answers 503 with
    Retry-After and creates no session or token; request-volume limits fail open, so work already signed in goes on."""
    from rest_framework.authtoken.models import Token

    from core import ratelimit
    from tests.factories import MerchantFactory, merchant_user
    from wms_project import auth_throttle

    user = merchant_user(MerchantFactory(), username=f"shop-{uuid.uuid4().hex[:10]}")
    token = Token.objects.create(user=user).key
    signed_in = Client()
    signed_in.force_login(user)
    monkeypatch.setattr(auth_throttle, "cache", _UnreachableCache())
    monkeypatch.setattr(ratelimit, "cache", _UnreachableCache())

    page, visitor = Client(), APIClient()
    response = page.post("/login/", {"username": user.username, "password": "pw-123456"})
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in page.session
    refused = visitor.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-123456"}, format="json")
    assert refused.status_code == 503 and int(refused["Retry-After"]) > 0 and "token" not in refused.json()
    assert Token.objects.filter(user=user).count() == 1

    visitor.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [visitor.get("/api/v1/orders/").status_code for _ in range(3)] == [200] * 3
    assert signed_in.get("/portal/").status_code == 200
