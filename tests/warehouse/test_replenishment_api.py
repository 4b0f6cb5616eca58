"""The replenishment REST API: pick faces and their bands, and the task queue claimed and done by scan through
the same services as the station."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import roles
from inventory.models import StaffScope
from layout.models import Bin
from tests.factories import BinFactory, UserFactory, WarehouseFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.picking import product
from tests.warehouse.test_replenishment import faced, qty_in
from warehouse.models import PickFace, ReplenishmentTask
from warehouse.outbound.services.replenishment import replenishment_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(roles_ready):
    return UserFactory(role=roles.WAREHOUSE_MANAGER)


def _client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_faces_are_listed_filtered_and_a_bad_filter_is_a_400(api_client, manager):
    ps, item, face, reserve, _ = faced(on_face=3)
    client = _client(api_client, manager)
    rows = client.get("/api/v1/pick-faces/", {"warehouse": ps.warehouse.code}).json()["results"]
    assert [(r["bin"], r["sku"], r["min_qty"], r["max_qty"]) for r in rows] == [(face.code, item.sku, 5, 20)]
    assert client.get("/api/v1/pick-faces/", {"sku": "nope"}).json()["count"] == 0
    assert client.get("/api/v1/pick-faces/", {"active": "false"}).json()["count"] == 0
    for bad in ({"sku": "a\x00b"}, {"product": "x"}, {"active": "maybe"}, {"warehouse": "w" * 300}):
        response = client.get("/api/v1/pick-faces/", bad)
        assert response.status_code == 400, bad
        assert response.json()["error"] == "invalid_filter"


def test_the_face_list_costs_the_same_queries_for_one_face_or_many(api_client, manager):
    ps, item, face, reserve, _ = faced(on_face=3)
    client = _client(api_client, manager)
    client.get("/api/v1/pick-faces/")  # the user's roles are read once
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/pick-faces/").json()["count"] == 1
    for n in range(3):
        PickFace.objects.create(warehouse=ps.warehouse, bin=ps.shelves[1 + n % 2] if n < 2 else BinFactory(zone=face.zone),
                                product=product(ps), min_qty=1, max_qty=5)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/pick-faces/").json()["count"] == 4
    assert len(many) == len(one)


def test_a_manager_makes_a_face_and_changes_its_band_and_bad_bands_change_nothing(api_client, manager):
    ps, item, face, reserve, _ = faced(on_face=3)
    other = product(ps, name="Shampoo")
    client = _client(api_client, manager)
    body = {"warehouse": ps.warehouse.code, "bin": ps.shelves[1].code, "product": other.pk, "min_qty": 2, "max_qty": 10}
    created = client.post("/api/v1/pick-faces/", body, format="json")
    assert created.status_code == 201, created.content
    assert client.post("/api/v1/pick-faces/", body, format="json").status_code == 409
    refused = [
        {**body, "bin": reserve.code},  # a reserve bin is never a face
        {**body, "min_qty": 10, "max_qty": 10},
        {**body, "bin": "a\x00b"},
        {**body, "max_qty": 10**9},
        {**body, "product": 999999},
        {**body, "warehouse": "nowhere"},
    ]
    for bad in refused:
        assert client.post("/api/v1/pick-faces/", bad, format="json").status_code in (400, 404), bad
    assert PickFace.objects.count() == 2
    url = f"/api/v1/pick-faces/{created.json()['id']}/"
    changed = client.patch(url, {"min_qty": 4, "max_qty": 12}, format="json")
    assert (changed.status_code, changed.json()["min_qty"], changed.json()["max_qty"]) == (200, 4, 12)
    assert client.patch(url, {"min_qty": 12}, format="json").status_code == 400
    assert client.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    assert PickFace.objects.filter(pk=created.json()["id"]).values_list("min_qty", "max_qty").get() == (4, 12)


def test_a_picker_may_read_faces_but_not_change_them(api_client, roles_ready):
    ps, item, face, reserve, operator = faced(on_face=3)
    client = _client(api_client, operator)
    assert client.get("/api/v1/pick-faces/").json()["count"] == 1
    assert client.patch(f"/api/v1/pick-faces/{PickFace.objects.get().pk}/", {"min_qty": 1}, format="json").status_code == 403


def test_staff_limited_to_another_warehouse_see_and_change_no_face_or_task(api_client, roles_ready):
    ps, item, face, reserve, _ = faced(on_face=3)
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    elsewhere = UserFactory(role=roles.WAREHOUSE_MANAGER)
    StaffScope.objects.create(user=elsewhere).warehouses.add(WarehouseFactory())
    client = _client(api_client, elsewhere)
    assert client.get("/api/v1/pick-faces/").json()["count"] == 0
    assert client.get("/api/v1/replenishment-tasks/").json()["count"] == 0
    pk = PickFace.objects.get().pk
    assert client.patch(f"/api/v1/pick-faces/{pk}/", {"min_qty": 1}, format="json").status_code == 404
    assert client.post(f"/api/v1/warehouses/{ps.warehouse.code}/replenishment/claim/").status_code == 404
    scan = client.post(f"/api/v1/replenishment-tasks/{task.pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": ""},
                       format="json")
    assert scan.status_code == 404
    assert PickFace.objects.get().min_qty == 5
    assert ReplenishmentTask.objects.get().status == ReplenishmentTask.Status.OPEN


def test_a_task_is_claimed_and_completed_by_scan_like_the_station(api_client, roles_ready):
    ps, item, face, reserve, operator = faced(on_face=3)
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    client = _client(api_client, operator)
    listed = client.get("/api/v1/replenishment-tasks/", {"status": "open"}).json()["results"]
    assert [(r["id"], r["from_bin"], r["to_bin"], r["qty"]) for r in listed] == [(task.pk, reserve.code, face.code, 17)]
    assert client.get("/api/v1/replenishment-tasks/", {"status": "a\x00"}).status_code == 400
    claimed = client.post(f"/api/v1/warehouses/{ps.warehouse.code}/replenishment/claim/")
    assert (claimed.status_code, claimed.json()["id"], claimed.json()["status"]) == (200, task.pk, "claimed")

    def scan(code, scan_id=None):
        return client.post(f"/api/v1/replenishment-tasks/{task.pk}/scans/",
                           {"scan_id": scan_id or str(uuid.uuid4()), "code": code}, format="json")

    wrong = scan(f"BIN:{face.code}")
    assert wrong.status_code == 422 and reserve.code in wrong.json()["message"]
    assert scan(f"BIN:{reserve.code}").status_code == 200
    face_scan = str(uuid.uuid4())
    done = scan(f"BIN:{face.code}", face_scan)
    assert (done.status_code, done.json()["data"]["done"]) == (200, True)
    assert scan(f"BIN:{face.code}", face_scan).json()["replayed"] is True  # a retry moves nothing twice
    assert (qty_in(face, item), qty_in(reserve, item)) == (20, 33)
    assert ReplenishmentTask.objects.get().status == ReplenishmentTask.Status.DONE
    assert client.post(f"/api/v1/warehouses/{ps.warehouse.code}/replenishment/claim/").status_code == 204
    assert_stock_invariants()


def test_only_the_holder_gives_a_task_back(api_client, roles_ready):
    ps, item, face, reserve, operator = faced(on_face=3)
    (task,) = replenishment_raise(warehouse=ps.warehouse)
    _client(api_client, operator).post(f"/api/v1/warehouses/{ps.warehouse.code}/replenishment/claim/")
    api_client.force_authenticate(UserFactory(role=roles.PICKER))
    assert api_client.post(f"/api/v1/replenishment-tasks/{task.pk}/release/").status_code == 403
    api_client.force_authenticate(operator)
    released = api_client.post(f"/api/v1/replenishment-tasks/{task.pk}/release/")
    assert (released.status_code, released.json()["status"]) == (200, "open")
    assert Bin.objects.filter(pk=reserve.pk).exists()
