"""Returns over REST: RMAs with Idempotency-Key, tenant isolation, the bench (parcels, units, grading),
flush batches with a second person and their CSV, and refusals that answer 4xx and change nothing."""

import csv
import io

import pytest

from core import roles
from inventory.models import Movement
from returns.models import FlushBatch, ReturnAuthorization, ReturnParcel
from tests.factories import MerchantFactory, UserFactory, merchant_user
from tests.returns.factories import build_return_site, gtin_of, shipped_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(roles_ready):
    return build_return_site()


def rma_body(order, product, qty=1, **extra):
    return {"order_id": order.pk, "resolution": "refund",
            "lines": [{"sku": product.sku, "qty": qty, "reason": "wrong_size"}], **extra}


def test_rma_create_is_idempotent_per_key_and_refuses_another_body(api_client, site):
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 2)])
    api_client.force_authenticate(site.agent)
    first = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "authorized" and body["code"] == f"RMA:{body['number']}" and body["lines"][0]["qty"] == 1
    again = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    other = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt, qty=2), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and other.json()["error"] == "idempotency_conflict"
    over = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt, qty=2), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert over.status_code == 400 and over.json()["error"] == "over_return"
    assert ReturnAuthorization.objects.count() == 1
    for bad in ({"order_id": order.pk}, {"order_id": "x", "resolution": "refund", "lines": []},
                rma_body(order, shirt, resolution="barter"), {"order_id": order.pk, "resolution": "refund",
                                                               "lines": [{"sku": "NOPE", "qty": 1, "reason": "wrong_size"}]},
                {"order_id": order.pk, "resolution": "refund", "lines": [{"sku": shirt.sku, "qty": 1, "reason": "bored"}]}):
        answer = api_client.post("/api/v1/returns/rmas/", bad, format="json")
        assert 400 <= answer.status_code < 500, (bad, answer.content)
    assert ReturnAuthorization.objects.count() == 1


def test_merchants_see_and_return_only_their_own_orders(api_client, site):
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 1)])
    owner, stranger = merchant_user(site.merchant), merchant_user(MerchantFactory())
    api_client.force_authenticate(owner)
    created = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt), format="json")
    assert created.status_code == 201 and created.json()["source"] == "merchant portal"
    rma_id = created.json()["id"]
    api_client.force_authenticate(stranger)
    assert api_client.get("/api/v1/returns/rmas/").json()["count"] == 0
    assert api_client.get(f"/api/v1/returns/rmas/{rma_id}/").status_code == 404
    assert api_client.post(f"/api/v1/returns/rmas/{rma_id}/cancel/").status_code == 404
    assert api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt), format="json").status_code == 404
    assert api_client.post("/api/v1/returns/parcels/", {"warehouse": site.warehouse.code, "code": "RMA:X"}).status_code == 403
    assert api_client.get("/api/v1/returns/flush-batches/").status_code == 403
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/returns/rmas/").json()["count"] == 1
    made = api_client.post("/api/v1/returns/reasons/", {"code": "too_itchy", "label": "Too itchy"}, format="json")
    assert made.status_code == 201 and made.json()["merchant"] == site.merchant.code
    api_client.force_authenticate(stranger)
    assert "too_itchy" not in [r["code"] for r in api_client.get("/api/v1/returns/reasons/").json()]


def test_the_bench_over_rest_receives_grades_and_resolves(api_client, site):
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 1), (mug, 1)])
    api_client.force_authenticate(site.agent)
    rma = api_client.post("/api/v1/returns/rmas/", {**rma_body(order, shirt), "lines": [
        {"sku": shirt.sku, "qty": 1, "reason": "wrong_size"}, {"sku": mug.sku, "qty": 1, "reason": "defective"}]},
        format="json").json()
    api_client.force_authenticate(site.processor)
    bad = api_client.post("/api/v1/returns/parcels/", {"warehouse": site.warehouse.code, "code": "1Z7Y4V610300000050"})
    assert bad.status_code == 400 and "check digit" in bad.json()["detail"]
    parcel = api_client.post("/api/v1/returns/parcels/", {"warehouse": site.warehouse.code, "code": rma["code"]}).json()
    assert parcel["status"] == "open" and parcel["rma"] == rma["number"]
    unit = api_client.post(f"/api/v1/returns/parcels/{parcel['id']}/units/", {"code": gtin_of(shirt)}).json()
    assert unit["sku"] == shirt.sku and unit["status"] == "pending"
    graded = api_client.post(f"/api/v1/returns/units/{unit['id']}/grade/", {"grade": "good", "bin": f"BIN:{site.shelves[1].code}"})
    assert graded.status_code == 200 and graded.json()["to_bin"] == site.shelves[1].code, graded.content
    assert api_client.post(f"/api/v1/returns/units/{unit['id']}/grade/", {"grade": "good"}).status_code == 400
    mug_unit = api_client.post(f"/api/v1/returns/parcels/{parcel['id']}/units/", {"code": mug.sku}).json()
    assert api_client.post(f"/api/v1/returns/units/{mug_unit['id']}/grade/", {"grade": "shiny"}).status_code == 400
    assert api_client.post(f"/api/v1/returns/units/{mug_unit['id']}/grade/", {"grade": "damaged"}).json()["disposition"] == "liquidate"
    api_client.force_authenticate(site.agent)
    resolved = api_client.post(f"/api/v1/returns/rmas/{rma['id']}/resolve/").json()
    assert resolved["status"] == "resolved" and resolved["refund_amount"] == "40.00"
    assert api_client.get(f"/api/v1/returns/rmas/{rma['id']}/slip/").content.startswith(b"%PDF")
    assert api_client.get(f"/api/v1/returns/rmas/{rma['id']}/slip/?type=zpl").content.startswith(b"^XA")

    api_client.force_authenticate(site.processor)
    unexpected = api_client.post("/api/v1/returns/parcels/", {"warehouse": site.warehouse.code, "code": "DROPOFF-991"}).json()
    assert unexpected["status"] == "unmatched" and unexpected["holding_bin"] == "RET-PARCEL"
    queue = api_client.get("/api/v1/returns/parcels/?status=unmatched").json()
    assert [p["id"] for p in queue["results"]] == [unexpected["id"]]
    refused = api_client.post(f"/api/v1/returns/parcels/{unexpected['id']}/match/", {"rma": rma["code"]})
    assert refused.status_code == 400  # that return is resolved: it takes no parcel
    assert ReturnParcel.objects.get(pk=unexpected["id"]).status == "unmatched"


def test_flush_batches_over_rest_need_a_second_person_and_export_csv(api_client, site):
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 2)])
    api_client.force_authenticate(site.agent)
    rma = api_client.post("/api/v1/returns/rmas/", rma_body(order, shirt, qty=2), format="json").json()
    api_client.force_authenticate(site.processor)
    parcel = api_client.post("/api/v1/returns/parcels/", {"warehouse": site.warehouse.code, "code": rma["code"]}).json()
    for _ in range(2):
        unit = api_client.post(f"/api/v1/returns/parcels/{parcel['id']}/units/", {"code": shirt.sku}).json()
        api_client.post(f"/api/v1/returns/units/{unit['id']}/grade/", {"grade": "damaged"})
    api_client.force_authenticate(site.manager)
    body = {"warehouse": site.warehouse.code, "reason": "donation drive",
            "lines": [{"sku": shirt.sku, "bin": "RET-HOLD", "qty": 2, "disposition": "donate"}]}
    batch = api_client.post("/api/v1/returns/flush-batches/", body, format="json")
    assert batch.status_code == 201, batch.content
    batch_id = batch.json()["id"]
    own = api_client.post(f"/api/v1/returns/flush-batches/{batch_id}/approve/")
    assert own.status_code == 403 and own.json()["error"] == "second_person_required"
    assert api_client.post(f"/api/v1/returns/flush-batches/{batch_id}/execute/").status_code == 400
    api_client.force_authenticate(UserFactory(role=roles.INVENTORY_CONTROLLER))
    assert api_client.post(f"/api/v1/returns/flush-batches/{batch_id}/approve/").json()["status"] == "approved"
    done = api_client.post(f"/api/v1/returns/flush-batches/{batch_id}/execute/").json()
    assert done["status"] == "executed" and done["value_written_off"] == "9.00"
    rows = list(csv.DictReader(io.StringIO(b"".join(api_client.get(f"/api/v1/returns/flush-batches/{batch_id}/csv/").streaming_content).decode())))
    assert [(r["sku"], r["qty"], r["value_written_off"], r["disposition"]) for r in rows] == [(shirt.sku, "2", "9.00", "donate")]
    assert Movement.objects.filter(kind="flush", reference=f"flush:{batch_id}").count() == 1
    assert FlushBatch.objects.get(pk=batch_id).approved_by.username != site.manager.username


def test_openapi_schema_documents_the_returns_api(api_client, site):
    api_client.force_authenticate(site.manager)
    schema = api_client.get("/api/schema/?format=json").json()
    for path in ("/api/v1/returns/rmas/", "/api/v1/returns/parcels/", "/api/v1/returns/parcels/{id}/units/",
                 "/api/v1/returns/units/{id}/grade/", "/api/v1/returns/flush-batches/{id}/approve/"):
        assert path in schema["paths"], path
    rma_create = schema["paths"]["/api/v1/returns/rmas/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in rma_create["parameters"])
    # Every step of the returns API, each of its methods, is in the schema with its answers.
    from returns.api.urls import urlpatterns

    for pattern in urlpatterns:
        path = "/api/v1/" + str(pattern.pattern).replace("<int:pk>", "{id}")
        assert path in schema["paths"], path
        view = pattern.callback.view_class
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                operation = schema["paths"][path].get(method)
                assert operation and operation["responses"], (path, method)
                assert "returns" in " ".join(operation.get("tags", [])) + operation["operationId"], (path, method)
