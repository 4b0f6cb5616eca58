"""Requests generated from the OpenAPI schema (valid and hostile values in every parameter), sent with an
admin and a merchant token, never get a 500; under /api/ an unknown URL or a missing object answers JSON."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from core import roles
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user
from tests.security.fuzz_world import seed_stocked_world
from wms_project.wsgi import application

# The reads: every list filter and lookup, where hostile values once answered 500. The writes have a bounded run
# of their own below.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(method="GET")


@pytest.fixture
def tokens(roles_ready):
    # The requests run in this test's transaction: the app must not close the connection after each one.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    world = seed_stocked_world()
    yield {
        "admin": Token.objects.create(user=UserFactory(role=roles.ADMIN)).key,
        "merchant": world.a.token,
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=2, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_generated_reads_never_answer_a_server_error(case, tokens):
    for key in tokens.values():
        response = case.call(headers={"Authorization": f"Token {key}"})
        case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.django_db
def test_an_unknown_api_url_or_missing_object_answers_json_404(client, tokens):
    for path in ("/api/v1/no-such-thing/", "/api/v1/purchase-orders/999999/", "/api/nope"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {tokens['admin']}")
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), (path, response["Content-Type"])
        assert response.json()["detail"]
    assert client.get("/warehouse/no-such-page/x/y/").status_code == 404  # pages keep the HTML page


# Reads whose answers the schema cannot describe yet, each with the reason; every other read is held to its schema.
NOT_CONFORMANT: dict[tuple[str, str], str] = {}

conformance_schema = schema.exclude(
    operation_id=[operation_id for (_method, operation_id) in NOT_CONFORMANT] or ["-none-"]
)


@pytest.mark.django_db
@conformance_schema.parametrize()
@hypothesis_settings(max_examples=1, deadline=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))
def test_generated_reads_answer_what_the_schema_documents(case, tokens):
    """Each read answers a status its operation documents, with a body of the documented shape (paginated lists
    as count/next/previous/results, refusals as their error body), for an admin and for a merchant."""
    for key in tokens.values():
        response = case.call(headers={"Authorization": f"Token {key}"})
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 response_schema_conformance])


# The writes: every POST, PUT, PATCH and DELETE, one generated request per operation for an admin and for a merchant
# token (a bounded run: the deeper write paths are proven by each flow's own tests). Nothing answers 500, and each
# answer is one its operation documents, with the documented body.
write_schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(
    method=["POST", "PUT", "PATCH", "DELETE"])


@pytest.fixture
def write_tokens(roles_ready):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    merchant = MerchantFactory()
    ProductFactory(merchant=merchant)
    yield {
        "admin": Token.objects.create(user=UserFactory(role=roles.ADMIN)).key,
        "merchant": Token.objects.create(user=merchant_user(merchant)).key,
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@write_schema.parametrize()
@hypothesis_settings(max_examples=1, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
def test_generated_writes_never_answer_a_server_error_and_answer_what_the_schema_documents(case, write_tokens):
    for key in write_tokens.values():
        response = case.call(headers={"Authorization": f"Token {key}"})
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 response_schema_conformance])
