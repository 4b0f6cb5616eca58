"""Every list endpoint of the API, with every query parameter it documents, answers hostile values with a 4xx
(never a 500), and every list endpoint renders as a browsable page."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from core import roles
from tests.factories import UserFactory, WarehouseFactory

HOSTILE = ["\x00", "abc\x00def", "abc", "-1", "99999999999999999999999", "2026-13-45", "2026-02-30T25:00:00",
           "x" * 300, "' OR 1=1 --", "\u202e\ufeff"]
PAGING = {"limit", "offset"}


def _list_operations() -> list[tuple[str, list[str]]]:
    """(path, query parameters) of every GET that is not about one object, straight from the URL conf."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        params = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        path_params = [p["name"] for p in get.get("parameters", []) if p["in"] == "path"]
        if set(path_params) - {"code"}:
            continue
        found.append((path, [p for p in params if p not in PAGING]))
        REQUIRED[path] = [p["name"] for p in get.get("parameters", []) if p["in"] == "query" and p.get("required")]
    return found


REQUIRED: dict[str, list[str]] = {}  # a search that needs its term (the serial trace) is opened with one


LIST_OPERATIONS = _list_operations()


def test_the_list_endpoints_are_all_found():
    paths = {path for path, _ in LIST_OPERATIONS}
    for expected in ("/api/v1/orders/", "/api/v1/stock/", "/api/v1/movements/", "/api/v1/waves/",
                     "/api/v1/purchase-orders/", "/api/v1/discrepancies/", "/api/v1/count-tasks/",
                     "/api/v1/receiving-exceptions/", "/api/v1/returns/parcels/", "/api/v1/returns/flush-batches/"):
        assert expected in paths
    filters = sum(len(params) for _, params in LIST_OPERATIONS)
    assert filters >= 22


@pytest.fixture
def admin_client(roles_ready):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(role=roles.ADMIN))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path,params", LIST_OPERATIONS, ids=[path for path, _ in LIST_OPERATIONS])
def test_hostile_filter_values_answer_4xx(admin_client, path, params):
    warehouse = WarehouseFactory()
    url = path.replace("{code}", warehouse.code)
    for param in params:
        for value in HOSTILE:
            response = admin_client.get(url, {param: value})
            assert response.status_code < 500, (param, value, response.status_code)
            if "\x00" in value:
                assert response.status_code == 400, (param, value, response.status_code)
                assert param in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("param,value", [
    ("created_after", "yesterday"), ("created_before", "2026-02-30"), ("channel", "abc"), ("channel", "1e5"),
    ("status", "new\x00"),
])
def test_order_filters_name_the_bad_parameter(admin_client, param, value):
    response = admin_client.get("/api/v1/orders/", {param: value})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_filter"
    assert param in response.json()["detail"]


@pytest.mark.django_db
def test_well_formed_date_filters_still_narrow_the_list(admin_client):
    from tests.orders.factories import OrderFactory

    order = OrderFactory()
    day = order.created_at.date().isoformat()
    assert admin_client.get("/api/v1/orders/", {"created_after": day}).json()["count"] == 1
    assert admin_client.get("/api/v1/orders/", {"created_before": day}).json()["count"] == 0
    assert admin_client.get("/api/v1/orders/", {"channel": str(order.channel_id + 1000)}).json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("path", [path for path, _ in LIST_OPERATIONS])
def test_every_list_endpoint_opens_in_a_browser(roles_ready, path):
    client = Client()
    client.force_login(UserFactory(role=roles.ADMIN))
    url = path.replace("{code}", WarehouseFactory().code)
    response = client.get(url, dict.fromkeys(REQUIRED[path], "SN1"), HTTP_ACCEPT="text/html")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
