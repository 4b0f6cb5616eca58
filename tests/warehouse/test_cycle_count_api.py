"""The count flow over REST and its pages: role guards, blind answers, bad input refused with 4xx and
nothing changed, query counts of the lists."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from core import roles
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.counting import build_count_site, held, ledger_state
from tests.warehouse.picking import product, put
from warehouse.control.services.count_plans import count_request
from warehouse.models import CountTask

pytestmark = pytest.mark.django_db


def post(api, url, body=None):
    return api.post(url, body or {}, format="json")


def scan_api(api, pk, code, scan_id=None):
    return post(api, f"/api/v1/count-tasks/{pk}/scans/", {"scan_id": str(scan_id or uuid.uuid4()), "code": code})


def test_the_count_flow_over_rest_claim_scan_finish_approve(api_client):
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 9)
    api_client.force_authenticate(ps.manager)
    raised = post(api_client, "/api/v1/count-tasks/request/", {"warehouse": ps.warehouse.code, "sku": item.sku})
    assert raised.status_code == 201 and raised.json() == {"created": 1, "skipped": 0}

    api_client.force_authenticate(ps.counter)
    claimed = post(api_client, f"/api/v1/warehouses/{ps.warehouse.code}/count-tasks/claim/")
    assert claimed.status_code == 200
    body = claimed.json()
    assert body["bin"] == ps.shelves[0].code and body["scanned"] == 0
    assert "system_qty" not in body and 9 not in body.values() and "9" not in body.values()  # blind
    pk = body["id"]
    wrong = scan_api(api_client, pk, f"BIN:{ps.shelves[1].code}")
    assert wrong.status_code == 422 and "wrong bin" in wrong.json()["message"]
    assert scan_api(api_client, pk, f"BIN:{ps.shelves[0].code}").status_code == 200
    repeated = uuid.uuid4()
    assert scan_api(api_client, pk, item.sku, repeated).json()["data"]["scanned"] == 1
    assert scan_api(api_client, pk, item.sku, repeated).json()["replayed"] is True  # a retry is applied once
    finished = post(api_client, f"/api/v1/count-tasks/{pk}/finish/", {"scan_id": str(uuid.uuid4())})
    assert finished.status_code == 200 and "review" in finished.json()["message"]

    # The counter cannot approve: the role has no approvals, and even a manager who counted may not.
    assert post(api_client, f"/api/v1/count-tasks/{pk}/approve/", {"note": "fine"}).status_code == 403
    api_client.force_authenticate(ps.approver)
    listed = api_client.get("/api/v1/count-tasks/review/").json()["results"]
    assert [(r["id"], r["expected_qty"], r["counted_qty"], r["variance"]) for r in listed] == [(pk, 9, 1, -8)]
    assert post(api_client, f"/api/v1/count-tasks/{pk}/approve/", {}).status_code == 400  # a reason is required
    approved = post(api_client, f"/api/v1/count-tasks/{pk}/approve/", {"note": "eight missing"})
    assert approved.status_code == 200 and approved.json()["status"] == "done"
    assert held(item, ps.shelves[0]) == 1
    assert post(api_client, f"/api/v1/count-tasks/{pk}/approve/", {"note": "again"}).status_code == 409
    assert_stock_invariants()


def test_a_manager_who_counted_may_not_approve_their_own_count_and_a_reject_answers_the_recount(api_client):
    ps = build_count_site(tolerance_units=0)
    item = product(ps)
    put(item, ps.shelves[0], 5)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    api_client.force_authenticate(ps.manager)  # a warehouse manager counts, then tries to approve
    pk = post(api_client, f"/api/v1/warehouses/{ps.warehouse.code}/count-tasks/claim/").json()["id"]
    scan_api(api_client, pk, f"BIN:{ps.shelves[0].code}")
    post(api_client, f"/api/v1/count-tasks/{pk}/finish/", {"scan_id": str(uuid.uuid4())})
    own = post(api_client, f"/api/v1/count-tasks/{pk}/approve/", {"note": "mine"})
    assert own.status_code == 400 and "yourself" in str(own.json())
    assert CountTask.objects.get(pk=pk).status == "review"
    api_client.force_authenticate(ps.approver)
    rejected = post(api_client, f"/api/v1/count-tasks/{pk}/reject/", {"note": "recount the top shelf"})
    assert rejected.status_code == 201 and rejected.json()["recount_of"] == pk and rejected.json()["status"] == "open"


@pytest.mark.parametrize("body", [
    {"warehouse": "nope", "bin": "A"}, {"warehouse": "WH", "bin": "A-01-01-A", "sku": "X"},
    {"warehouse": "WH", "bin": "NO-SUCH"}, {"warehouse": "WH", "sku": "NO-SUCH"}, {"warehouse": "WH", "zone": "NOPE"},
    {"warehouse": "WH", "bin": "x" * 500}, {"warehouse": ["WH"]}, {},
])
def test_bad_count_requests_answer_4xx_and_raise_nothing(api_client, body):
    ps = build_count_site()
    put(product(ps), ps.shelves[0], 2)
    body = {k: (ps.warehouse.code if v == "WH" else v) for k, v in body.items()}
    api_client.force_authenticate(ps.manager)
    response = post(api_client, "/api/v1/count-tasks/request/", body)
    assert 400 <= response.status_code < 500, response.content
    assert not CountTask.objects.exists()


@pytest.mark.parametrize("role", [roles.PICKER, roles.PACKER, roles.CUSTOMER_SERVICE, roles.MERCHANT])
def test_roles_outside_inventory_control_reach_no_count_endpoint(api_client, role):
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 2)
    count_request(warehouse=ps.warehouse, actor=ps.manager, bin=ps.shelves[0])
    pk = CountTask.objects.get().pk
    api_client.force_authenticate(UserFactory(role=role))
    before = ledger_state()
    for url, body in [(f"/api/v1/warehouses/{ps.warehouse.code}/count-tasks/claim/", {}),
                      (f"/api/v1/count-tasks/{pk}/scans/", {"scan_id": str(uuid.uuid4()), "code": "x"}),
                      (f"/api/v1/count-tasks/{pk}/finish/", {"scan_id": str(uuid.uuid4())}),
                      (f"/api/v1/count-tasks/{pk}/approve/", {"note": "n"}),
                      ("/api/v1/count-tasks/request/", {"warehouse": ps.warehouse.code, "bin": ps.shelves[0].code})]:
        assert post(api_client, url, body).status_code == 403, url
    assert ledger_state() == before and CountTask.objects.get().status == "open"


def test_the_schema_documents_the_count_flow(api_client):
    api_client.force_authenticate(UserFactory(role=roles.WAREHOUSE_MANAGER))
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/v1/count-tasks/request/", "/api/v1/warehouses/{code}/count-tasks/claim/",
                 "/api/v1/count-tasks/{id}/scans/", "/api/v1/count-tasks/{id}/finish/",
                 "/api/v1/count-tasks/{id}/approve/", "/api/v1/count-tasks/{id}/reject/", "/api/v1/count-tasks/review/"):
        assert path in paths, path


def test_the_pages_are_role_guarded_and_the_review_list_does_not_query_per_row(client, django_assert_max_num_queries):
    ps = build_count_site(tolerance_units=0)
    items = [product(ps) for _ in range(4)]
    for n, item in enumerate(items):
        put(item, ps.shelves[n], 5)
        CountTask.objects.create(warehouse=ps.warehouse, bin=ps.shelves[n], product=item, status="review",
                                 source="manager", system_qty=5, counted_qty=n, counted_by=ps.counter)
    client.force_login(ps.counter)
    assert client.get(reverse("warehouse:count_review_list")).status_code == 403
    assert client.get(reverse("warehouse:count_station", args=[ps.warehouse.code])).status_code == 200
    board = client.get(reverse("warehouse:count_board"))
    assert board.status_code == 200 and ">System<" not in board.content.decode()  # counters recount blind
    client.force_login(ps.manager)
    assert ">System<" in client.get(reverse("warehouse:count_board")).content.decode()
    client.force_login(ps.approver)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("warehouse:count_review_list"))
    assert page.status_code == 200 and all(item.sku in page.content.decode() for item in items)
    task = CountTask.objects.first()
    assert client.post(reverse("warehouse:count_review", args=[task.pk]), {"decision": "maybe", "note": "x"}).status_code == 302
    assert client.post(reverse("warehouse:count_review", args=[task.pk]),
                       {"decision": "approve", "note": "ok\x00"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "review"


def test_the_request_form_raises_counts_and_refuses_bad_input_with_a_message(client):
    ps = build_count_site()
    item = product(ps)
    put(item, ps.shelves[0], 5)
    client.force_login(ps.manager)
    bad = client.post(reverse("warehouse:count_request"), {"warehouse": ps.warehouse.code, "bin": "\x00" * 3}, follow=True)
    assert bad.status_code == 200 and "control character" in bad.content.decode()
    assert not CountTask.objects.exists()
    good = client.post(reverse("warehouse:count_request"), {"warehouse": ps.warehouse.code, "bin": f"BIN:{ps.shelves[0].code}"},
                       follow=True)
    assert "1 count task(s) raised" in good.content.decode()
    assert CountTask.objects.get().product_id == item.pk
